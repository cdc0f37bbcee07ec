#include "kfeatures.h"

#include "layout.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/utsname.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

bool kernel_has_ringbuf(void)
{
	int probed = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL);
	if (probed == 1 || geteuid() == 0)
		return probed == 1;
	/* A user may not make a map, and libbpf then answers "no" (--ebpf
	 * needs no privilege): the kernel's own BTF, readable by all, tells
	 * whether it has the ring buffer, so --ebpf prints what root loads. */
	return layout_has_function("bpf_ringbuf_output");
}

/* Answers already given in this run: root's probe loads a program, and a
 * run asks of a helper more than once (a tool's mode, the common text, and
 * the text built again after the kernel refused a BTF-typed program). */
#define MAX_HELPER_ANSWERS 16
struct helper_answer {
	int helper;
	bool has;
};
static struct helper_answer helper_answers[MAX_HELPER_ANSWERS];
static int nhelper_answers;

bool kernel_has_tracepoint_helper(int helper, const char *name)
{
	for (int i = 0; i < nhelper_answers; i++)
		if (helper_answers[i].helper == helper)
			return helper_answers[i].has;
	bool has;
	if (geteuid() != 0 && access("/sys/kernel/btf/vmlinux", R_OK) == 0)
		has = layout_has_enum_value("bpf_func_id", name);
	else
		has = libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACEPOINT, (enum bpf_func_id)helper, NULL) == 1;
	if (nhelper_answers < MAX_HELPER_ANSWERS)
		helper_answers[nhelper_answers++] = (struct helper_answer){helper, has};
	return has;
}

bool kernel_has_task_storage(void)
{
	return KERNEL_HAS_TRACEPOINT_HELPER(task_storage_get) && KERNEL_HAS_TRACEPOINT_HELPER(get_current_task_btf);
}

/* The running kernel's release is at least major.minor. */
static bool release_at_least(int want_major, int want_minor)
{
	struct utsname u;
	int major = 0, minor = 0;
	return uname(&u) == 0 && sscanf(u.release, "%d.%d", &major, &minor) == 2 &&
	       (major > want_major || (major == want_major && minor >= want_minor));
}

bool kernel_has_btf_raw_tracepoints(void)
{
	/* kfree_skb: a tracepoint every kernel this runs on has */
	int id = access("/sys/kernel/btf/vmlinux", R_OK) == 0 ? layout_tracepoint_btf_id("kfree_skb") : -1;
	if (id < 0 || !layout_has_enum_value("bpf_func_id", "BPF_FUNC_skc_to_tcp_sock"))
		return false;
	if (geteuid() != 0)
		return release_at_least(5, 9);
	/* r0 = 0; return r0 */
	const struct bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_RAW_TP,
		    .attach_btf_id = (__u32)id);
	int fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, NULL, "GPL", insns, sizeof insns / sizeof *insns, &opts);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

bool kernel_has_bpf_atomics(void)
{
	if (geteuid() != 0)
		return release_at_least(5, 12);
	/* *(u64 *)(fp - 8) = 0; r0 = 0; r1 = 1; cmpxchg(fp - 8, r0, r1); return 0 */
	const struct bpf_insn insns[] = {
		{.code = BPF_ST | BPF_MEM | BPF_DW, .dst_reg = BPF_REG_10, .off = -8},
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0},
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_1, .imm = 1},
		{.code = BPF_STX | BPF_ATOMIC | BPF_DW, .dst_reg = BPF_REG_10, .src_reg = BPF_REG_1, .off = -8,
		 .imm = BPF_CMPXCHG},
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	int fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, NULL, "GPL", insns, sizeof insns / sizeof *insns, NULL);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

bool kernel_has_kprobes(void)
{
	return access("/sys/bus/event_source/devices/kprobe/type", F_OK) == 0 ||
	       access("/sys/kernel/tracing/kprobe_events", F_OK) == 0 ||
	       access("/sys/kernel/debug/tracing/kprobe_events", F_OK) == 0;
}

bool kernel_tracepoint_has_field(const char *event, const char *field)
{
	static const char *const roots[] = {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"};
	char path[256], line[512], want[128];
	snprintf(want, sizeof want, " %s;", field);  /* "field:unsigned cflags;" */
	for (size_t i = 0; i < sizeof roots / sizeof *roots; i++) {
		snprintf(path, sizeof path, "%s/events/%s/format", roots[i], event);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		bool found = false;
		while (!found && fgets(line, sizeof line, f))
			found = strncmp(line, "\tfield:", 7) == 0 && strstr(line, want);
		fclose(f);
		return found;
	}
	/* tracefs is root's alone (--ebpf run by a user): the record's type in
	 * the kernel's BTF, struct trace_event_raw_NAME, has the same fields */
	const char *name = strchr(event, '/');
	char type[128];
	snprintf(type, sizeof type, "trace_event_raw_%s", name ? name + 1 : event);
	return layout_has_member(type, field);
}

int possible_cpus(void)
{
	int n = libbpf_num_possible_cpus();
	return n > 0 ? n : 1;
}
