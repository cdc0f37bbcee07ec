/* Attaching a loaded BPF program to a kernel event, with system calls only
 * (no libbcc): what closing the returned fd undoes. */
#ifndef SOCKLENS_ATTACH_H
#define SOCKLENS_ATTACH_H

#include <stdbool.h>

/* A tracepoint "category:name": a perf event on CPU 0 (tracepoint events
 * fire on every CPU) carrying the program. The fd, or -1 with errno. */
int attach_tracepoint(int prog_fd, const char *target);

/* A raw tracepoint by name (typed: a BTF-typed program, which was loaded
 * against its tracepoint). The fd, or -1 with errno. */
int attach_raw_tracepoint(int prog_fd, const char *name, bool typed);

/* A kprobe (or kretprobe) on a kernel function through the kprobe perf PMU
 * (Linux 4.17+); EOPNOTSUPP where the kernel has none. The fd, or -1 with
 * errno. */
int attach_kprobe(int prog_fd, const char *func, bool ret);

#endif
