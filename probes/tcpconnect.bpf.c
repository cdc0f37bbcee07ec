/* tcpconnect: every TCP connect attempt, attributed to the caller.
 * inet_sock_set_state CLOSE->SYN_SENT runs inside connect(), in the
 * caller's context. Modes (#defines from user space):
 *   MODE_COUNT   count per (saddr, daddr, dport) in the kernel, emit nothing
 *   MODE_RESULT  emit when the handshake resolves: result, latency, lport
 *   MODE_LPORT   emit when connect() returns (or the handshake resolves, if
 *                that comes first), once the local port is known
 *   none         emit at connect()
 * "connect() returns": the kretprobe on tcp_v{4,6}_connect where kprobes
 * exist (it sees io_uring and in-kernel connects too), else the syscall's
 * exit; both run, and whichever comes first reports.
 * A connect() the kernel refuses before any SYN (no route, a refusing
 * route, cgroup-BPF or LSM) changes no state: the attempt code below follows
 * each call from its start to its return and reports those, in every mode.
 *   METRICS      (--metrics-dir, with any mode but MODE_LPORT) also follows
 *                every attempt to its outcome, as MODE_RESULT does, and adds
 *                it to the per-(cgroup, result) sums Prometheus reads
 *                (metrics.bpf.h); events still go out as the mode says. */
#include <asm/ptrace.h>
#include "tcpconnect.h"
#include "common.bpf.h"
#include "tcpfilter.bpf.h"
#include "tcpstate.bpf.h"
#include "sock.bpf.h"
#include "fd.bpf.h"

/* What tcpconnect reads of a socket itself (fd.bpf.h declares the walk) */
/* KFIELD OFF_SOCKET_STATE socket state 4 linux/net.h */
/* KFIELD OFF_SOCK_STATE sock __sk_common.skc_state 1 net/sock.h */
/* KFIELD OFF_SOCK_FAMILY sock __sk_common.skc_family 2 net/sock.h */
/* KFIELD OFF_SOCK_PROTOCOL sock sk_protocol 2 net/sock.h */
/* KFIELD OFF_SOCK_TYPE sock sk_type 2 net/sock.h */
/* KFIELD OFF_SOCK_ERR sock sk_err 4 net/sock.h */
/* KFIELD OFF_SOCK_UID sock sk_uid 4 net/sock.h */
/* KFIELD OFF_INET_SPORT inet_sock inet_sport 2 net/inet_sock.h */
/* KFIELD OFF_SOCK_RCV_SADDR sock __sk_common.skc_rcv_saddr 4 net/sock.h */
/* KFIELD OFF_SOCK_V6_RCV_SADDR sock __sk_common.skc_v6_rcv_saddr 16 net/sock.h */

/* -r and -L report when the outcome (or the local port) is known; they and
 * the metrics follow each attempt until then; -r and the metrics need the
 * outcome itself (result, error, latency). */
#if defined(MODE_RESULT) || defined(MODE_LPORT)
#define EMIT_AT_OUTCOME 1
#endif
#if defined(EMIT_AT_OUTCOME) || defined(METRICS)
#define AWAIT_OUTCOME 1
#endif
#if defined(MODE_RESULT) || defined(METRICS)
#define TRACK_RESULT 1
#endif
/* What needs the clock: records (their time) and latencies. -c alone reads
 * none (a clock read costs 50-100 ns in a VM, as much as the rest of the
 * connect's count). */
#if !defined(MODE_COUNT) || defined(TRACK_RESULT)
#define TIMED 1
#endif

#ifdef METRICS
#include "metrics.bpf.h"
BPF_HASH(connect_metrics, struct tcpconnect_metric_key, struct tcpconnect_metric, METRICS_MAX_ENTRIES);
BPF_ARRAY(connect_metric_zero, struct tcpconnect_metric, 1);

/* One resolved attempt into the sums of its cgroup and result; latency
 * only where the attempt was seen from its start. */
