/* tcpclose: one event when a TCP connection closes, with what it did.
 * inet_sock_set_state follows every socket. The final change to CLOSE
 * usually runs in softirq, where the current task is a bystander, so the
 * owner is remembered per socket at the changes only a system call makes,
 * in its caller's context (connect: CLOSE->SYN_SENT; close or shutdown:
 * ->FIN_WAIT1, CLOSE_WAIT->LAST_ACK), and when accept() returns it.
 *   OWNER_FROM_SOCKET  (-c and --metrics-only, which report per cgroup and
 *                never per process, where the kernel keeps the socket's
 *                cgroup: sock_cgroup_id) no owner is followed: the cgroup
 *                and uid are the socket's own, read at CLOSE, and no system
 *                call is hooked (a hooked system call of any kind puts every
 *                system call of every process on the kernel's slow path). */
#include "tcpclose.h"
#include "common.bpf.h"
#include "tcpfilter.bpf.h"
#include "sock.bpf.h"
#include "fd.bpf.h"
#include "tcpstate.bpf.h"

/* Per-socket state until the socket closes (entries leave at CLOSE, so the
 * table holds live sockets only). A socket that finds it full is counted
 * in "untracked" and reported: it closes without an owner. */
BPF_HASH(conns, u64, struct tcpclose_conn, CONN_TABLE_SIZE);
BPF_PERCPU_ARRAY(untracked, u64, 1);

/* One more socket the full table could not follow. */
static __always_inline void count_untracked(void)
{
	int zero = 0;
	u64 *n = untracked.lookup(&zero);
	if (n)
		(*n)++;
}

/* Transitions made by a system call of the socket's owner. */
static __always_inline bool by_syscall(int old, int new)
{
	return (old == TCP_CLOSE && new == TCP_SYN_SENT) || new == TCP_FIN_WAIT1 ||
	       (old == TCP_CLOSE_WAIT && new == TCP_LAST_ACK);
}

/* The socket's entry, made on first sight. Its start stays 0 (unknown)
 * unless the opening itself is seen: a socket first met in a later state
 * was opened before tracing began, and no kernel field says when. */
static __always_inline struct tcpclose_conn *conn_of(u64 sk)
{
	struct tcpclose_conn *c = conns.lookup(&sk);
	if (c)
		return c;
	struct tcpclose_conn fresh = {};
	if (conns.insert(&sk, &fresh) != 0) {
		count_untracked();
		return NULL;
	}
	return conns.lookup(&sk);
}

static __always_inline void set_owner(struct tcpclose_conn *c)
{
	struct event_head h = {};
	fill_head(&h);
	c->pid = h.pid;
	c->tid = h.tid;
	c->uid = h.uid;
	c->cgroup_id = h.cgroup_id;
	__builtin_memcpy(c->comm, h.comm, sizeof(c->comm));
	c->owner_known = 1;
}

/* The openings: connect() (CLOSE->SYN_SENT) and a listener's child, made
 * when the handshake completes (LISTEN->SYN_RECV), start a fresh entry,
 * written in one update (a leftover of the socket's earlier life, if any,
 * is replaced). A simultaneous open (SYN_SENT->SYN_RECV) began at its
 * connect(), which keeps the start. */
static __always_inline void note_opening(u64 sk, int old, int new)
{
	struct tcpclose_conn fresh = {};
	fresh.start_ns = bpf_ktime_get_ns();
	fresh.opened = new == TCP_SYN_SENT ? OPENED_ACTIVE : OPENED_PASSIVE;
#ifndef OWNER_FROM_SOCKET
	if (by_syscall(old, new))
		set_owner(&fresh); /* connect()'s caller */
#endif
	if (conns.update(&sk, &fresh) != 0)
		count_untracked();
}

/* connect()'s CLOSE->SYN_SENT, or the making of a listener's child
 * (LISTEN->SYN_RECV; not a simultaneous open's SYN_SENT->SYN_RECV). */
static __always_inline bool is_opening(int old, int new)
{
	return (old == TCP_CLOSE && new == TCP_SYN_SENT) || (new == TCP_SYN_RECV && old != TCP_SYN_SENT);
}

/* Changes that leave something to remember: an opening, the first FIN
 * either way, and (following owners) a change only a system call makes.
 * The rest (into ESTABLISHED, FIN_WAIT2, TIME_WAIT...) add nothing: a
 * socket first met at one closes as one never met before. */
static __always_inline bool remembered(int old, int new)
{
	return is_opening(old, new) || new == TCP_SYN_RECV || new == TCP_FIN_WAIT1 || new == TCP_CLOSE_WAIT ||
	       (old == TCP_CLOSE_WAIT && new == TCP_LAST_ACK);
}

