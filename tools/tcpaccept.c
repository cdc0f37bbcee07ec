/* tcpaccept: which process accepts which inbound TCP connection, and how
 * full the listener's accept queue was. */
#include "tcpaccept.h"

#include "counts.h"
#include "errors.h"
#include "fmt.h"
#include "kfeatures.h"
#include "kfields.h"
#include "opts.h"
#include "output.h"
#include "parse.h"
#include "program.h"
#include "runloop.h"
#include "tcpfields.h"

#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const char tcpaccept_bpf_text[];

struct tcpaccept_opts {
	struct common_opts *common;
	bool count;        /* -c */
};

static const struct tool_option options[] = {
	{"port", 'P', "PORT[,PORT...]", "only accepts on these local ports"},
	{"count", 'c', NULL, "count accepts per local port and remote address; print on exit"},
	{0},
};

static const char examples[] =
	"  tcpaccept                    # every accepted TCP connection\n"
	"  tcpaccept -t                 # with timestamps\n"
	"  tcpaccept -p 181             # only process 181 (a server's workers: list them)\n"
	"  tcpaccept -P 80,443          # only on local ports 80 and 443\n"
	"  tcpaccept -c                 # count per local port and client, print on Ctrl-C\n"
	"  tcpaccept -j | jq 'select(.backlog_max > 0 and .backlog >= .backlog_max)'  # a full queue\n";

static void handle_option(int key, const char *arg, void *ctx)
{
	struct tcpaccept_opts *t = ctx;
	struct filter_spec *f = &t->common->filter;
	switch (key) {
	case 'P':
		f->nlports += parse_list("-P", "port", arg, 1, 65535, f->lports + f->nlports,
					 FILTER_MAX_PORTS - f->nlports);
		break;
	case 'c': t->count = true; break;
	}
}

static const struct kernel_field kernel_fields[] = {
	SOCK_TUPLE_FIELDS,
	{"OFF_SOCK_ACK_BACKLOG", "sock", "sk_ack_backlog", "net/sock.h"},
	{"OFF_SOCK_MAX_ACK_BACKLOG", "sock", "sk_max_ack_backlog", "net/sock.h"},
	FD_WALK_FIELDS,
	{"OFF_TASK_STACK", "task_struct", "stack", "linux/sched.h"},
	{0},
};

/* The io_uring path (HAVE_URING), where the kernel's BTF has all of these:
 * the request's opcode and listener, and where the accept puts the socket. */
static const struct kernel_field uring_fields[] = {
	{"OFF_KIOCB_OPCODE", "io_kiocb", "opcode", "linux/io_uring_types.h"},
	{"OFF_KIOCB_FILE", "io_kiocb", "file", "linux/io_uring_types.h"},
	{"OFF_KIOCB_CMD", "io_kiocb", "cmd", "linux/io_uring_types.h"},
	{"OFF_ACCEPT_FILE_SLOT", "io_accept", "file_slot", "io_uring/net.c"},
	{"OFF_TASK_GROUP_LEADER", "task_struct", "group_leader", "linux/sched.h"},
	{"OFF_TASK_COMM", "task_struct", "comm", "linux/sched.h"},
	{0},
};

/* Accepts into the ring's fixed-file table (HAVE_URING_FIXED): the table's
 * layout since 6.13. */
static const struct kernel_field uring_fixed_fields[] = {
	{"OFF_CTX_FILE_NODES", "io_ring_ctx", "file_table.data.nodes", "linux/io_uring_types.h"},
	{"OFF_CTX_FILE_NR", "io_ring_ctx", "file_table.data.nr", "linux/io_uring_types.h"},
	{"OFF_RSRC_NODE_FILE_PTR", "io_rsrc_node", "file_ptr", "io_uring/rsrc.h"},
	{0},
};

/* The io_uring tracepoint fields the probes read (5.10's lack the request). */
static const char *const uring_tracepoint_fields[][2] = {
	{"io_uring/io_uring_submit_req", "req"}, {"io_uring/io_uring_submit_req", "opcode"},
	{"io_uring/io_uring_submit_req", "sq_thread"}, {"io_uring/io_uring_complete", "req"},
	{"io_uring/io_uring_complete", "res"}, {"io_uring/io_uring_complete", "cflags"},
	{"io_uring/io_uring_task_add", "req"}, {"io_uring/io_uring_task_add", "opcode"},
};