static __always_inline void metric_connect(const struct tcpconnect_event *ev)
{
	struct tcpconnect_metric_key key = {};
	key.cgroup_id = ev->head.cgroup_id;
	key.result = ev->result;
	key.error = ev->result == TCPCONNECT_ESTABLISHED ? 0 : ev->error;
#ifdef METRICS_RADDR
	__builtin_memcpy(key.raddr, ev->tuple.daddr, 16);
	key.family = ev->tuple.family;
#endif
	struct tcpconnect_metric *m = connect_metrics.lookup(&key);
	if (!m) { /* the key's first attempt */
		int zero = 0;
		struct tcpconnect_metric *z = connect_metric_zero.lookup(&zero);
		m = z ? connect_metrics.lookup_or_try_init(&key, z) : NULL;
	}
	if (!m) {
		count_lost(); /* the table is full: said, never silent */
		return;
	}
	METRIC_ADD(m->connects, 1);
	if (ev->start_seen) {
		u32 b = CONNECT_LATENCY_BUCKET(ev->latency_ns);
		if (b < TCPCONNECT_LATENCY_BUCKETS)
			METRIC_ADD(m->latency_buckets[b], 1);
		METRIC_ADD(m->latency_ns_sum, ev->latency_ns);
	}
}
#endif

#ifdef MODE_COUNT
BPF_HASH(counts, struct tcpconnect_count_key, u64, 65536);

/* -c: one more connect from saddr to daddr:dport. */
static __always_inline void count_connect(const struct tcp_tuple *t)
{
	struct tcpconnect_count_key key = {};
	__builtin_memcpy(key.saddr, t->saddr, 16);
	__builtin_memcpy(key.daddr, t->daddr, 16);
	key.dport = t->dport;
	key.family = t->family;
	u64 zero = 0;
	count_one(counts.lookup_or_try_init(&key, &zero));
}
#endif

/* --- connect() calls refused before any SYN ---------------------------
 * Entry remembers, per thread, that a call is under way; CLOSE->SYN_SENT
 * marks it; the return reports it if it failed with no SYN_SENT in
 * between: nothing else will. Such a refusal is rare and every connect
 * pays for the entry, so the syscall's entry keeps only the socket (if it
 * could start an attempt: a socket still connecting, or whose attempt
 * failed, answers with that attempt's outcome, and is unconnected again
 * by the return) and the caller's sockaddr pointer (struct call); its
 * return reads the rest, still the caller's then, only for a call that
 * failed that way.
 * Where kprobes exist, __inet_stream_connect (which io_uring and in-kernel
 * callers reach too) keeps the whole attempt at its entry (struct attempt),
 * as its sockaddr is a kernel copy gone by the return. */
#define SS_UNCONNECTED 1
#define SOCK_STREAM 1
#define EBADF 9
#define EALREADY 114
#define EINPROGRESS 115
#define EISCONN 106
#define ENOTSOCK 88

struct attempt {
	struct tcpconnect_event ev;  /* head and destination, from the call's start */
	u64 sk;
	u64 syn_sent;                /* the handshake began: the state path reports it */
};
#ifdef HAVE_KPROBES
/* One entry per thread inside connect(): a full table is counted as lost. */
BPF_HASH(attempts, u32, struct attempt, 16384);
#endif

/* A connect() (or TCP Fast Open sendto()/sendmsg()) call, per thread. */
struct call {
	u64 uaddr;                   /* the caller's struct sockaddr * */
	u64 socket;                  /* its struct socket *, held by the call */
	u64 ts_ns;                   /* when the call began */
	u64 connecting;              /* the socket whose SYN the thread sent, until its
	                              * connect() returns (AWAIT_OUTCOME), else 0 */
	u8 active;                   /* inside a call that may start an attempt */
	u8 syn_sent;                 /* the handshake began: the state path reports it */
};
/* A thread's entry is kept after its call and rewritten in place by its
 * next one: making an entry costs several times finding one, and a thread
 * that connects once tends to connect again. */
#ifdef USE_TASK_STORAGE
/* Kernels 5.11+: in the thread's own task storage, found from the task
 * (no table searched: a table's cold buckets cost more than the rest of
 * the connect() entry) and freed with it. */
BPF_TASK_STORAGE(calls, struct call);

