/* Saves every compile the read of all of /proc/kallsyms. libbcc 0.26 reads
 * and indexes the whole file (120,000+ lines, about 50 ms of CPU) on each
 * compile only to learn whether the symbols bpf_probe_read_kernel and
 * bpf_probe_read_user exist, and uses bpf_probe_read where they do not.
 * Between begin and end, libbcc's fopen("/proc/kallsyms") gets a stub
 * holding just those of the two that this kernel has (probed as BPF
 * helpers); every other fopen, and this one outside the window, is the
 * real one. */
#ifndef SOCKLENS_KSYMSTUB_H
#define SOCKLENS_KSYMSTUB_H

void ksymstub_begin(void);
void ksymstub_end(void);

#endif
