/* tcpconnect: every TCP connect attempt, attributed to the caller.
 * sock:inet_sock_set_state CLOSE->SYN_SENT runs inside connect(), in the
 * caller's context. Modes (#defines from user space):
 *   MODE_COUNT   count per (saddr, daddr, dport) in the kernel, emit nothing
 *   MODE_RESULT  emit when the handshake resolves: result, latency, lport
 *   MODE_LPORT   emit when connect() returns (or the handshake resolves, if
 *                that comes first), once the local port is known
 *   none         emit at connect()
 * "connect() returns": the kretprobe on tcp_v{4,6}_connect where kprobes
 * exist (it sees io_uring and in-kernel connects too), else the syscall's
 * exit; both run, and whichever comes first reports. */
#include <asm/ptrace.h>
#include "tcpconnect.h"
#include "common.bpf.h"
#include "tcpfilter.bpf.h"
#include "tcpstate.bpf.h"

#ifdef MODE_COUNT
BPF_HASH(counts, struct tcpconnect_count_key, u64, 65536);
#endif

#if defined(MODE_RESULT) || defined(MODE_LPORT)
/* Attempts not yet reported, by socket. Filled in process context, so the
 * pid stays right when the outcome arrives in softirq. */
BPF_TABLE("lru_hash", u64, struct tcpconnect_event, pending, 65536);
#endif

#if defined(MODE_RESULT) || defined(MODE_LPORT)
/* The socket each thread is connecting, until its connect() returns. */
BPF_TABLE("lru_hash", u32, u64, connecting, 65536);
#endif

#if defined(MODE_RESULT) || defined(MODE_LPORT)
/* SYN_SENT -> CLOSE with no socket error, in the thread still inside
 * connect() for this socket: connect() itself failed (no free local port:
 * EADDRNOTAVAIL), and only its return value says why. */
static __always_inline bool closed_inside_connect(u64 sk)
{
	u32 tid = (u32)bpf_get_current_pid_tgid();
	u64 *skp = connecting.lookup(&tid);
	int err = 0;
	bpf_probe_read_kernel(&err, sizeof(err), (const char *)sk + OFF_SOCK_ERR);
	return skp && *skp == sk && err == 0;
}
#endif

#ifdef MODE_RESULT
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
	ev->head.netns = sock_netns((void *)sk);
	bpf_probe_read_kernel(&ev->head.uid, sizeof(ev->head.uid), (const char *)sk + OFF_SOCK_UID);
	return !filtered(0, ev->head.uid, ev->tuple.family, ev->tuple.sport, ev->tuple.dport,
			 ev->head.netns, 0);
}
#endif

TRACEPOINT_PROBE(sock, inet_sock_set_state)
{
	if (args->protocol != IPPROTO_TCP)
		return 0;
	u64 sk = (u64)args->skaddr;

	if (args->oldstate == TCP_CLOSE && args->newstate == TCP_SYN_SENT) {
		struct tcpconnect_event ev = {};
		fill_head(&ev.head);
		ev.start_seen = 1;
		ev.head.netns = sock_netns((void *)sk);
		TUPLE_FROM_STATE_ARGS(&ev.tuple, args); /* sport is still 0 here */
		if (filtered(ev.head.pid, ev.head.uid, ev.tuple.family, 0, ev.tuple.dport,
			     ev.head.netns, ev.head.cgroup_id))
			return 0;
#if defined(MODE_COUNT)
		struct tcpconnect_count_key key = {};
		__builtin_memcpy(key.saddr, ev.tuple.saddr, 16);
		__builtin_memcpy(key.daddr, ev.tuple.daddr, 16);
		key.dport = ev.tuple.dport;
		key.family = ev.tuple.family;
		u64 zero = 0;
		count_one(counts.lookup_or_try_init(&key, &zero));
#elif defined(MODE_RESULT) || defined(MODE_LPORT)
		pending.update(&sk, &ev);
		u32 tid = ev.head.tid;
		connecting.update(&tid, &sk);
#else
		emit(args, &ev, sizeof(ev));
#endif
		return 0;
	}

#if defined(MODE_RESULT) || defined(MODE_LPORT)
	if (args->oldstate != TCP_SYN_SENT)
		return 0;
	struct tcpconnect_event ev = {};
	struct tcpconnect_event *p = pending.lookup(&sk);
	if (p) {
		if (args->newstate == TCP_CLOSE && closed_inside_connect(sk)) {
			p->result = TCPCONNECT_FAILED; /* connect() returning reports it, with its error */
			return 0;
		}
		ev = *p;
		if (pending.delete(&sk) != 0)
			return 0; /* connect() returning reported it on another CPU */
	} else {
#ifdef MODE_RESULT
		TUPLE_FROM_STATE_ARGS(&ev.tuple, args);
		if (!began_before_tracing(&ev, sk))
			return 0;
#else
		return 0; /* -L reports connect() calls; this one was made before tracing began */
#endif
	}
	ev.tuple.sport = args->sport;
#ifdef MODE_RESULT
	if (ev.start_seen)
		ev.latency_ns = bpf_ktime_get_ns() - ev.head.ts_ns;
	if (args->newstate == TCP_ESTABLISHED) {
		ev.result = TCPCONNECT_ESTABLISHED;
	} else {
		ev.result = TCPCONNECT_FAILED;
		bpf_probe_read_kernel(&ev.error, sizeof(ev.error), (const char *)sk + OFF_SOCK_ERR);
	}
#endif
	emit(args, &ev, sizeof(ev));
#endif
	return 0;
}

#if defined(MODE_RESULT) || defined(MODE_LPORT)
/* connect() returns: report what is still pending for its socket, unless
 * (MODE_RESULT) the handshake is still on. ret: connect's return value. */
static __always_inline int on_connect_return(void *ctx, long ret)
{
	u32 tid = (u32)bpf_get_current_pid_tgid();
	u64 *skp = connecting.lookup(&tid);
	if (!skp)
		return 0;
	u64 sk = *skp;
	connecting.delete(&tid);
	struct tcpconnect_event *p = pending.lookup(&sk);
	if (!p)
		return 0; /* already reported: the handshake resolved first */
	struct tcpconnect_event ev = *p;
#ifdef MODE_RESULT
	if (ev.result != TCPCONNECT_FAILED)
		return 0; /* the handshake's end reports it */
	ev.latency_ns = bpf_ktime_get_ns() - ev.head.ts_ns;
	ev.error = ret < 0 ? (u32)-ret : 0;
#endif
	if (pending.delete(&sk) != 0)
		return 0; /* the handshake resolved on another CPU and reported it */
	u16 sport = 0;
	bpf_probe_read_kernel(&sport, sizeof(sport), (const char *)sk + OFF_INET_SPORT);
	ev.tuple.sport = __builtin_bswap16(sport);
	emit(ctx, &ev, sizeof(ev));
	return 0;
}

TRACEPOINT_PROBE(syscalls, sys_exit_connect)
{
	return on_connect_return(args, args->ret);
}

#ifdef HAVE_KPROBES
/* tcp_v{4,6}_connect return int: only the low half of rax is theirs */
int kretprobe__tcp_v4_connect(struct pt_regs *ctx)
{
	return on_connect_return(ctx, (int)PT_REGS_RC(ctx));
}

int kretprobe__tcp_v6_connect(struct pt_regs *ctx)
{
	return on_connect_return(ctx, (int)PT_REGS_RC(ctx));
}
#endif
#endif