/* The current thread's entry, or NULL. */
static __always_inline struct call *thread_call(void)
{
	return calls.task_storage_get(bpf_get_current_task_btf(), 0, 0);
}

/* Makes c the current thread's entry (it has none); false if no room. */
static __always_inline bool new_thread_call(struct call *c)
{
	return calls.task_storage_get(bpf_get_current_task_btf(), c, BPF_LOCAL_STORAGE_GET_F_CREATE) != 0;
}
#else
/* Older kernels: a table by thread id. The least recently used entries
 * make room: only a thread still inside its call when 16384 other threads
 * have begun one since could lose its entry, and then only a refusal
 * before a SYN (nothing else reads it) would go unreported. */
BPF_TABLE("lru_hash", u32, struct call, calls, 16384);

static __always_inline struct call *thread_call(void)
{
	u32 tid = (u32)bpf_get_current_pid_tgid();
	return calls.lookup(&tid);
}

static __always_inline bool new_thread_call(struct call *c)
{
	u32 tid = (u32)bpf_get_current_pid_tgid();
	return calls.update(&tid, c) == 0;
}
#endif

/* A connect() on this socket is a new attempt: a TCP stream socket neither
 * connecting nor connected (else connect() answers EALREADY or EISCONN, or
 * the outcome of the attempt already under way). */
static __always_inline bool new_tcp_attempt(const void *socket, const void *sk)
{
	u32 sstate = 0;
	u16 family = 0, protocol = 0, type = 0;
	u8 state = 0;
	if (!socket || !sk)
		return false;
	bpf_probe_read_kernel(&sstate, sizeof(sstate), (const char *)socket + OFF_SOCKET_STATE);
	bpf_probe_read_kernel(&state, sizeof(state), (const char *)sk + OFF_SOCK_STATE);
	bpf_probe_read_kernel(&family, sizeof(family), (const char *)sk + OFF_SOCK_FAMILY);
	bpf_probe_read_kernel(&protocol, sizeof(protocol), (const char *)sk + OFF_SOCK_PROTOCOL);
	bpf_probe_read_kernel(&type, sizeof(type), (const char *)sk + OFF_SOCK_TYPE);
	return sstate == SS_UNCONNECTED && state == TCP_CLOSE && protocol == IPPROTO_TCP &&
	       type == SOCK_STREAM && (family == AF_INET || family == AF_INET6);
}

/* The destination the caller asked for, from its sockaddr (user memory for
 * the syscall, kernel memory past the copy); false unless AF_INET(6). */
static __always_inline bool read_destination(struct tcp_tuple *t, const char *sa, bool user)
{
	u16 family = 0, port = 0;
	u32 off = 4, len = 4;
	if (user) {
		bpf_probe_read_user(&family, sizeof(family), sa);
		bpf_probe_read_user(&port, sizeof(port), sa + 2);
	} else {
		bpf_probe_read_kernel(&family, sizeof(family), sa);
		bpf_probe_read_kernel(&port, sizeof(port), sa + 2);
	}
	if (family != AF_INET && family != AF_INET6)
		return false; /* AF_UNSPEC dissolves an association: no attempt */
	if (family == AF_INET6) {
		off = 8; /* after sin6_port and sin6_flowinfo */
		len = 16;
	}
	if (user)
		bpf_probe_read_user(t->daddr, len, sa + off);
	else
		bpf_probe_read_kernel(t->daddr, len, sa + off);
	t->family = family;
	t->dport = __builtin_bswap16(port);
	return true;
}

/* Fills a with what the caller asked of socket (sa: user memory when
 * user); false when it is no new TCP attempt or the filters drop it. */
static __always_inline bool make_attempt(struct attempt *a, const void *socket, const char *sa, bool user)
{
	void *sk = read_ptr(socket, OFF_SOCKET_SK);
	if (!new_tcp_attempt(socket, sk))
		return false;
	if (!read_destination(&a->ev.tuple, sa, user))
		return false;
	fill_head(&a->ev.head);
	a->ev.start_seen = 1; /* the call itself is seen from its start */
	a->ev.head.netns = sock_netns(sk, false);
	a->sk = (u64)sk;
	return !filtered(a->ev.head.pid, a->ev.head.uid, a->ev.tuple.family, 0, a->ev.tuple.dport,
			 a->ev.head.netns, a->ev.head.cgroup_id);
}

