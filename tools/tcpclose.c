/* tcpclose: when a TCP connection ends — who owned it, how long it lived,
 * how many bytes went each way, retransmits, RTT, who closed it. */
#include "tcpclose.h"

#include "errors.h"
#include "kfields.h"
#include "opts.h"
#include "output.h"
#include "parse.h"
#include "program.h"
#include "tcpfields.h"

#include <stdio.h>

extern const char tcpclose_bpf_text[];

enum { OPT_MAX_SOCKETS = 2000 };

struct tcpclose_opts {
	struct common_opts *common;
	bool wide;               /* -w */
	unsigned max_sockets;    /* live sockets remembered at once */
};

static const struct tool_option options[] = {
	{"lport", 'L', "PORT[,PORT...]", "only connections with these local ports"},
	{"dport", 'D', "PORT[,PORT...]", "only connections with these remote ports"},
	{"wide", 'w', NULL, "text: bytes, retransmits, RTT and who closed, instead of KB"},
	{"csv", 's', NULL, "comma-separated values (same as -o csv)"},
	{"max-sockets", OPT_MAX_SOCKETS, "N", "live sockets followed at once (default 65536); more are reported"},
	{0},
};

static const char examples[] =
	"  tcpclose                     # every TCP connection as it closes\n"
	"  tcpclose -w -t               # bytes, retransmits, RTT, who closed; timestamps\n"
	"  tcpclose -p 181              # only connections owned by process 181\n"
	"  tcpclose -L 80,443           # connections on local ports 80 and 443 (served)\n"
	"  tcpclose -D 5432             # connections to remote port 5432 (made)\n"
	"  tcpclose -j | jq 'select(.closed_by == \"reset\")'     # connections ended by a reset\n"
	"  tcpclose -j | jq -s 'group_by(.raddr) | map({raddr: .[0].raddr, tx: map(.tx_bytes) | add})'\n";

static void handle_option(int key, const char *arg, void *ctx)
{
	struct tcpclose_opts *t = ctx;
	struct filter_spec *f = &t->common->filter;
	switch (key) {
	case 'L':
		f->nlports += parse_list("-L", "port", arg, 1, 65535, f->lports + f->nlports,
					 FILTER_MAX_PORTS - f->nlports);
		break;
	case 'D':
		f->nrports += parse_list("-D", "port", arg, 1, 65535, f->rports + f->nrports,
					 FILTER_MAX_PORTS - f->nrports);
		break;
	case 'w': t->wide = true; break;
	case 's': t->common->format = OUT_CSV; break;
	case OPT_MAX_SOCKETS:
		t->max_sockets = (unsigned)parse_one("--max-sockets", "socket count", arg, 1, 1 << 22);
		break;
	}
}

static const struct kernel_field kernel_fields[] = {
	SOCK_TUPLE_FIELDS,
	FD_WALK_FIELDS,
	{"OFF_TCP_BYTES_ACKED", "tcp_sock", "bytes_acked", "linux/tcp.h"},
	{"OFF_TCP_BYTES_RECEIVED", "tcp_sock", "bytes_received", "linux/tcp.h"},
	{"OFF_TCP_SEGS_OUT", "tcp_sock", "segs_out", "linux/tcp.h"},
	{"OFF_TCP_SEGS_IN", "tcp_sock", "segs_in", "linux/tcp.h"},
	{"OFF_TCP_TOTAL_RETRANS", "tcp_sock", "total_retrans", "linux/tcp.h"},
	{"OFF_TCP_SRTT_US", "tcp_sock", "srtt_us", "linux/tcp.h"},
	{"OFF_TCP_SND_UNA", "tcp_sock", "snd_una", "linux/tcp.h"},
	{"OFF_TCP_WRITE_SEQ", "tcp_sock", "write_seq", "linux/tcp.h"},
	{"OFF_SOCK_MAX_ACK_BACKLOG", "sock", "sk_max_ack_backlog", "net/sock.h"},
	{"OFF_SOCK_STATE", "sock", "__sk_common.skc_state", "net/sock.h"},
	{0},
};

static const struct probe probes[] = {
	{.kind = PROBE_TRACEPOINT, .target = "sock:inet_sock_set_state",
	 .fn = "tracepoint__sock__inet_sock_set_state"},
	{.kind = PROBE_RAW_TRACEPOINT, .target = "tcp_receive_reset", .fn = "raw_tracepoint__tcp_receive_reset"},
	{.kind = PROBE_RAW_TRACEPOINT, .target = "tcp_send_reset", .fn = "raw_tracepoint__tcp_send_reset"},
	{.kind = PROBE_TRACEPOINT, .target = "syscalls:sys_exit_accept4",
	 .fn = "tracepoint__syscalls__sys_exit_accept4"},
	{.kind = PROBE_TRACEPOINT, .target = "syscalls:sys_exit_accept",
	 .fn = "tracepoint__syscalls__sys_exit_accept"},
	{0},
};

enum {
	F_TX_KB = F_TOOL, F_RX_KB, F_TX_BYTES, F_RX_BYTES, F_SEGS_OUT, F_SEGS_IN, F_RETRANS,
	F_SRTT, F_MS, F_DURATION, F_START_SEEN, F_STATE, F_CLOSED_BY,
};

