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
 *                call is hooked (a hooked close() costs every close() of
 *                every process its program's dispatch: a dup()/close() loop
 *                keeps 0.90 with tcpclose's events on, 0.99 with -c).
 *                Only the opening time is remembered: in the cheaper
 *                opentimes.bpf.h table (OPEN_TIMES_ARRAY) where the kernel
 *                has BPF compare-and-swap (5.12+), else in the hash.
 * Who closed it is read off the last state at CLOSE, and an RST from the
 * socket's error (closed_by_at_close), so no reset tracepoint is hooked. */
#include "tcpclose.h"
#include "common.bpf.h"

/* -c and --metrics-only emit no record: only what the sums use is read
 * (no addresses unless --metrics-raddr, no segment counts). */
#if defined(MODE_COUNT) || defined(NO_EVENTS)
#define SUMS_ONLY 1
#endif
#include "tcpfilter.bpf.h"
#include "sock.bpf.h"
#include "fd.bpf.h"
#include "tcpstate.bpf.h"

/* A socket the full table could not follow: counted in "untracked" and
 * reported (it closes without an owner, or without a lifetime). */
BPF_PERCPU_ARRAY(untracked, u64, 1);

/* One more socket the full table could not follow. */
static __always_inline void count_untracked(void)
{
	int zero = 0;
	u64 *n = untracked.lookup(&zero);
	if (n)
		(*n)++;
}

/* The openings, which start a socket's entry: connect()'s CLOSE->SYN_SENT,
 * and a listener's child at SYN_RECV->ESTABLISHED. The handshake's final
 * ACK makes the child and moves it on in one step (microseconds apart;
 * with TCP Fast Open, an RTT after its SYN), and only then are its remote
 * address and port set, so the port filters can leave it out before
 * anything is stored (ports_left_out). A simultaneous open's
 * SYN_RECV->ESTABLISHED keeps its connect()'s entry. */
static __always_inline bool is_opening(int old, int new)
{
	return (old == TCP_CLOSE && new == TCP_SYN_SENT) || (old == TCP_SYN_RECV && new == TCP_ESTABLISHED);
}

/* A connection the port filters (-4/-6, -L, -D) leave out: it is not
 * followed at all. Only once its ports are set: a listener's child at
 * ESTABLISHED, any socket later; not at connect(), whose local port may
 * not be chosen yet. */
static __always_inline bool ports_left_out(const void *sk, bool typed)
{
#ifdef PORTS_FILTERED
	struct tcp_tuple t = {};
	return !sock_ports(sk, &t, typed) || PORTS_FILTERED(t.family, t.sport, t.dport);
#else
	return false;
#endif
}

#ifdef OPEN_TIMES_ARRAY /* OWNER_FROM_SOCKET, on a kernel with BPF compare-and-swap */
#include "opentimes.bpf.h"

/* The opening's time and kind in one stamp: a start in ns (never 0 after
 * boot) whose lowest bit says a listener's child. */
static __always_inline u64 open_stamp(bool child)
{
	return (bpf_ktime_get_ns() & ~1ULL) | child;
}

static __always_inline void note_opening(u64 key, const void *sk, int old, int new)
{
	bool child = new == TCP_ESTABLISHED;
	if (child && ports_left_out(sk, TYPED))
		return;
	if (!open_time_put(key, open_stamp(child), !child))
		count_untracked();
}

/* What the opening left, taken out of the table: false if nothing. */
static __always_inline bool recall(u64 key, struct tcpclose_conn *c)
{
	u64 stamp = open_time_take(key);
	if (!stamp)
		return false;
	c->start_ns = stamp & ~1ULL;
	c->opened = (stamp & 1) ? OPENED_PASSIVE : OPENED_ACTIVE;
	return true;
}
#else
/* Per-socket state until the socket closes (entries leave at CLOSE, so the
 * table holds live sockets only). */
BPF_HASH(conns, u64, struct tcpclose_conn, CONN_TABLE_SIZE);

/* Transitions made by a system call of the socket's owner. */
static __always_inline bool by_syscall(int old, int new)
{
	return (old == TCP_CLOSE && new == TCP_SYN_SENT) || new == TCP_FIN_WAIT1 ||
	       (old == TCP_CLOSE_WAIT && new == TCP_LAST_ACK);
}

/* The socket's entry, made on first sight. Its start stays 0 (unknown)
 * unless the opening itself is seen: a socket first met in a later state
 * was opened before tracing began, and no kernel field says when. NULL if
 * the table is full (counted once, at the socket's opening, if seen). */
static __always_inline struct tcpclose_conn *conn_of(u64 sk)
{
	struct tcpclose_conn *c = conns.lookup(&sk);
	if (c)
		return c;
	struct tcpclose_conn fresh = {};
	if (conns.insert(&sk, &fresh) != 0)
		return NULL;
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

/* connect() starts a fresh entry, written in one update (a leftover of
 * the socket's earlier life, if any, is replaced), with its caller as the
 * owner. A child keeps an entry it already has: its simultaneous open's,
 * or the one accept() made on another CPU a moment before (given a start
 * here); its owner comes at accept(). */
static __always_inline void note_opening(u64 key, const void *sk, int old, int new)
{
	bool child = new == TCP_ESTABLISHED;
	if (child) {
		if (ports_left_out(sk, TYPED))
			return;
		struct tcpclose_conn *had = conns.lookup(&key);
		if (had) {
			if (!had->start_ns) {
				had->start_ns = bpf_ktime_get_ns();
				had->opened = OPENED_PASSIVE;
			}
			return;
		}
	}
	struct tcpclose_conn fresh = {};
	fresh.start_ns = bpf_ktime_get_ns();
	fresh.opened = child ? OPENED_PASSIVE : OPENED_ACTIVE;
#ifndef OWNER_FROM_SOCKET
	if (!child)
		set_owner(&fresh); /* connect()'s caller */
#endif
	if (conns.update(&key, &fresh) != 0)
		count_untracked();
}

/* What the socket's earlier life left, taken out of the table: false if
 * nothing. */
static __always_inline bool recall(u64 key, struct tcpclose_conn *c)
{
	struct tcpclose_conn *had = conns.lookup(&key);
	if (!had)
		return false;
	*c = *had;
	conns.delete(&key);
	return true;
}
#endif

/* Changes that leave something to remember: an opening and (following
 * owners) a change only a system call makes. The rest add nothing: a
 * socket first met at one closes as one never met before. (A simultaneous
 * open, SYN_SENT->SYN_RECV->ESTABLISHED, stays active: its SYN is
 * acknowledged and counted in bytes_acked as a connect()'s is.) */
static __always_inline bool remembered(int old, int new)
{
#ifdef OWNER_FROM_SOCKET
	return is_opening(old, new);
#else
	return is_opening(old, new) || by_syscall(old, new);
#endif
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

/* The errors the kernel gives a socket an RST ends (tcp_reset(): refused,
 * EPIPE in CLOSE_WAIT, reset otherwise) or an abort (tcp_abort(), "ss -K"),
 * set before it moves the socket to CLOSE. Other errors (a timeout) close
 * the socket from a state that says so itself. */
#define ECONNREFUSED 111
#define ECONNRESET 104
#define ECONNABORTED 103
#define EPIPE 32
/* KFIELD OFF_SOCK_ERR sock sk_err 4 net/sock.h */
static __always_inline bool reset_by_error(const void *sk, bool typed)
{
	int err = (int)FIELD_U32(typed, sk, OFF_SOCK_ERR);
	return err == ECONNRESET || err == EPIPE || err == ECONNREFUSED || err == ECONNABORTED;
}

/* Who closed a connection that got past its handshake, at CLOSE: the first
 * FIN's sender from the last state (FIN_WAIT2, CLOSING, TIME_WAIT: ours,
 * sent from FIN_WAIT1; LAST_ACK: the peer's, answered from CLOSE_WAIT), or
 * an RST (an abort from a state before the FIN exchange ended, or an RST
 * received in any state). Every path to CLOSE passes one of these states,
 * so nothing needs remembering. */
static __always_inline u8 closed_by_at_close(const void *sk, int old, bool typed)
{
	if (reset_by_error(sk, typed) || aborted_from(old))
		return CLOSED_BY_RESET;
	if (old == TCP_FIN_WAIT2 || old == TCP_CLOSING || old == TCP_TIME_WAIT)
		return CLOSED_BY_LOCAL;
	if (old == TCP_LAST_ACK)
		return CLOSED_BY_REMOTE;
	return CLOSED_BY_UNKNOWN;
}

/* The counters, less the sequence numbers SYN and FIN take: bytes_acked
 * counts our SYN (active open) and our FIN once acknowledged,
 * bytes_received the peer's FIN once it came. Whether it came is the
 * socket's SOCK_DONE flag (set by tcp_fin()), not the state: an orphan in
 * FIN_WAIT2 is handed to a timewait socket and closed before the peer's
 * FIN arrives, which that socket then takes. */
#define SOCK_DONE 1 /* enum sock_flags */
/* KFIELD OFF_SOCK_FLAGS sock __sk_common.skc_flags 8 net/sock.h */
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
static __always_inline void read_stats(const void *sk, int old, struct tcpclose_event *ev, bool typed)
{
	const void *tp = sock_as_tcp(sk, typed); /* typed: its tcp_sock fields lie past struct sock */
	if (!tp)
		return;
	u64 acked = FIELD_U64(typed, tp, OFF_TCP_BYTES_ACKED);
	u64 received = FIELD_U64(typed, tp, OFF_TCP_BYTES_RECEIVED);
#ifndef SUMS_ONLY
	ev->segs_out = FIELD_U32(typed, tp, OFF_TCP_SEGS_OUT);
	ev->segs_in = FIELD_U32(typed, tp, OFF_TCP_SEGS_IN);
#endif
	ev->retrans = FIELD_U32(typed, tp, OFF_TCP_TOTAL_RETRANS);
	u32 srtt = FIELD_U32(typed, tp, OFF_TCP_SRTT_US);
	u32 snd_una = FIELD_U32(typed, tp, OFF_TCP_SND_UNA);
	u32 write_seq = FIELD_U32(typed, tp, OFF_TCP_WRITE_SEQ);
	ev->srtt_us = srtt >> 3; /* the kernel keeps it scaled by 8 */

	if (ev->opened == OPENED_UNKNOWN) {
		/* opened before we looked: a child of a listener inherits its
		 * accept queue limit, a connect()ed socket has none */
		ev->opened = FIELD_U32(typed, tp, OFF_SOCK_MAX_ACK_BACKLOG) ? OPENED_PASSIVE : OPENED_ACTIVE;
	}
	bool fin_sent = old == TCP_FIN_WAIT1 || old == TCP_FIN_WAIT2 || old == TCP_CLOSING ||
			old == TCP_TIME_WAIT || old == TCP_LAST_ACK;
	bool fin_acked = fin_sent && snd_una == write_seq;
	bool fin_received = FIELD_U64(typed, tp, OFF_SOCK_FLAGS) & (1ULL << SOCK_DONE);
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
 * int newstate). BTF-typed where the kernel allows (probes/typed.bpf.h):
 * a close's twenty-odd field reads are then plain loads. */
RAW_TRACEPOINT_PROBE(inet_sock_set_state)
{
	u64 sk = ctx->args[0]; /* typed where BTF_RAW_TP: for its fields' reads */
	int old = (int)ctx->args[1], new = (int)ctx->args[2];

	if (new == TCP_LISTEN || (old == TCP_LISTEN && new == TCP_CLOSE))
		return 0; /* listeners carry no connection */
	if (new != TCP_CLOSE && !remembered(old, new))
		return 0;
	if (FIELD_U16(TYPED, sk, OFF_SOCK_PROTOCOL) != IPPROTO_TCP)
		return 0;
	u64 key = raw_arg_number(ctx->args, 0); /* the socket's address: its tables' key */

	if (new != TCP_CLOSE) {
		if (is_opening(old, new)) {
			note_opening(key, (void *)sk, old, new);
			return 0;
		}
#ifndef OWNER_FROM_SOCKET
		if (ports_left_out((void *)sk, TYPED))
			return 0;
		struct tcpclose_conn *c = conn_of(key);
		if (!c)
			return 0;
		set_owner(c); /* by_syscall(): its caller owns it */
#endif
		return 0;
	}

	struct tcpclose_conn c = {};
	bool known = recall(key, &c);
	if (!established_or_later(old))
		return 0; /* never connected: a failed connect or handshake */
	struct tcpclose_event ev = {};
	if (!sock_ports((void *)sk, &ev.tuple, TYPED))
		return 0;
#ifdef PORTS_FILTERED
	if (PORTS_FILTERED(ev.tuple.family, ev.tuple.sport, ev.tuple.dport))
		return 0; /* before reading what a connection left out never needs */
#endif
#if !defined(SUMS_ONLY) || defined(METRICS_RADDR)
	sock_addrs((void *)sk, &ev.tuple, TYPED);
#endif
	u64 now = bpf_ktime_get_ns();
	ev.head.ts_ns = now;
	ev.head.netns = sock_netns((void *)sk, TYPED);
#ifdef OWNER_FROM_SOCKET
	ev.head.cgroup_id = sock_cgroup_id((void *)sk, TYPED);
	ev.head.uid = FIELD_U32(TYPED, sk, OFF_SOCK_UID);
#endif
	ev.state = old;
	ev.closed_by = closed_by_at_close((void *)sk, old, TYPED);
	if (known) {
		if (c.start_ns) {
			ev.duration_ns = now - c.start_ns;
			ev.start_seen = 1;
		}
		ev.opened = c.opened;
		if (c.owner_known) {
			ev.head.pid = c.pid;
			ev.head.tid = c.tid;
			ev.head.uid = c.uid;
			ev.head.cgroup_id = c.cgroup_id;
			__builtin_memcpy(ev.head.comm, c.comm, sizeof(ev.head.comm));
		}
	}
	if (filtered(ev.head.pid, ev.head.uid, ev.tuple.family, ev.tuple.sport, ev.tuple.dport,
		     ev.head.netns, ev.head.cgroup_id))
		return 0;
	read_stats((void *)sk, old, &ev, TYPED);
#ifdef METRICS
	metric_close(&ev);
#endif
#ifndef MODE_COUNT
	emit(ctx, &ev, sizeof(ev));
#endif
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
	if (!sk || !sock_tcp_family(sk, false))
		return NULL; /* not TCP */
	bpf_probe_read_kernel(&state, sizeof(state), (const char *)sk + OFF_SOCK_STATE);
	if (state == TCP_CLOSE || state == TCP_LISTEN || ports_left_out(sk, false))
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