/* A connect() syscall (or a Fast Open send) starts: keep its arguments.
 * It replaces whatever the thread left (a missed return). */
static __always_inline void begin_call(long fd, const char *uaddr)
{
#ifdef HAVE_KPROBES
	u32 tid = (u32)bpf_get_current_pid_tgid();
	attempts.delete(&tid); /* a missed kretprobe's leftover */
#endif
	struct call *p = thread_call();
	void *socket = fd_to_socket(fd);
	u32 sstate = 0;
	if (socket)
		bpf_probe_read_kernel(&sstate, sizeof(sstate), (const char *)socket + OFF_SOCKET_STATE);
	if (sstate != SS_UNCONNECTED) {
		if (p)
			p->active = 0;
		return;
	}
	struct call c = {};
	c.uaddr = (u64)uaddr;
	c.socket = (u64)socket;
#ifdef TIMED
	c.ts_ns = bpf_ktime_get_ns();
#endif
	c.active = 1;
	if (p)
		*p = c;
	else if (!new_thread_call(&c))
		count_lost();
}

#ifdef HAVE_KPROBES
/* __inet_stream_connect starts: remember the whole attempt unless the
 * thread's call on this socket is already followed. */
static __always_inline void begin_attempt(const void *socket, const char *sa)
{
	u32 tid = (u32)bpf_get_current_pid_tgid();
	struct attempt *old = attempts.lookup(&tid);
	if (old && old->sk == (u64)read_ptr(socket, OFF_SOCKET_SK))
		return;
	struct attempt a = {};
	if (!make_attempt(&a, socket, sa, false))
		return;
	if (attempts.update(&tid, &a) != 0)
		count_lost();
}
#endif

/* CLOSE->SYN_SENT in the thread's call: the state path reports this one.
 * The thread's call entry, if any. sk: the socket's address. */
static __always_inline struct call *mark_syn_sent(u64 sk)
{
	struct call *c = thread_call();
	if (c && c->active)
		c->syn_sent = 1; /* inside a connect(), the thread's SYN_SENT is its socket's */
#ifdef HAVE_KPROBES
	u32 tid = (u32)bpf_get_current_pid_tgid();
	struct attempt *a = attempts.lookup(&tid);
	if (a && a->sk == sk)
		a->syn_sent = 1;
#endif
	return c;
}

/* Errors that say the call made no attempt, or that one is under way. */
static __always_inline bool no_new_attempt(long ret)
{
	return ret >= 0 || ret == -EINPROGRESS || ret == -EALREADY || ret == -EISCONN ||
	       ret == -EBADF || ret == -ENOTSOCK;
}

/* The attempt in a was refused before a SYN with ret: report it. */
static __always_inline void report_refused(void *ctx, struct attempt *a, long ret)
{
	struct tcpconnect_event *ev = &a->ev;
	const char *sk = (const char *)a->sk;
	u16 sport = 0;
	/* a bound local address and port, else zeros */
	bpf_probe_read_kernel(&sport, sizeof(sport), sk + OFF_INET_SPORT);
	ev->tuple.sport = __builtin_bswap16(sport);
	if (ev->tuple.family == AF_INET)
		bpf_probe_read_kernel(ev->tuple.saddr, 4, sk + OFF_SOCK_RCV_SADDR);
	else
		bpf_probe_read_kernel(ev->tuple.saddr, 16, sk + OFF_SOCK_V6_RCV_SADDR);
#ifdef TRACK_RESULT
	ev->result = TCPCONNECT_FAILED;
	ev->error = (s32)-ret;
	ev->latency_ns = bpf_ktime_get_ns() - ev->head.ts_ns;
#endif
#ifdef METRICS
	metric_connect(ev);
#endif
#ifdef MODE_COUNT
	count_connect(&ev->tuple);
#else
	emit(ctx, ev, sizeof(*ev));
#endif
}

/* The syscall returns ret: if the kernel refused it before a SYN, read
 * the attempt now, at its start's time. p: the thread's entry (thread_call(),
 * which the syscall's return looks up once for this and on_connect_return). */