/* The kprobe pair sees accepts outside the syscalls too (io_uring); the
 * syscall path sees the rest (and all of them where there are no kprobes);
 * the io_uring tracepoints see io_uring's where there are no kprobes.
 * The kretprobe's note is set by uring_coverage(). */
static struct probe probes[] = {
	{.kind = PROBE_KPROBE, .target = "inet_csk_accept", .fn = "kprobe__inet_csk_accept",
	 .optional = true},
	{.kind = PROBE_KRETPROBE, .target = "inet_csk_accept", .fn = "kretprobe__inet_csk_accept",
	 .optional = true},
	{.kind = PROBE_TRACEPOINT, .target = "syscalls:sys_enter_accept4",
	 .fn = "tracepoint__syscalls__sys_enter_accept4"},
	{.kind = PROBE_TRACEPOINT, .target = "syscalls:sys_enter_accept",
	 .fn = "tracepoint__syscalls__sys_enter_accept"},
	{.kind = PROBE_TRACEPOINT, .target = "syscalls:sys_exit_accept4",
	 .fn = "tracepoint__syscalls__sys_exit_accept4"},
	{.kind = PROBE_TRACEPOINT, .target = "syscalls:sys_exit_accept",
	 .fn = "tracepoint__syscalls__sys_exit_accept"},
	{.kind = PROBE_TRACEPOINT, .target = "io_uring:io_uring_submit_req",
	 .fn = "tracepoint__io_uring__io_uring_submit_req", .optional = true,
	 .covers = "io_uring accepts (without kprobes)"},
	{.kind = PROBE_TRACEPOINT, .target = "io_uring:io_uring_task_add",
	 .fn = "tracepoint__io_uring__io_uring_task_add", .optional = true,
	 .covers = "io_uring accepts submitted before tracing began (without kprobes)"},
	{.kind = PROBE_TRACEPOINT, .target = "io_uring:io_uring_complete",
	 .fn = "tracepoint__io_uring__io_uring_complete", .optional = true,
	 .covers = "io_uring accepts (without kprobes)"},
	{0},
};

static bool uring_tracepoints_usable(void)
{
	size_t n = sizeof uring_tracepoint_fields / sizeof *uring_tracepoint_fields;
	for (size_t i = 0; i < n; i++)
		if (!kernel_tracepoint_has_field(uring_tracepoint_fields[i][0], uring_tracepoint_fields[i][1]))
			return false;
	return true;
}

/* What of io_uring's accepts this kernel lets the io_uring tracepoints
 * attribute: appends the defines of the paths it can compile to defs, and
 * returns what stays unseen without the kretprobe (NULL: nothing). */
static const char *uring_coverage(char **defs)
{
	char *core = NULL, *fixed = NULL, *all = NULL;
	bool have = uring_tracepoints_usable() && layout_optional(uring_fields, &core);
	bool have_fixed = have && layout_optional(uring_fixed_fields, &fixed);
	if (asprintf(&all, "%s%s%s%s%s", *defs, have ? "#define HAVE_URING 1\n" : "", core ? core : "",
		     have_fixed ? "#define HAVE_URING_FIXED 1\n" : "", fixed ? fixed : "") < 0)
		runtime_error("out of memory");
	free(core);
	free(fixed);
	free(*defs);
	*defs = all;
	if (!have)
		return "accepts made outside accept()/accept4() (io_uring)";
	return have_fixed ? NULL : "io_uring accepts into fixed files (IORING_FILE_INDEX_ALLOC, file_index)";
}

enum { F_BACKLOG_TEXT = F_TOOL, F_BACKLOG, F_BACKLOG_MAX };

static struct column columns[] = {
	COL_TIME_REL, COL_TIME_CLOCK, COL_TYPE, COL_TIME, COL_TS, COL_PID, COL_TID, COL_UID,
	COL_COMM, COL_FAMILY, COL_RADDR("RADDR"), COL_RPORT("RPORT"), COL_LADDR("LADDR"),
	COL_LPORT("LPORT"), COL_NETNS, COL_CGROUP,
	{"BL", -9, NULL, true, F_BACKLOG_TEXT},
	{NULL, 0, "backlog", false, F_BACKLOG},
	{NULL, 0, "backlog_max", false, F_BACKLOG_MAX},
};
#define NCOLS ((int)(sizeof columns / sizeof *columns))

struct run {
	struct output out;
};

