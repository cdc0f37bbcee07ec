/* libbcc's helpers.h uses PAGE_SIZE for stack-trace buffers. */
#ifndef _ASM_X86_PAGE_H
#define _ASM_X86_PAGE_H
#define PAGE_SIZE 4096
#endif