static __always_inline void finish_call(void *ctx, struct call *p, long ret)
{
	if (!p || !p->active)
		return;
	struct call c = *p;
	p->active = 0;
	if (c.syn_sent || no_new_attempt(ret))
		return;
	struct attempt a = {};
	if (!make_attempt(&a, (const void *)c.socket, (const char *)c.uaddr, true))
		return;
	a.ev.head.ts_ns = c.ts_ns;
	report_refused(ctx, &a, ret);
}

TRACEPOINT_PROBE(syscalls, sys_enter_connect)
{
	begin_call(args->fd, (const char *)args->uservaddr);
	return 0;
}

#ifdef HAVE_KPROBES
/* __inet_stream_connect(sock, uaddr, addr_len, flags, is_sendmsg): every
 * TCP connect passes here (syscall, io_uring, in-kernel, TCP Fast Open's
 * sendmsg), the cgroup-BPF check included. */
int kprobe____inet_stream_connect(struct pt_regs *ctx)
{
	begin_attempt((void *)PT_REGS_PARM1(ctx), (const char *)PT_REGS_PARM2(ctx));
	return 0;
}

/* int-returning: only the low half of rax is its. It reports for the
 * syscall too: the syscall's return then finds nothing left. */
int kretprobe____inet_stream_connect(struct pt_regs *ctx)
{
	u32 tid = (u32)bpf_get_current_pid_tgid();
	long ret = (int)PT_REGS_RC(ctx);
	struct call *c = thread_call();
	if (c)
		c->active = 0; /* reported here, not at the syscall's return */
	struct attempt *p = attempts.lookup(&tid);
	if (!p)
		return 0;
	struct attempt a = *p;
	attempts.delete(&tid);
	if (!a.syn_sent && !no_new_attempt(ret))
		report_refused(ctx, &a, ret);
	return 0;
}
#endif

#ifdef AWAIT_OUTCOME
/* Attempts not yet reported, by socket. Filled in process context, so the
 * pid stays right when the outcome arrives in softirq. */
BPF_TABLE("lru_hash", u64, struct tcpconnect_event, pending, 65536);

/* SYN_SENT -> CLOSE with no socket error, in the thread still inside
 * connect() for this socket: connect() itself failed (no free local port:
 * EADDRNOTAVAIL), and only its return value says why. */
static __always_inline bool closed_inside_connect(u64 key, u64 sk)
{
	struct call *c = thread_call();
	return c && c->connecting == key && FIELD_U32(TYPED, sk, OFF_SOCK_ERR) == 0;
}

/* An attempt's outcome is known: its local port is chosen by now. typed:
 * sk is the state tracepoint's typed argument (sock.bpf.h). */
static __always_inline void report_outcome(void *ctx, struct tcpconnect_event *ev, u64 sk, bool typed)
{
	void *tp = sock_as_tcp((void *)sk, typed);
	if (tp)
		ev->tuple.sport = __builtin_bswap16(FIELD_U16(typed, tp, OFF_INET_SPORT));
#ifdef METRICS
	metric_connect(ev);
#endif
#ifdef EMIT_AT_OUTCOME
	emit(ctx, ev, sizeof(*ev));
#endif
}
#endif

#ifdef TRACK_RESULT
/* A handshake already on when tracing began resolves (no pending entry:
 * its connect() was not seen, or the table evicted it). It is reported,
 * not dropped, but nothing is made up: no caller (the resolution runs in
 * softirq or a timer, where the current task is a bystander; the abort by
 * close() is the closer's, not necessarily the caller's), no latency
 * (the kernel keeps no reliable time of the first SYN). The uid is the
 * socket's owner. False when the filters drop it: a process filter always
 * does, as no process is known. */
static __always_inline bool began_before_tracing(struct tcpconnect_event *ev, u64 sk)
{
	ev->head.ts_ns = bpf_ktime_get_ns();
	ev->head.netns = sock_netns((void *)sk, TYPED);
	ev->head.uid = FIELD_U32(TYPED, sk, OFF_SOCK_UID);
	return !filtered(0, ev->head.uid, ev->tuple.family, ev->tuple.sport, ev->tuple.dport,
			 ev->head.netns, 0);
}
#endif

