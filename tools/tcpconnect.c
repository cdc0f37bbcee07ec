/* tcpconnect: which process opens which outbound TCP connection, and with
 * -r whether it succeeded and how fast. */
#include "tcpconnect.h"

#include "counts.h"
#include "errors.h"
#include "kfields.h"
#include "fmt.h"
#include "kfeatures.h"
#include "opts.h"
#include "output.h"
#include "parse.h"
#include "program.h"
#include "runloop.h"
#include "tcpfields.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const char tcpconnect_bpf_text[];

struct tcpconnect_opts {
	struct common_opts *common;
	bool show_uid;     /* -U */
	bool show_lport;   /* -L */
	bool count;        /* -c */
	bool result;       /* -r */
};

static const struct tool_option options[] = {
	{"port", 'P', "PORT[,PORT...]", "only connects to these destination ports"},
	{"print-uid", 'U', NULL, "text: add the UID column"},
	{"lport", 'L', NULL, "text: add the LPORT column (reported when connect() returns)"},
	{"count", 'c', NULL, "count connects per source, destination and port; print on exit"},
	{"result", 'r', NULL, "report each attempt when it resolves: result and latency"},
	{0},
};

static const char examples[] =
	"  tcpconnect                   # every TCP connect attempt\n"
	"  tcpconnect -t -U             # with timestamps and user ids\n"
	"  tcpconnect -p 181            # only process 181\n"
	"  tcpconnect -P 80,443         # only connects to ports 80 and 443\n"
	"  tcpconnect -r                # outcome (established, refused...) and latency\n"
	"  tcpconnect -c                # count connects per destination, print on Ctrl-C\n"
	"  tcpconnect --netns /run/netns/pod1 -j | jq .raddr\n";

static void handle_option(int key, const char *arg, void *ctx)
{
	struct tcpconnect_opts *t = ctx;
	struct filter_spec *f = &t->common->filter;
	switch (key) {
	case 'P':
		f->nrports += parse_list("-P", "port", arg, 1, 65535, f->rports + f->nrports,
					 FILTER_MAX_PORTS - f->nrports);
		break;
	case 'U': t->show_uid = true; break;
	case 'L': t->show_lport = true; break;
	case 'c': t->count = true; break;
	case 'r': t->result = true; break;
	}
}

static const struct kernel_field kernel_fields[] = {
	SOCK_TUPLE_FIELDS,
	{"OFF_SOCK_ERR", "sock", "sk_err", "net/sock.h"},
	/* connects refused before any SYN: is the fd's socket a new TCP attempt? */
	FD_WALK_FIELDS,
	{"OFF_SOCKET_STATE", "socket", "state", "linux/net.h"},
	{"OFF_SOCK_STATE", "sock", "__sk_common.skc_state", "net/sock.h"},
	{"OFF_SOCK_TYPE", "sock", "sk_type", "net/sock.h"},
	{"OFF_SOCK_UID", "sock", "sk_uid", "net/sock.h"},
	{0},
};

/* What only the kprobe on __inet_stream_connect sees. */
#define UNSEEN_WITHOUT_KPROBES \
	"connects refused before any SYN (no route, a refusing route, cgroup-BPF) made without " \
	"the connect() syscall (io_uring, in-kernel callers)"

static const struct probe probes[] = {
	{.kind = PROBE_TRACEPOINT, .target = "sock:inet_sock_set_state",
	 .fn = "tracepoint__sock__inet_sock_set_state"},
	{.kind = PROBE_TRACEPOINT, .target = "syscalls:sys_enter_connect",
	 .fn = "tracepoint__syscalls__sys_enter_connect"},
	{.kind = PROBE_TRACEPOINT, .target = "syscalls:sys_exit_connect",
	 .fn = "tracepoint__syscalls__sys_exit_connect"},
	/* connects refused before any SYN, also without the connect() syscall */
	{.kind = PROBE_KPROBE, .target = "__inet_stream_connect", .fn = "kprobe____inet_stream_connect",
	 .optional = true},
	{.kind = PROBE_KRETPROBE, .target = "__inet_stream_connect",
	 .fn = "kretprobe____inet_stream_connect", .optional = true, .covers = UNSEEN_WITHOUT_KPROBES},
	/* -L, -r: connect()'s return seen for io_uring and in-kernel callers too */
	{.kind = PROBE_KRETPROBE, .target = "tcp_v4_connect", .fn = "kretprobe__tcp_v4_connect",
	 .optional = true, .covers = "local ports of connects made without the connect() syscall (io_uring)"},
	{.kind = PROBE_KRETPROBE, .target = "tcp_v6_connect", .fn = "kretprobe__tcp_v6_connect",
	 .optional = true},
	{0},
};

enum { F_RESULT = F_TOOL, F_LATENCY, F_START_SEEN };

static struct column columns[] = {
	COL_TIME_REL, COL_TIME_CLOCK, COL_TYPE, COL_TIME, COL_TS, COL_UID, COL_PID, COL_TID,
	COL_COMM, COL_FAMILY, COL_LADDR("SADDR"), COL_LPORT("LPORT"), COL_RADDR("DADDR"),
	COL_RPORT("DPORT"), COL_NETNS, COL_CGROUP,
	{"RESULT", -12, "result", false, F_RESULT},
	{"LAT(us)", 9, "latency_us", false, F_LATENCY},
	{NULL, 0, "start_seen", false, F_START_SEEN},
};
#define NCOLS ((int)(sizeof columns / sizeof *columns))

