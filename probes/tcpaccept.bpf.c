/* tcpaccept: every accepted TCP connection, attributed to the process that
 * accepted it. Passive-side state changes run in softirq with a bystander's
 * pid, so this works in process context instead:
 *   - kretprobe inet_csk_accept where kprobes exist (sees io_uring accepts too);
 *   - the exit of accept()/accept4(), walking the returned fd to its socket
 *     through the task's file table: everywhere, for the accepts the
 *     kretprobe did not see (no kprobes, or an accept() already waiting
 *     when tracing began, whose return a kretprobe cannot catch).
 * MODE_COUNT counts per (local port, remote address) instead of emitting. */
#include <asm/ptrace.h>
#include "tcpaccept.h"
#include "common.bpf.h"
#include "tcpfilter.bpf.h"
#include "sock.bpf.h"
#include "fd.bpf.h"
#include "syscall_args.bpf.h"

#ifdef MODE_COUNT
BPF_HASH(counts, struct tcpaccept_count_key, u64, 65536);
#endif

/* The listening socket each thread is accepting on, for its queue length. */
BPF_TABLE("lru_hash", u32, u64, listener, 65536);

/* The socket the kretprobe reported for each thread, so that the syscall
 * exit does not report it again. */
BPF_TABLE("lru_hash", u32, u64, reported, 65536);

static __always_inline void remember_listener(void *sk)
{
	u32 tid = (u32)bpf_get_current_pid_tgid();
	u64 p = (u64)sk;
	if (sk)
		listener.update(&tid, &p);
}

static __always_inline void *listener_from_regs(void);

/* The accepted socket sk, in the accepting process's context; the
 * listener is the one remembered at entry, or (syscall path) read from
 * the syscall's argument. */
static __always_inline int report_accept(void *ctx, void *sk, bool syscall)
{
	u32 tid = (u32)bpf_get_current_pid_tgid();
	u64 *lsk = listener.lookup(&tid);
	void *listen_sk = lsk ? (void *)*lsk : NULL;
	listener.delete(&tid);
	if (!sk)
		return 0;
	if (!listen_sk && syscall)
		listen_sk = listener_from_regs();

	struct tcpaccept_event ev = {};
	if (!sock_tuple(sk, &ev.tuple))
		return 0;
	fill_head(&ev.head);
	ev.head.netns = sock_netns(sk);
	if (filtered(ev.head.pid, ev.head.uid, ev.tuple.family, ev.tuple.sport, ev.tuple.dport,
		     ev.head.netns, ev.head.cgroup_id))
		return 0;
#ifdef MODE_COUNT
	struct tcpaccept_count_key key = {};
	__builtin_memcpy(key.raddr, ev.tuple.daddr, 16);
	key.lport = ev.tuple.sport;
	key.family = ev.tuple.family;
	u64 zero = 0;
	count_one(counts.lookup_or_try_init(&key, &zero));
#else
	if (listen_sk) {
		bpf_probe_read_kernel(&ev.backlog, sizeof(ev.backlog),
				      (const char *)listen_sk + OFF_SOCK_ACK_BACKLOG);
		bpf_probe_read_kernel(&ev.backlog_max, sizeof(ev.backlog_max),
				      (const char *)listen_sk + OFF_SOCK_MAX_ACK_BACKLOG);
		ev.listener_known = 1;
	}
	emit(ctx, &ev, sizeof(ev));
#endif
	return 0;
}

#ifdef HAVE_KPROBES
/* Path 1: kprobes (entry stashes the listener, return has the new sock). */
int kprobe__inet_csk_accept(struct pt_regs *ctx)
{
	remember_listener((void *)PT_REGS_PARM1(ctx));
	return 0;
}

int kretprobe__inet_csk_accept(struct pt_regs *ctx)
{
	void *sk = (void *)PT_REGS_RC(ctx);
	u32 tid = (u32)bpf_get_current_pid_tgid();
	u64 p = (u64)sk;
	if (sk)
		reported.update(&tid, &p);
	return report_accept(ctx, sk, false);
}
#endif

/* Path 2: syscalls, where there are no kprobes. A failed accept (EAGAIN on
 * a non-blocking socket) returns < 0 and reports nothing. */
TRACEPOINT_PROBE(syscalls, sys_enter_accept4)
{
	remember_listener(fd_to_sock(args->fd));
	return 0;
}

TRACEPOINT_PROBE(syscalls, sys_enter_accept)
{
	remember_listener(fd_to_sock(args->fd));
	return 0;
}

/* The listening fd is accept()'s first argument, still in the caller's
 * saved registers: it finds the listener of an accept() that was already
 * waiting when tracing began. */
static __always_inline void *listener_from_regs(void)
{
	return fd_to_sock(syscall_arg1());
}

static __always_inline int on_accept_exit(void *ctx, long ret)
{
	void *sk = ret < 0 ? NULL : fd_to_sock(ret);
	u32 tid = (u32)bpf_get_current_pid_tgid();
	u64 *seen = reported.lookup(&tid);
	bool dup = seen && sk && *seen == (u64)sk;
	reported.delete(&tid);
	return report_accept(ctx, dup ? NULL : sk, true);
}

TRACEPOINT_PROBE(syscalls, sys_exit_accept4)
{
	return on_accept_exit(args, args->ret);
}

TRACEPOINT_PROBE(syscalls, sys_exit_accept)
{
	return on_accept_exit(args, args->ret);
}