/* The raw tracepoint, not the sock:inet_sock_set_state record: every
 * connect changes state six times (both ends), the probe wants one or two
 * of them, and the raw form has the kernel fill no record for the rest.
 * Its arguments: (const struct sock *sk, int oldstate, int newstate). */
RAW_TRACEPOINT_PROBE(inet_sock_set_state)
{
	u64 sk = ctx->args[0]; /* typed where BTF_RAW_TP: for its fields' reads */
	int oldstate = (int)ctx->args[1], newstate = (int)ctx->args[2];

	if (oldstate == TCP_CLOSE && newstate == TCP_SYN_SENT) {
		struct tcpconnect_event ev = {};
		if (!sock_tuple((void *)sk, &ev.tuple, TYPED)) /* sport is still 0 here, unless bound */
			return 0;
#if defined(AWAIT_OUTCOME) || defined(HAVE_KPROBES)
		u64 key = raw_arg_number(ctx->args, 0); /* the socket's address: its tables' key */
#else
		u64 key = 0; /* no table keeps the socket */
#endif
		struct call *c = mark_syn_sent(key);
#ifdef PORTS_FILTERED
		if (PORTS_FILTERED(ev.tuple.family, 0, ev.tuple.dport))
			return 0; /* as filtered() below has it, before the reads it needs */
#endif
#if defined(MODE_COUNT) || defined(NO_EVENTS)
		fill_sum_ids(&ev.head); /* nothing printed names the process */
#ifdef TIMED
		/* the attempt began with its connect() call, when that was seen */
		ev.head.ts_ns = c && c->active ? c->ts_ns : bpf_ktime_get_ns();
#endif
#else
		fill_head(&ev.head);
#endif
		ev.start_seen = 1;
		ev.head.netns = sock_netns((void *)sk, TYPED);
		if (filtered(ev.head.pid, ev.head.uid, ev.tuple.family, 0, ev.tuple.dport,
			     ev.head.netns, ev.head.cgroup_id))
			return 0;
#ifdef MODE_COUNT
		count_connect(&ev.tuple);
#endif
#ifdef AWAIT_OUTCOME
		pending.update(&key, &ev);
		if (c) {
			c->connecting = key;
		} else {
#ifdef HAVE_KPROBES
			/* no system call of the thread's: io_uring or an in-kernel
			 * caller, whose return the kretprobe on tcp_v{4,6}_connect sees */
			struct call fresh = {};
			fresh.connecting = key;
			new_thread_call(&fresh);
#endif
		}
#endif
#if !defined(MODE_COUNT) && !defined(EMIT_AT_OUTCOME)
		emit(ctx, &ev, sizeof(ev));
#endif
		return 0;
	}

#ifdef AWAIT_OUTCOME
	if (oldstate != TCP_SYN_SENT)
		return 0;
	struct tcpconnect_event ev = {};
	u64 key = raw_arg_number(ctx->args, 0);
	struct tcpconnect_event *p = pending.lookup(&key);
	if (p) {
		if (newstate == TCP_CLOSE && closed_inside_connect(key, sk)) {
			p->result = TCPCONNECT_FAILED; /* connect() returning reports it, with its error */
			return 0;
		}
		ev = *p;
		if (pending.delete(&key) != 0)
			return 0; /* connect() returning reported it on another CPU */
	} else {
#ifdef TRACK_RESULT
		if (!sock_tuple((void *)sk, &ev.tuple, TYPED) || !began_before_tracing(&ev, sk))
			return 0;
#else
		return 0; /* -L reports connect() calls; this one was made before tracing began */
#endif
	}
#ifdef TRACK_RESULT
	if (ev.start_seen)
		ev.latency_ns = bpf_ktime_get_ns() - ev.head.ts_ns;
	if (newstate == TCP_ESTABLISHED) {
		ev.result = TCPCONNECT_ESTABLISHED;
	} else {
		ev.result = TCPCONNECT_FAILED;
		ev.error = FIELD_U32(TYPED, sk, OFF_SOCK_ERR);
	}
#endif
	report_outcome(ctx, &ev, sk, TYPED);
#endif
	return 0;
}

