/* What the running kernel offers, probed at start-up. */
#ifndef SOCKLENS_KFEATURES_H
#define SOCKLENS_KFEATURES_H

#include <stdbool.h>

bool kernel_has_ringbuf(void);
/* A BPF helper that tracepoint programs may call, by its number (helper:
 * BPF_FUNC_x) and its name in the kernel's enum bpf_func_id (name:
 * "BPF_FUNC_x"). Root loads a program that calls it; a user, who may load
 * none (--ebpf), gets the kernel BTF's answer where there is one (the
 * enum names each helper the kernel has; the ones asked for here came to
 * tracing programs with the helper itself), so --ebpf prints for a user
 * what root loads. Each helper is asked once per run: later calls get the
 * first answer. */
bool kernel_has_tracepoint_helper(int helper, const char *name);
#define KERNEL_HAS_TRACEPOINT_HELPER(x) kernel_has_tracepoint_helper(BPF_FUNC_##x, "BPF_FUNC_" #x)
/* Task local storage that tracepoint programs may use (Linux 5.11+:
 * bpf_task_storage_get with bpf_get_current_task_btf). */
bool kernel_has_task_storage(void);
/* BPF atomic instructions beyond add (compare-and-swap, exchange, fetch;
 * Linux 5.12+): root loads a program with one; a user, who may load none
 * (--ebpf), gets the answer from the kernel's release number. */
bool kernel_has_bpf_atomics(void);
/* Raw tracepoint programs typed by the kernel's BTF (tp_btf: the
 * program's loads from the tracepoint's arguments are checked by the
 * verifier against BTF and made fault-safe by the JIT, with no helper
 * call; Linux 5.5+), with the kernel's socket casts (bpf_skc_to_tcp_sock,
 * 5.9+: a typed struct sock reaches its tcp_sock fields through it): root
 * loads one; a user, who may load none (--ebpf), gets the answer from
 * readable BTF and the kernel's release. */
bool kernel_has_btf_raw_tracepoints(void);
/* kprobes through the perf PMU or tracefs kprobe_events (CONFIG_KPROBES). */
bool kernel_has_kprobes(void);
/* Whether tracepoint event ("category/name") exists and passes field:
 * tracepoints gain and lose fields across kernel versions, and a program
 * that names a missing one does not compile. */
bool kernel_tracepoint_has_field(const char *event, const char *field);
/* Number of possible CPUs (per-CPU map values come in this many slots). */
int possible_cpus(void);

#endif
