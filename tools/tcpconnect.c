/* tcpconnect: which process opens which outbound TCP connection, and with
 * -r whether it succeeded and how fast. */
#include "tcpconnect.h"

#include "errors.h"
#include "fmt.h"
#include "loader.h"
#include "opts.h"
#include "output.h"
#include "parse.h"
#include "program.h"
#include "runloop.h"
#include "stream.h"

#include <bcc/libbpf.h>
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
	{"OFF_SOCK_ERR", "sock", "sk_err", "net/sock.h"},
	{"OFF_INET_SPORT", "inet_sock", "inet_sport", "net/inet_sock.h"},
	{0},
};

static const struct probe probes[] = {
	{PROBE_TRACEPOINT, "sock:inet_sock_set_state", "tracepoint__sock__inet_sock_set_state", false, NULL},
	{PROBE_TRACEPOINT, "syscalls:sys_exit_connect", "tracepoint__syscalls__sys_exit_connect", false, NULL},
	{0},
};

enum col {
	C_TIME_REL, C_TIME_CLOCK, C_TYPE, C_TIME, C_TS, C_UID, C_PID, C_TID, C_COMM, C_FAMILY,
	C_LADDR, C_LPORT, C_RADDR, C_RPORT, C_NETNS, C_CGROUP, C_RESULT, C_LATENCY, NCOLS
};

static struct column columns[NCOLS] = {
	[C_TIME_REL] = {"TIME(s)", -11, NULL, false},
	[C_TIME_CLOCK] = {"TIME", -8, NULL, false},
	[C_TYPE] = {NULL, 0, "type", false},
	[C_TIME] = {NULL, 0, "time", false},
	[C_TS] = {NULL, 0, "ts_ns", false},
	[C_UID] = {"UID", -6, "uid", false},
	[C_PID] = {"PID", -7, "pid", true},
	[C_TID] = {NULL, 0, "tid", false},
	[C_COMM] = {"COMM", -16, "comm", true},
	[C_FAMILY] = {"IP", -2, "family", true},
	[C_LADDR] = {"SADDR", -16, "laddr", true},
	[C_LPORT] = {"LPORT", -6, "lport", false},
	[C_RADDR] = {"DADDR", -16, "raddr", true},
	[C_RPORT] = {"DPORT", -6, "rport", true},
	[C_NETNS] = {NULL, 0, "netns", false},
	[C_CGROUP] = {NULL, 0, "cgroup_id", false},
	[C_RESULT] = {"RESULT", -12, "result", false},
	[C_LATENCY] = {"LAT(us)", 9, "latency_us", false},
};

struct run {
	struct output out;
	const struct tcpconnect_opts *t;
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
	if (size < sizeof(struct tcpconnect_event))
		return 0;
	const struct tcpconnect_event *e = data;
	if (r->out.format == OUT_RAW) {
		output_raw(&r->out, e, sizeof *e);
		return 0;
	}
	char rel[TIME_TEXT_LEN], clock[TIME_TEXT_LEN], iso[TIME_TEXT_LEN];
	char laddr[ADDR_TEXT_LEN], raddr[ADDR_TEXT_LEN];
	uint64_t wall = mono_to_wall_ns(e->head.ts_ns);
	fmt_since_start(rel, sizeof rel, e->head.ts_ns);
	fmt_clock(clock, sizeof clock, wall);
	fmt_rfc3339(iso, sizeof iso, wall);
	fmt_addr(laddr, sizeof laddr, e->tuple.family, e->tuple.saddr);
	fmt_addr(raddr, sizeof raddr, e->tuple.family, e->tuple.daddr);
	struct cell c[NCOLS] = {
		[C_TIME_REL] = cell_str(rel),
		[C_TIME_CLOCK] = cell_str(clock),
		[C_TYPE] = cell_str("connect"),
		[C_TIME] = cell_str(iso),
		[C_TS] = cell_u64(e->head.ts_ns),
		[C_UID] = cell_u64(e->head.uid),
		[C_PID] = cell_u64(e->head.pid),
		[C_TID] = cell_u64(e->head.tid),
		[C_COMM] = cell_strn(e->head.comm, sizeof e->head.comm),
		[C_FAMILY] = cell_u64(e->tuple.family == 10 ? 6 : 4),
		[C_LADDR] = cell_str(laddr),
		[C_LPORT] = cell_u64(e->tuple.sport),
		[C_RADDR] = cell_str(raddr),
		[C_RPORT] = cell_u64(e->tuple.dport),
		[C_NETNS] = cell_u64(e->head.netns),
		[C_CGROUP] = cell_u64(e->head.cgroup_id),
		[C_RESULT] = cell_str(result_name(e)),
		[C_LATENCY] = cell_u64(e->latency_ns / 1000),
	};
	output_row(&r->out, c);
	return 0;
}

