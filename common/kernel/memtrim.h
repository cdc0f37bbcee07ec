/* Gives back the memory the compiler (LLVM, clang) needed only at start-up:
 * the heap it freed, and its code pages, which the kernel can re-read from the
 * library file if they are ever needed again. libbcc's bcc_free_memory() does
 * the same for a statically linked libbcc only. */
#ifndef SOCKLENS_MEMTRIM_H
#define SOCKLENS_MEMTRIM_H

void memtrim_release(void);

#endif