static int on_event(void *ctx, const void *data, size_t size)
{
	struct run *r = ctx;
	if (output_raw_or_short(&r->out, data, size, sizeof(struct tcpaccept_event)))
		return 0;
	const struct tcpaccept_event *e = data;
	struct tcp_row row;
	char bl[24];
	snprintf(bl, sizeof bl, "%u/%u", e->backlog, e->backlog_max);
	tcp_row_fill(&row, "accept", &e->head, &e->tuple);
	row.cells[F_BACKLOG_TEXT] = e->listener_known ? cell_str(bl) : cell_null();
	row.cells[F_BACKLOG] = e->listener_known ? cell_u64(e->backlog) : cell_null();
	row.cells[F_BACKLOG_MAX] = e->listener_known ? cell_u64(e->backlog_max) : cell_null();
	output_row(&r->out, row.cells);
	return 0;
}

/* -c: the kernel's table, largest count first. */
static void print_counts(int fd, const struct common_opts *o)
{
	enum { K_TYPE, K_FAMILY, K_LPORT, K_RADDR, K_ACCEPTS };
	static const struct column cols[] = {
		{NULL, 0, "type", false, K_TYPE}, {NULL, 0, "family", false, K_FAMILY},
		{"LPORT", -6, "lport", true, K_LPORT}, {"RADDR", -16, "raddr", true, K_RADDR},
		{"ACCEPTS", 8, "accepts", true, K_ACCEPTS},
	};
	struct count_table table;
	counts_read(fd, sizeof(struct tcpaccept_count_key), &table);
	struct output out;
	output_init(&out, o->format, !o->no_header, cols, sizeof cols / sizeof *cols);
	output_begin(&out, "tcpaccept", 0);
	for (size_t i = 0; i < table.n; i++) {
		const struct tcpaccept_count_key *k = table.rows[i].key;
		char raddr[ADDR_TEXT_LEN];
		fmt_addr(raddr, sizeof raddr, k->family, k->raddr);
		struct cell c[] = {
			cell_str("count"), cell_u64(ip_version(k->family)), cell_u64(k->lport),
			cell_str(raddr), cell_u64(table.rows[i].n),
		};
		output_row(&out, c);
	}
	counts_free(&table);
	flush_or_exit(stdout);
}

int main(int argc, char **argv)
{
	struct common_opts o;
	struct tcpaccept_opts t = {.common = &o};
	const struct tool_desc desc = {
		"tcpaccept", "Trace accepted TCP connections: which process accepted whom.",
		examples, options, NULL, handle_option, &t,
	};
	parse_options(argc, argv, &desc, &o);
	if (t.count && o.format == OUT_RAW)
		usage_error("-c cannot be combined with -o raw: counts are not event records");

	char *defines = NULL;
	if (asprintf(&defines, "%s%s", t.count ? "#define MODE_COUNT 1\n" : "",
		     kernel_has_tracepoint_helper(BPF_FUNC_task_pt_regs) &&
		     kernel_has_tracepoint_helper(BPF_FUNC_get_current_task_btf) ?
		     "#define HAVE_TASK_PT_REGS 1\n" : "") < 0)
		runtime_error("out of memory");
	const char *unseen = uring_coverage(&defines);
	probes[1].covers = unseen;
	struct program prog;
	program_build(&prog, "tcpaccept", &o, defines, kernel_fields, tcpaccept_bpf_text);
	free(defines);
	struct run r;
	program_start(&prog, probes, &o, on_event, &r);
	/* Without the kretprobe, say once what this kernel hides (with it, the
	 * loader says so if it cannot attach); after the privilege check, as
	 * tracefs is root's to read. */
	if (unseen && (o.no_kprobes || !kernel_has_kprobes()))
		note("%s are not seen: %s, and this kernel's io_uring tracepoints or BTF lack what "
		     "tcpaccept reads instead", unseen, o.no_kprobes ? "--no-kprobes" : "no kprobes here");
	columns_show_time(columns, NCOLS, o.time);
	output_init(&r.out, o.format, !o.no_header && !t.count, columns, NCOLS);
	program_run(&prog, &r.out, &o, sizeof(struct tcpaccept_event),
		    t.count ? "TCP accepts (counting)" : "TCP accepts");
	if (t.count)
		print_counts(program_map_fd(&prog, "counts"), &o);
	program_close(&prog);
	return 0;
}