static __always_inline bool established_or_later(int state)
{
	return state == TCP_ESTABLISHED || state == TCP_FIN_WAIT1 || state == TCP_FIN_WAIT2 ||
	       state == TCP_CLOSE_WAIT || state == TCP_LAST_ACK || state == TCP_CLOSING ||
	       state == TCP_TIME_WAIT;
}

/* A close straight from these states skipped the FIN exchange: an abort
 * (RST sent, e.g. close() with unread data or SO_LINGER 0, where the
 * kernel sets CLOSE before it sends the RST) or an RST received. */
static __always_inline bool aborted_from(int old)
{
	return old == TCP_ESTABLISHED || old == TCP_CLOSE_WAIT || old == TCP_FIN_WAIT1;
}

/* Who sent the first FIN, when no transition told us: from the last state. */
static __always_inline u8 closed_by_state(int old)
{
	if (old == TCP_FIN_WAIT2 || old == TCP_CLOSING || old == TCP_TIME_WAIT)
		return CLOSED_BY_LOCAL;
	if (old == TCP_LAST_ACK)
		return CLOSED_BY_REMOTE;
	return CLOSED_BY_UNKNOWN;
}

/* The counters, less the sequence numbers SYN and FIN take: bytes_acked
 * counts our SYN (active open) and our FIN once acknowledged,
 * bytes_received the peer's FIN. */
/* KFIELD OFF_TCP_BYTES_ACKED tcp_sock bytes_acked 8 linux/tcp.h */
/* KFIELD OFF_TCP_BYTES_RECEIVED tcp_sock bytes_received 8 linux/tcp.h */
/* KFIELD OFF_TCP_SEGS_OUT tcp_sock segs_out 4 linux/tcp.h */
/* KFIELD OFF_TCP_SEGS_IN tcp_sock segs_in 4 linux/tcp.h */
/* KFIELD OFF_TCP_TOTAL_RETRANS tcp_sock total_retrans 4 linux/tcp.h */
/* KFIELD OFF_TCP_SRTT_US tcp_sock srtt_us 4 linux/tcp.h */
/* KFIELD OFF_TCP_SND_UNA tcp_sock snd_una 4 linux/tcp.h */
/* KFIELD OFF_TCP_WRITE_SEQ tcp_sock write_seq 4 linux/tcp.h */
/* KFIELD OFF_SOCK_MAX_ACK_BACKLOG sock sk_max_ack_backlog 4 net/sock.h */
/* KFIELD OFF_SOCK_STATE sock __sk_common.skc_state 1 net/sock.h */
/* KFIELD OFF_SOCK_UID sock sk_uid 4 net/sock.h */
static __always_inline void read_stats(const void *sk, int old, bool reset, struct tcpclose_event *ev)
{
	const char *tp = sk;
	u64 acked = 0, received = 0;
	u32 srtt = 0, snd_una = 0, write_seq = 0, max_backlog = 0;
	bpf_probe_read_kernel(&acked, sizeof(acked), tp + OFF_TCP_BYTES_ACKED);
	bpf_probe_read_kernel(&received, sizeof(received), tp + OFF_TCP_BYTES_RECEIVED);
	bpf_probe_read_kernel(&ev->segs_out, sizeof(ev->segs_out), tp + OFF_TCP_SEGS_OUT);
	bpf_probe_read_kernel(&ev->segs_in, sizeof(ev->segs_in), tp + OFF_TCP_SEGS_IN);
	bpf_probe_read_kernel(&ev->retrans, sizeof(ev->retrans), tp + OFF_TCP_TOTAL_RETRANS);
	bpf_probe_read_kernel(&srtt, sizeof(srtt), tp + OFF_TCP_SRTT_US);
	bpf_probe_read_kernel(&snd_una, sizeof(snd_una), tp + OFF_TCP_SND_UNA);
	bpf_probe_read_kernel(&write_seq, sizeof(write_seq), tp + OFF_TCP_WRITE_SEQ);
	ev->srtt_us = srtt >> 3; /* the kernel keeps it scaled by 8 */

	if (ev->opened == OPENED_UNKNOWN) {
		/* opened before we looked: a child of a listener inherits its
		 * accept queue limit, a connect()ed socket has none */
		bpf_probe_read_kernel(&max_backlog, sizeof(max_backlog), tp + OFF_SOCK_MAX_ACK_BACKLOG);
		ev->opened = max_backlog ? OPENED_PASSIVE : OPENED_ACTIVE;
	}
	bool fin_sent = old == TCP_FIN_WAIT1 || old == TCP_FIN_WAIT2 || old == TCP_CLOSING ||
			old == TCP_TIME_WAIT || old == TCP_LAST_ACK;
	bool fin_acked = fin_sent && snd_una == write_seq;
	bool fin_received = old == TCP_CLOSE_WAIT || old == TCP_LAST_ACK || old == TCP_CLOSING ||
			    ((old == TCP_FIN_WAIT2 || old == TCP_TIME_WAIT) && !reset);
	u64 syn = ev->opened == OPENED_ACTIVE;
	ev->tx_bytes = acked >= syn + fin_acked ? acked - syn - fin_acked : 0;
	ev->rx_bytes = received >= fin_received ? received - fin_received : 0;
}