struct run {
	struct output out;
};

static const char *result_name(const struct tcpconnect_event *e)
{
	if (e->result == TCPCONNECT_ESTABLISHED)
		return "established";
	switch (e->error) {
	case 0: return "aborted";     /* closed before the handshake resolved */
	case ECONNREFUSED: return "refused";
	case ETIMEDOUT: return "timeout";
	case ECONNRESET: return "reset";
	}
	const char *name = strerrorname_np(e->error);
	return name ? name : "error";
}

static int on_event(void *ctx, const void *data, size_t size)
{
	struct run *r = ctx;
	if (output_raw_or_short(&r->out, data, size, sizeof(struct tcpconnect_event)))
		return 0;
	const struct tcpconnect_event *e = data;
	struct tcp_row row;
	tcp_row_fill(&row, "connect", &e->head, &e->tuple);
	row.cells[F_RESULT] = cell_str(result_name(e));
	/* a handshake already on when tracing began: no latency to give */
	row.cells[F_LATENCY] = e->start_seen ? cell_u64(e->latency_ns / 1000) : cell_null();
	row.cells[F_START_SEEN] = cell_bool(e->start_seen);
	output_row(&r->out, row.cells);
	return 0;
}

/* -c: the kernel's table, largest count first. */
static void print_counts(int fd, const struct common_opts *o)
{
	enum { K_TYPE, K_FAMILY, K_LADDR, K_RADDR, K_RPORT, K_CONNECTS };
	static const struct column cols[] = {
		{NULL, 0, "type", false, K_TYPE}, {NULL, 0, "family", false, K_FAMILY},
		{"LADDR", -16, "laddr", true, K_LADDR}, {"RADDR", -16, "raddr", true, K_RADDR},
		{"RPORT", -6, "rport", true, K_RPORT}, {"CONNECTS", 8, "connects", true, K_CONNECTS},
	};
	struct count_table table;
	counts_read(fd, sizeof(struct tcpconnect_count_key), &table);
	struct output out;
	output_init(&out, o->format, !o->no_header, cols, sizeof cols / sizeof *cols);
	output_begin(&out, "tcpconnect", 0);
	for (size_t i = 0; i < table.n; i++) {
		const struct tcpconnect_count_key *k = table.rows[i].key;
		char laddr[ADDR_TEXT_LEN], raddr[ADDR_TEXT_LEN];
		fmt_addr(laddr, sizeof laddr, k->family, k->saddr);
		fmt_addr(raddr, sizeof raddr, k->family, k->daddr);
		struct cell c[] = {
			cell_str("count"), cell_u64(ip_version(k->family)), cell_str(laddr),
			cell_str(raddr), cell_u64(k->dport), cell_u64(table.rows[i].n),
		};
		output_row(&out, c);
	}
	counts_free(&table);
	flush_or_exit(stdout);
}

/* The loader notes a kprobe that failed to attach; where kprobes are not
 * used at all their functions are not even compiled, so say it here, once. */
static void note_unseen(const struct common_opts *o)
{
	if (o->no_kprobes || !kernel_has_kprobes())
		note("kretprobe:__inet_stream_connect unavailable (%s): %s are not seen",
		     o->no_kprobes ? "--no-kprobes" : "this kernel has no kprobes",
		     UNSEEN_WITHOUT_KPROBES);
}

static void choose_columns(const struct tcpconnect_opts *t, const struct common_opts *o)
{
	columns_show_time(columns, NCOLS, o->time);
	columns_show(columns, NCOLS, F_UID, t->show_uid);
	columns_show(columns, NCOLS, F_LPORT, t->show_lport || t->result);
	columns_show(columns, NCOLS, F_RESULT, t->result);
	columns_show(columns, NCOLS, F_LATENCY, t->result);
	if (!t->result) { /* no outcome was awaited: no result keys; every call was seen */
		columns_drop(columns, NCOLS, F_RESULT);
		columns_drop(columns, NCOLS, F_LATENCY);
		columns_drop(columns, NCOLS, F_START_SEEN);
	}
}

int main(int argc, char **argv)
{
	struct common_opts o;
	struct tcpconnect_opts t = {.common = &o};
	const struct tool_desc desc = {
		"tcpconnect", "Trace TCP connect attempts: which process connects where.",
		examples, options, NULL, handle_option, &t,
	};
	parse_options(argc, argv, &desc, &o);
	if (t.count && t.result)
		usage_error("-c and -r exclude each other: counting reports no outcomes");
	if (t.count && o.format == OUT_RAW)
		usage_error("-c cannot be combined with -o raw: counts are not event records");

	const char *mode = t.count ? "#define MODE_COUNT 1\n"
			 : t.result ? "#define MODE_RESULT 1\n"
			 : t.show_lport ? "#define MODE_LPORT 1\n" : "";
	struct program prog;
	program_build(&prog, "tcpconnect", &o, mode, kernel_fields, tcpconnect_bpf_text);

	struct run r;
	program_start(&prog, probes, &o, on_event, &r);
	note_unseen(&o);
	choose_columns(&t, &o);
	output_init(&r.out, o.format, !o.no_header && !t.count, columns, NCOLS);
	program_run(&prog, &r.out, &o, sizeof(struct tcpconnect_event),
		    t.count ? "TCP connects (counting)" : "TCP connects");
	if (t.count)
		print_counts(program_map_fd(&prog, "counts"), &o);
	program_close(&prog);
	return 0;
}
