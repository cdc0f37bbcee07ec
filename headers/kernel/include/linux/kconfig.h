/* Force-included by libbcc (-include ./include/linux/kconfig.h).
 * Only what libbcc's built-in bpf.h/helpers.h test for. */
#ifndef _LINUX_KCONFIG_H
#define _LINUX_KCONFIG_H
#define CONFIG_BPF_SYSCALL 1
#define IS_ENABLED(option) 0
#endif