#ifdef METRICS
#include "metrics.bpf.h"
BPF_HASH(close_metrics, struct tcpclose_metric_key, struct tcpclose_metric, METRICS_MAX_ENTRIES);
BPF_ARRAY(close_metric_zero, struct tcpclose_metric, 1);

/* One close into the sums of its owner's cgroup and who closed it. */
static __always_inline void metric_close(const struct tcpclose_event *ev)
{
	struct tcpclose_metric_key key = {};
	key.cgroup_id = ev->head.cgroup_id;
	key.closed_by = ev->closed_by;
#ifdef METRICS_RADDR
	__builtin_memcpy(key.raddr, ev->tuple.daddr, 16);
	key.family = ev->tuple.family;
#endif
	struct tcpclose_metric *m = close_metrics.lookup(&key);
	if (!m) { /* the key's first close */
		int zero = 0;
		struct tcpclose_metric *z = close_metric_zero.lookup(&zero);
		m = z ? close_metrics.lookup_or_try_init(&key, z) : NULL;
	}
	if (!m) {
		count_lost(); /* the table is full: said, never silent */
		return;
	}
	METRIC_ADD(m->closes, 1);
	METRIC_ADD(m->tx_bytes, ev->tx_bytes);
	METRIC_ADD(m->rx_bytes, ev->rx_bytes);
	METRIC_ADD(m->retransmits, ev->retrans);
	u32 b = CLOSE_RTT_BUCKET((u64)ev->srtt_us);
	if (b < TCPCLOSE_RTT_BUCKETS)
		METRIC_ADD(m->rtt_buckets[b], 1);
	METRIC_ADD(m->srtt_us_sum, ev->srtt_us);
	if (ev->start_seen) {
		b = CLOSE_DURATION_BUCKET(ev->duration_ns);
		if (b < TCPCLOSE_DURATION_BUCKETS)
			METRIC_ADD(m->duration_buckets[b], 1);
		METRIC_ADD(m->duration_ns_sum, ev->duration_ns);
	}
}
#endif

/* The raw tracepoint, not the sock:inet_sock_set_state record: the kernel
 * builds no record of fields the probe reads itself, at six changes of
 * every connection. Its arguments: (const struct sock *sk, int oldstate,
 * int newstate). */