#ifdef AWAIT_OUTCOME
/* connect() returns: report what is still pending for its socket, unless
 * (MODE_RESULT) the handshake is still on. c: the thread's entry
 * (thread_call()); ret: connect's return value. */
static __always_inline int on_connect_return(void *ctx, struct call *c, long ret)
{
	if (!c || !c->connecting)
		return 0;
	u64 sk = c->connecting;
	c->connecting = 0;
	struct tcpconnect_event *p = pending.lookup(&sk);
	if (!p)
		return 0; /* already reported: the handshake resolved first */
	struct tcpconnect_event ev = *p;
#ifdef TRACK_RESULT
	if (ev.result != TCPCONNECT_FAILED)
		return 0; /* the handshake's end reports it */
	ev.latency_ns = bpf_ktime_get_ns() - ev.head.ts_ns;
	ev.error = ret < 0 ? (u32)-ret : 0;
#endif
	if (pending.delete(&sk) != 0)
		return 0; /* the handshake resolved on another CPU and reported it */
	report_outcome(ctx, &ev, sk, false);
	return 0;
}

#ifdef HAVE_KPROBES
/* tcp_v{4,6}_connect return int: only the low half of rax is theirs */
int kretprobe__tcp_v4_connect(struct pt_regs *ctx)
{
	return on_connect_return(ctx, thread_call(), (int)PT_REGS_RC(ctx));
}

int kretprobe__tcp_v6_connect(struct pt_regs *ctx)
{
	return on_connect_return(ctx, thread_call(), (int)PT_REGS_RC(ctx));
}
#endif
#endif

TRACEPOINT_PROBE(syscalls, sys_exit_connect)
{
	struct call *c = thread_call();
	finish_call(args, c, args->ret);
#ifdef AWAIT_OUTCOME
	on_connect_return(args, c, args->ret);
#endif
	return 0;
}

/* TCP Fast Open: sendto() or sendmsg() with MSG_FASTOPEN on an unconnected
 * socket connects (tcp_sendmsg_fastopen -> __inet_stream_connect), so it is
 * followed as connect() is. EOPNOTSUPP: TFO is off for clients, no attempt.
 * Only without kprobes: where they exist, the kprobe pair on
 * __inet_stream_connect follows these sends already, and hooks on every
 * sendto() and sendmsg() of the node would cost each send its two programs'
 * dispatch (6-8 % of a tight send loop here, bench/README.md) for nothing. */
#ifndef HAVE_KPROBES
#define MSG_FASTOPEN 0x20000000
#define EOPNOTSUPP 95

static __always_inline void begin_fastopen(int fd, const char *uaddr, u64 flags)
{
	if (flags & MSG_FASTOPEN)
		begin_call(fd, uaddr);
}

static __always_inline void finish_fastopen(void *ctx, long ret)
{
	struct call *c = thread_call();
	if (ret == -EOPNOTSUPP && c)
		c->active = 0; /* no attempt */
	else
		finish_call(ctx, c, ret);
#ifdef AWAIT_OUTCOME
	on_connect_return(ctx, c, ret); /* a SYN sent with data: this call is its connect() */
#endif
}

TRACEPOINT_PROBE(syscalls, sys_enter_sendto)
{
	begin_fastopen(args->fd, (const char *)args->addr, args->flags);
	return 0;
}

TRACEPOINT_PROBE(syscalls, sys_enter_sendmsg)
{
	const char *name = NULL; /* user_msghdr.msg_name, its first member */
	if (args->flags & MSG_FASTOPEN)
		bpf_probe_read_user(&name, sizeof(name), args->msg);
	begin_fastopen(args->fd, name, args->flags);
	return 0;
}

TRACEPOINT_PROBE(syscalls, sys_exit_sendto)
{
	finish_fastopen(args, args->ret);
	return 0;
}

TRACEPOINT_PROBE(syscalls, sys_exit_sendmsg)
{
	finish_fastopen(args, args->ret);
	return 0;
}
#endif