static struct column columns[] = {
	COL_TIME_REL, COL_TIME_CLOCK, COL_TYPE, COL_TIME, COL_TS, COL_PID, COL_TID, COL_UID,
	COL_COMM, COL_FAMILY, COL_LADDR("LADDR"), COL_LPORT("LPORT"), COL_RADDR("RADDR"),
	COL_RPORT("RPORT"), COL_NETNS, COL_CGROUP,
	{"TX_KB", 7, NULL, true, F_TX_KB},
	{"RX_KB", 7, NULL, true, F_RX_KB},
	{"TX_B", 11, "tx_bytes", false, F_TX_BYTES},
	{"RX_B", 11, "rx_bytes", false, F_RX_BYTES},
	{NULL, 0, "segs_out", false, F_SEGS_OUT},
	{NULL, 0, "segs_in", false, F_SEGS_IN},
	{"RETR", 5, "retrans", false, F_RETRANS},
	{"RTT(us)", 8, "srtt_us", false, F_SRTT},
	{"MS", 10, NULL, true, F_MS},
	{NULL, 0, "duration_ns", false, F_DURATION},
	{NULL, 0, "start_seen", false, F_START_SEEN},
	{"STATE", -11, "state", false, F_STATE},
	{"CLOSED", -6, "closed_by", false, F_CLOSED_BY},
};
#define NCOLS ((int)(sizeof columns / sizeof *columns))

static const char *state_name(unsigned s)
{
	static const char *names[] = {
		"UNKNOWN", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
		"TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "NEW_SYN_RECV",
	};
	return s < sizeof names / sizeof *names ? names[s] : "UNKNOWN";
}

static const char *closed_by_name(unsigned c)
{
	static const char *names[] = {"unknown", "local", "remote", "reset"};
	return c < sizeof names / sizeof *names ? names[c] : "unknown";
}

struct run {
	struct output out;
};

static int on_event(void *ctx, const void *data, size_t size)
{
	struct run *r = ctx;
	if (output_raw_or_short(&r->out, data, size, sizeof(struct tcpclose_event)))
		return 0;
	const struct tcpclose_event *e = data;
	struct tcp_row row;
	char ms[32];
	snprintf(ms, sizeof ms, "%.2f", (double)e->duration_ns / 1e6);
	bool seen = e->start_seen;   /* else no lifetime is known: null, "-" in text */
	tcp_row_fill(&row, "close", &e->head, &e->tuple);
	struct cell *c = row.cells;
	c[F_TX_KB] = cell_u64(e->tx_bytes / 1024);
	c[F_RX_KB] = cell_u64(e->rx_bytes / 1024);
	c[F_TX_BYTES] = cell_u64(e->tx_bytes);
	c[F_RX_BYTES] = cell_u64(e->rx_bytes);
	c[F_SEGS_OUT] = cell_u64(e->segs_out);
	c[F_SEGS_IN] = cell_u64(e->segs_in);
	c[F_RETRANS] = cell_u64(e->retrans);
	c[F_SRTT] = cell_u64(e->srtt_us);
	c[F_MS] = seen ? cell_str(ms) : cell_null();
	c[F_DURATION] = seen ? cell_u64(e->duration_ns) : cell_null();
	c[F_START_SEEN] = cell_bool(seen);
	c[F_STATE] = cell_str(state_name(e->state));
	c[F_CLOSED_BY] = cell_str(closed_by_name(e->closed_by));
	output_row(&r->out, c);
	return 0;
}

static void choose_columns(const struct tcpclose_opts *t, const struct common_opts *o)
{
	columns_show_time(columns, NCOLS, o->time);
	columns_show(columns, NCOLS, F_TX_KB, !t->wide);
	columns_show(columns, NCOLS, F_RX_KB, !t->wide);
	static const int wide[] = {F_TX_BYTES, F_RX_BYTES, F_RETRANS, F_SRTT, F_CLOSED_BY};
	for (unsigned i = 0; i < sizeof wide / sizeof *wide; i++)
		columns_show(columns, NCOLS, wide[i], t->wide);
}

int main(int argc, char **argv)
{
	struct common_opts o;
	struct tcpclose_opts t = {.common = &o, .max_sockets = 65536};
	const struct tool_desc desc = {
		"tcpclose", "Trace TCP connections as they close: owner, lifetime, traffic, who closed.",
		examples, options, NULL, handle_option, &t,
	};
	parse_options(argc, argv, &desc, &o);

	char defines[64];
	snprintf(defines, sizeof defines, "#define CONN_TABLE_SIZE %u\n", t.max_sockets);
	struct program prog;
	program_build(&prog, "tcpclose", &o, defines, kernel_fields, tcpclose_bpf_text);
	struct run r;
	program_start(&prog, probes, &o, on_event, &r);
	stream_watch_counter(&prog.stream, program_map_fd(&prog, "untracked"),
			     "socket table full: closed without an owner");
	choose_columns(&t, &o);
	output_init(&r.out, o.format, !o.no_header, columns, NCOLS);
	program_run(&prog, &r.out, &o, sizeof(struct tcpclose_event), "TCP closes");
	program_close(&prog);
	return 0;
}