RAW_TRACEPOINT_PROBE(inet_sock_set_state)
{
	u64 sk = ctx->args[0];
	int old = (int)ctx->args[1], new = (int)ctx->args[2];
	u16 protocol = 0;

	if (new == TCP_LISTEN || (old == TCP_LISTEN && new == TCP_CLOSE))
		return 0; /* listeners carry no connection */
	if (new != TCP_CLOSE && !remembered(old, new))
		return 0;
	bpf_probe_read_kernel(&protocol, sizeof(protocol), (const char *)sk + OFF_SOCK_PROTOCOL);
	if (protocol != IPPROTO_TCP)
		return 0;

	if (new != TCP_CLOSE) {
		if (is_opening(old, new)) {
			note_opening(sk, old, new);
			return 0;
		}
		struct tcpclose_conn *c = conn_of(sk);
		if (!c)
			return 0;
#ifndef OWNER_FROM_SOCKET
		if (by_syscall(old, new))
			set_owner(c);
#endif
		if (new == TCP_SYN_RECV) /* a simultaneous open: begun at its connect() */
			c->opened = OPENED_PASSIVE;
		if (!c->first_fin && new == TCP_FIN_WAIT1)
			c->first_fin = CLOSED_BY_LOCAL;
		if (!c->first_fin && new == TCP_CLOSE_WAIT)
			c->first_fin = CLOSED_BY_REMOTE;
		return 0;
	}

	u64 now = bpf_ktime_get_ns();
	struct tcpclose_conn *c = conns.lookup(&sk);
	if (!established_or_later(old)) {
		conns.delete(&sk); /* never connected: a failed connect or handshake */
		return 0;
	}
	struct tcpclose_event ev = {};
	if (!sock_tuple((void *)sk, &ev.tuple)) {
		conns.delete(&sk);
		return 0;
	}
	ev.head.ts_ns = now;
	ev.head.netns = sock_netns((void *)sk);
#ifdef OWNER_FROM_SOCKET
	ev.head.cgroup_id = sock_cgroup_id((void *)sk);
	bpf_probe_read_kernel(&ev.head.uid, sizeof(ev.head.uid), (const char *)sk + OFF_SOCK_UID);
#endif
	ev.state = old;
	ev.closed_by = closed_by_state(old);
	bool reset = false;
	if (c) {
		if (c->start_ns) {
			ev.duration_ns = now - c->start_ns;
			ev.start_seen = 1;
		}
		ev.opened = c->opened;
		reset = c->reset;
		if (c->first_fin)
			ev.closed_by = c->first_fin;
		if (c->owner_known) {
			ev.head.pid = c->pid;
			ev.head.tid = c->tid;
			ev.head.uid = c->uid;
			ev.head.cgroup_id = c->cgroup_id;
			__builtin_memcpy(ev.head.comm, c->comm, sizeof(ev.head.comm));
		}
	}
	if (reset || aborted_from(old))
		ev.closed_by = CLOSED_BY_RESET;
	if (c)
		conns.delete(&sk);
	if (filtered(ev.head.pid, ev.head.uid, ev.tuple.family, ev.tuple.sport, ev.tuple.dport,
		     ev.head.netns, ev.head.cgroup_id))
		return 0;
	read_stats((void *)sk, old, reset, &ev);
#ifdef METRICS
	metric_close(&ev);
#endif
#ifndef MODE_COUNT
	emit(ctx, &ev, sizeof(ev));
#endif
	return 0;
}

/* An RST, received or sent, ends the connection as a reset. Raw
 * tracepoints: both take the sock first on every kernel, while their
 * formatted records differ between kernels. */
RAW_TRACEPOINT_PROBE(tcp_receive_reset)
{
	struct tcpclose_conn *c = conn_of(ctx->args[0]);
	if (c)
		c->reset = 1;
	return 0;
}

RAW_TRACEPOINT_PROBE(tcp_send_reset)
{
	u64 sk = ctx->args[0];
	struct tcpclose_conn *c = sk ? conns.lookup(&sk) : NULL;
	if (c)
		c->reset = 1;
	return 0;
}

#ifndef OWNER_FROM_SOCKET
/* A call of the owner's on the socket behind fd: the caller owns it.
 * Only a connection that will reach CLOSE through the state tracepoint
 * gets an entry (one that has closed already or a listener would leave
 * it behind); NULL otherwise. */
static __always_inline struct tcpclose_conn *claim(long fd)
{
	void *sk = fd < 0 ? NULL : fd_to_sock(fd);
	u8 state = 0;
	if (!sk || !sock_tcp_family(sk))
		return NULL; /* not TCP */
	bpf_probe_read_kernel(&state, sizeof(state), (const char *)sk + OFF_SOCK_STATE);
	if (state == TCP_CLOSE || state == TCP_LISTEN)
		return NULL;
	/* an entry made here: the connection was opened before tracing began */
	struct tcpclose_conn *c = conn_of((u64)sk);
	if (!c)
		return NULL;
	bpf_probe_read_kernel(&state, sizeof(state), (const char *)sk + OFF_SOCK_STATE);
	if (state == TCP_CLOSE) { /* closed meanwhile, on another CPU */
		u64 key = (u64)sk;
		conns.delete(&key);
		return NULL;
	}
	set_owner(c);
	return c;
}

/* accept() hands the socket to its owner. */
static __always_inline int on_accept(long fd)
{
	struct tcpclose_conn *c = claim(fd);
	if (c)
		c->opened = OPENED_PASSIVE;
	return 0;
}

/* close() names its caller: an abortive close (SO_LINGER 0, unread data)
 * goes straight to CLOSE, no transition of its own says who made it. */
TRACEPOINT_PROBE(syscalls, sys_enter_close)
{
	claim(args->fd);
	return 0;
}

TRACEPOINT_PROBE(syscalls, sys_exit_accept4)
{
	return on_accept(args->ret);
}

TRACEPOINT_PROBE(syscalls, sys_exit_accept)
{
	return on_accept(args->ret);
}
#endif