/* -c: the kernel's table, largest count first. */
struct count_row {
	struct tcpconnect_count_key key;
	uint64_t n;
};

static int by_count_desc(const void *a, const void *b)
{
	const struct count_row *x = a, *y = b;
	return (x->n < y->n) - (x->n > y->n);
}

static void print_counts(int fd, const struct common_opts *o)
{
	static struct column cols[] = {
		{"LADDR", -16, "laddr", true}, {"RADDR", -16, "raddr", true},
		{"RPORT", -6, "rport", true}, {"CONNECTS", 8, "connects", true},
		{NULL, 0, "family", false}, {NULL, 0, "type", false},
	};
	struct count_row *rows = NULL;
	size_t n = 0, cap = 0;
	struct tcpconnect_count_key key, next;
	void *prev = NULL;
	while (bpf_get_next_key(fd, prev, &next) == 0) {
		if (n == cap && !(rows = realloc(rows, (cap = cap ? 2 * cap : 256) * sizeof *rows)))
			runtime_error("out of memory");
		rows[n].key = next;
		if (bpf_lookup_elem(fd, &next, &rows[n].n) == 0)
			n++;
		key = next;
		prev = &key;
	}
	qsort(rows, n, sizeof *rows, by_count_desc);
	struct output out;
	output_init(&out, o->format, !o->no_header, cols, sizeof cols / sizeof *cols);
	output_begin(&out, "tcpconnect", 0);
	for (size_t i = 0; i < n; i++) {
		char laddr[ADDR_TEXT_LEN], raddr[ADDR_TEXT_LEN];
		fmt_addr(laddr, sizeof laddr, rows[i].key.family, rows[i].key.saddr);
		fmt_addr(raddr, sizeof raddr, rows[i].key.family, rows[i].key.daddr);
		struct cell c[] = {
			cell_str(laddr), cell_str(raddr), cell_u64(rows[i].key.dport), cell_u64(rows[i].n),
			cell_u64(rows[i].key.family == 10 ? 6 : 4), cell_str("count"),
		};
		output_row(&out, c);
	}
	free(rows);
	flush_or_exit(stdout);
}

static void choose_columns(const struct tcpconnect_opts *t, const struct common_opts *o)
{
	columns[C_TIME_REL].text = o->time == TIME_SINCE_START;
	columns[C_TIME_CLOCK].text = o->time == TIME_OF_DAY;
	columns[C_UID].text = t->show_uid;
	columns[C_LPORT].text = t->show_lport || t->result;
	columns[C_RESULT].text = columns[C_LATENCY].text = t->result;
	if (!t->result) /* no outcome was awaited: no result keys */
		columns[C_RESULT].key = columns[C_LATENCY].key = NULL;
}

int main(int argc, char **argv)
{
	struct common_opts o;
	struct tcpconnect_opts t = {.common = &o};
	const struct tool_desc desc = {
		"tcpconnect", "Trace TCP connect attempts: which process connects where.",
		examples, options, handle_option, &t,
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
	program_build(&prog, &o, mode, kernel_fields, tcpconnect_bpf_text);

	struct loader l;
	program_load(&prog, &l, probes, &o);
	int counts_fd = loader_map_fd(&l, "counts");
	struct run r = {.t = &t};
	struct stream s;
	stream_open(&s, &l, prog.ring, o.buffer_pages, o.max_events, on_event, &r);
	loader_release_compiler(&l);

	signals_install();
	clock_init();
	choose_columns(&t, &o);
	output_init(&r.out, o.format, !o.no_header && !t.count, columns, NCOLS);
	output_begin(&r.out, "tcpconnect", sizeof(struct tcpconnect_event));
	announce_tracing(t.count ? "TCP connects (counting)" : "TCP connects");
	run_until_done(&s, &r.out, &o);
	if (t.count)
		print_counts(counts_fd, &o);
	report_loss_summary(&s);
	stream_close(&s);
	loader_close(&l);
	free(prog.text);
	return 0;
}
