/* tcpaccept: every accepted TCP connection, attributed to the process that
 * accepted it. Passive-side state changes run in softirq with a bystander's
 * pid, so this works in process context instead:
 *   - kretprobe inet_csk_accept where kprobes exist (sees io_uring accepts too);
 *   - the exit of accept()/accept4(), walking the returned fd to its socket
 *     through the task's file table: everywhere, for the accepts the
 *     kretprobe did not see (no kprobes, or an accept() already waiting
 *     when tracing began, whose return a kretprobe cannot catch);
 *   - io_uring's completion of an IORING_OP_ACCEPT (HAVE_URING): the same
 *     walk from the completion's result, which is an fd, or a slot of the
 *     ring's fixed-file table (HAVE_URING_FIXED).
 * A socket the kretprobe reported is not reported again by the others.
 * MODE_COUNT counts per (local port, remote address) instead of emitting. */
#include <asm/ptrace.h>
#include "tcpaccept.h"
#include "common.bpf.h"
#include "tcpfilter.bpf.h"
#include "sock.bpf.h"
#include "fd.bpf.h"
#include "syscall_args.bpf.h"

/* The listener's accept queue */
/* KFIELD OFF_SOCK_ACK_BACKLOG sock sk_ack_backlog 4 net/sock.h */
/* KFIELD OFF_SOCK_MAX_ACK_BACKLOG sock sk_max_ack_backlog 4 net/sock.h */

#ifdef MODE_COUNT
BPF_HASH(counts, struct tcpaccept_count_key, u64, 65536);
#endif

/* What prints no record (-c, --metrics-only) reads no clock and no comm
 * (a clock read costs 50-100 ns in a VM); -c's counts alone need no
 * listener either: the queue is in records and in the metrics. */
#if defined(MODE_COUNT) || defined(NO_EVENTS)
#define SUMS_ONLY 1
#endif
#if !defined(MODE_COUNT) || defined(METRICS)
#define READS_QUEUE 1
#endif

/* The listening socket each thread is accepting on, for its queue length,
 * kept at the entry of inet_csk_accept (kprobes) or of accept() where the
 * syscall's exit cannot read it from the caller's saved registers (no
 * bpf_task_pt_regs: HAVE_TASK_PT_REGS). Elsewhere accept() is hooked at
 * its exit only: an entry hook would cost every accept() call, EAGAIN ones
 * too, a second program's dispatch, an fd walk and a table update. */
#if defined(HAVE_KPROBES) || !defined(HAVE_TASK_PT_REGS)
#define LISTENER_AT_ENTRY 1
BPF_TABLE("lru_hash", u32, u64, listener, 65536);
#endif

#ifdef HAVE_KPROBES
/* Sockets the kretprobe reported, so that the syscall exit or the io_uring
 * completion of the same accept does not report them again. */
BPF_TABLE("lru_hash", u64, u8, reported, 65536);
#endif

/* Who asked for an accept that another thread completes (io_uring). */
struct asker {
	u32 tid;
	u32 _pad;
	char comm[TASK_COMM_LEN];
};

/* True once for a socket the kretprobe reported (and forgets it). */
static __always_inline bool reported_before(void *sk)
{
#ifdef HAVE_KPROBES
	u64 key = (u64)sk;
	if (!sk || !reported.lookup(&key))
		return false;
	reported.delete(&key);
	return true;
#else
	return false; /* nothing else reports */
#endif
}

#ifdef LISTENER_AT_ENTRY
static __always_inline void remember_listener(void *sk)
{
	u32 tid = (u32)bpf_get_current_pid_tgid();
	u64 p = (u64)sk;
	if (sk)
		listener.update(&tid, &p);
}
#endif

static __always_inline void *listener_from_regs(void);

#ifdef METRICS
#include "metrics.bpf.h"
BPF_HASH(accept_metrics, struct tcpaccept_metric_key, struct tcpaccept_metric, METRICS_MAX_ENTRIES);
BPF_ARRAY(accept_metric_zero, struct tcpaccept_metric, 1);

/* One accept into the sums of its process's cgroup and listening port.
 * The queue held backlog + 1 connections when this accept took one; the
 * kernel refuses new ones while it holds more than backlog_max
 * (sk_acceptq_is_full), so "over its limit" is backlog + 1 > backlog_max. */
static __always_inline void metric_accept(const struct tcpaccept_event *ev)
{
	struct tcpaccept_metric_key key = {};
	key.cgroup_id = ev->head.cgroup_id;
	key.lport = ev->tuple.sport;
	int zero = 0;
	struct tcpaccept_metric *z = accept_metric_zero.lookup(&zero);
	struct tcpaccept_metric *m = z ? accept_metrics.lookup_or_try_init(&key, z) : NULL;
	if (!m) {
		count_lost(); /* the table is full: said, never silent */
		return;
	}
	METRIC_ADD(m->accepts, 1);
	if (!ev->listener_known || !ev->backlog_max)
		return;
	u64 waiting = (u64)ev->backlog + 1;
	if (waiting > ev->backlog_max)
		METRIC_ADD(m->queue_full, 1);
	/* waiting / backlog_max in millionths, rounded up: a ratio over a
	 * bucket's bound never rounds down into it (4 waiting of 4096 is not 0) */
	u64 ppm = (waiting * 1000000 + ev->backlog_max - 1) / ev->backlog_max;
	u32 b = ACCEPT_FILL_BUCKET(ppm);
	if (b < TCPACCEPT_FILL_BUCKETS)
		METRIC_ADD(m->fill_buckets[b], 1);
	METRIC_ADD(m->fill_ppm_sum, ppm);
}
#endif

/* The accepted socket sk, in the accepting process's context, taken from
 * listen_sk (NULL: unknown); who, if known, asked for it (io_uring). */
static __always_inline int emit_accept(void *ctx, void *sk, void *listen_sk, const struct asker *who)
{
	struct tcpaccept_event ev = {};
	if (!sk || !sock_tuple(sk, &ev.tuple, false))
		return 0;
#ifdef SUMS_ONLY
	fill_sum_ids(&ev.head);
#else
	fill_head(&ev.head);
#endif
	if (who) {
		ev.head.tid = who->tid;
		__builtin_memcpy(ev.head.comm, who->comm, sizeof(ev.head.comm));
	}
	ev.head.netns = sock_netns(sk, false);
	if (filtered(ev.head.pid, ev.head.uid, ev.tuple.family, ev.tuple.sport, ev.tuple.dport,
		     ev.head.netns, ev.head.cgroup_id))
		return 0;
#ifdef READS_QUEUE
	if (listen_sk) {
		bpf_probe_read_kernel(&ev.backlog, sizeof(ev.backlog),
				      (const char *)listen_sk + OFF_SOCK_ACK_BACKLOG);
		bpf_probe_read_kernel(&ev.backlog_max, sizeof(ev.backlog_max),
				      (const char *)listen_sk + OFF_SOCK_MAX_ACK_BACKLOG);
		ev.listener_known = 1;
	}
#endif
#ifdef METRICS
	metric_accept(&ev);
#endif
#ifdef MODE_COUNT
	struct tcpaccept_count_key key = {};
	__builtin_memcpy(key.raddr, ev.tuple.daddr, 16);
	key.lport = ev.tuple.sport;
	key.family = ev.tuple.family;
	u64 zero = 0;
	count_one(counts.lookup_or_try_init(&key, &zero));
#else
	emit(ctx, &ev, sizeof(ev));
#endif
	return 0;
}

/* The listener is the one remembered at entry, or (syscall path) read from
 * the syscall's argument. */
static __always_inline int report_accept(void *ctx, void *sk, bool syscall)
{
	void *listen_sk = NULL;
#ifdef LISTENER_AT_ENTRY
	u32 tid = (u32)bpf_get_current_pid_tgid();
	u64 *lsk = listener.lookup(&tid);
	listen_sk = lsk ? (void *)*lsk : NULL;
	listener.delete(&tid);
#endif
	if (!sk)
		return 0;
#ifdef READS_QUEUE
	if (!listen_sk && syscall)
		listen_sk = listener_from_regs();
#endif
	return emit_accept(ctx, sk, listen_sk, NULL);
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
	u64 key = (u64)sk;
	u8 one = 1;
	if (sk)
		reported.update(&key, &one);
	return report_accept(ctx, sk, false);
}
#endif

/* Path 2: syscalls, where there are no kprobes. A failed accept (EAGAIN on
 * a non-blocking socket) returns < 0 and reports nothing. */
#ifndef HAVE_TASK_PT_REGS
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
#endif

/* The listening fd is accept()'s first argument, still in the caller's
 * saved registers: it finds the listener of an accept() that was already
 * waiting when tracing began, and every listener where the kernel gives
 * those registers (HAVE_TASK_PT_REGS: no entry hook). */
static __always_inline void *listener_from_regs(void)
{
	return fd_to_sock(syscall_arg1());
}

static __always_inline int on_accept_exit(void *ctx, long ret)
{
#ifndef LISTENER_AT_ENTRY
	if (ret < 0)
		return 0; /* no entry of its to forget */
#endif
	void *sk = ret < 0 ? NULL : fd_to_sock(ret);
	return report_accept(ctx, reported_before(sk) ? NULL : sk, true);
}

TRACEPOINT_PROBE(syscalls, sys_exit_accept4)
{
	return on_accept_exit(args, args->ret);
}

TRACEPOINT_PROBE(syscalls, sys_exit_accept)
{
	return on_accept_exit(args, args->ret);
}

/* io_uring (HAVE_URING, HAVE_URING_FIXED): compiled only where the kernel's
 * BTF has every field of the group; tcpaccept asks for the groups. */
/* KFIELD OFF_KIOCB_OPCODE io_kiocb opcode 1 linux/io_uring_types.h group:uring */
/* KFIELD OFF_KIOCB_FILE io_kiocb file 8 linux/io_uring_types.h group:uring */
/* KFIELD OFF_KIOCB_CMD io_kiocb cmd - linux/io_uring_types.h group:uring */
/* KFIELD OFF_ACCEPT_FILE_SLOT io_accept file_slot 4 io_uring/net.c group:uring */
/* KFIELD OFF_TASK_GROUP_LEADER task_struct group_leader 8 linux/sched.h group:uring */
/* KFIELD OFF_TASK_COMM task_struct comm 16 linux/sched.h group:uring */
/* KFIELD OFF_CTX_FILE_NODES io_ring_ctx file_table.data.nodes 8 linux/io_uring_types.h group:uring_fixed */
/* KFIELD OFF_CTX_FILE_NR io_ring_ctx file_table.data.nr 4 linux/io_uring_types.h group:uring_fixed */
/* KFIELD OFF_RSRC_NODE_FILE_PTR io_rsrc_node file_ptr 8 io_uring/rsrc.h group:uring_fixed */
#ifdef HAVE_URING
/* Path 3: io_uring. An IORING_OP_ACCEPT never passes the accept syscalls;
 * the submitter, an io-wq worker or the SQPOLL thread runs it, all threads
 * of the process that asked, sharing its file table. Its completion names
 * the ring and the request's user_data (the request itself only for a last
 * completion: a multishot accept's others carry none), so the accepts in
 * flight are kept by (ring, user_data), which the application must keep
 * unique while they are, or it could not tell their completions apart.
 * Constants are the io_uring ABI (include/uapi/linux/io_uring.h). */
#define URING_OP_ACCEPT 13                  /* IORING_OP_ACCEPT */
#define URING_CQE_F_MORE (1U << 1)          /* IORING_CQE_F_MORE: more completions follow */
#define URING_FILE_INDEX_ALLOC 0xffffffffU  /* IORING_FILE_INDEX_ALLOC: the kernel picks the slot */

struct uring_key {
	u64 ring;
	u64 user_data;
};

struct uring_accept {
	u64 req;           /* struct io_kiocb *, alive until the last completion */
	u32 file_slot;     /* 0: an fd; slot + 1; or URING_FILE_INDEX_ALLOC */
	u32 _pad;
	struct asker who;
};

BPF_TABLE("lru_hash", struct uring_key, struct uring_accept, uring_accepts, 16384);

/* The process's own name, for requests that no thread of it was seen to
 * submit (the SQPOLL thread did, or they were submitted before tracing
 * began). Current is a thread of that process (the completion runs in one). */
static __always_inline void asked_by_process(struct asker *who)
{
	void *leader = read_ptr((void *)bpf_get_current_task(), OFF_TASK_GROUP_LEADER);
	who->tid = bpf_get_current_pid_tgid() >> 32;
	if (leader)
		bpf_probe_read_kernel_str(who->comm, sizeof(who->comm), (const char *)leader + OFF_TASK_COMM);
}

static __always_inline u8 req_opcode(const void *req)
{
	u8 op = 0;
	if (req)
		bpf_probe_read_kernel(&op, sizeof(op), (const char *)req + OFF_KIOCB_OPCODE);
	return op;
}

/* Starts tracking an accept request. Only a submitter that is a thread of
 * the application is named here: others (the SQPOLL thread, softirq, a
 * request from before tracing) leave who to the completion. */
static __always_inline void uring_track(const void *ring, u64 user_data, const void *req, bool submitter)
{
	struct uring_key key = {(u64)ring, user_data};
	struct uring_accept a = {.req = (u64)req};
	bpf_probe_read_kernel(&a.file_slot, sizeof(a.file_slot),
			      (const char *)req + OFF_KIOCB_CMD + OFF_ACCEPT_FILE_SLOT);
	if (submitter) {
		a.who.tid = (u32)bpf_get_current_pid_tgid();
		bpf_get_current_comm(a.who.comm, sizeof(a.who.comm));
	}
	uring_accepts.update(&key, &a);
}

TRACEPOINT_PROBE(io_uring, io_uring_submit_req)
{
	if (args->opcode == URING_OP_ACCEPT)
		uring_track(args->ctx, args->user_data, args->req, !args->sq_thread);
	return 0;
}

/* A connection arrived for an accept waiting in poll: this finds accepts
 * submitted before tracing began (a multishot one never completes with its
 * request until it ends). Runs in softirq: current is a bystander. */
TRACEPOINT_PROBE(io_uring, io_uring_task_add)
{
	struct uring_key key = {(u64)args->ctx, args->user_data};
	if (args->opcode == URING_OP_ACCEPT && !uring_accepts.lookup(&key))
		uring_track(args->ctx, args->user_data, args->req, false);
	return 0;
}

#ifdef HAVE_URING_FIXED
/* The socket in slot of the ring's fixed-file table (6.13+ layout: an
 * array of io_rsrc_node pointers, whose file_ptr keeps flags in its low
 * bits; struct file is at least 8-byte aligned). */
static __always_inline void *fixed_file_sock(const void *ring, u32 slot)
{
	u32 nr = 0;
	bpf_probe_read_kernel(&nr, sizeof(nr), (const char *)ring + OFF_CTX_FILE_NR);
	if (slot >= nr)
		return NULL;
	void *node = read_ptr(read_ptr(ring, OFF_CTX_FILE_NODES), (u64)slot * sizeof(void *));
	u64 file_ptr = (u64)read_ptr(node, OFF_RSRC_NODE_FILE_PTR);
	return file_to_sock((void *)(file_ptr & ~7ULL));
}
#endif

/* The accepted socket: res is its fd, or (fixed files) its slot when the
 * kernel picked one, else 0 and the slot is the one asked for. */
static __always_inline void *uring_accepted_sock(const void *ring, const struct uring_accept *a, int res)
{
	if (!a->file_slot)
		return fd_to_sock(res);
#ifdef HAVE_URING_FIXED
	return fixed_file_sock(ring, a->file_slot == URING_FILE_INDEX_ALLOC ? (u32)res : a->file_slot - 1);
#else
	return NULL;   /* said at start: not attributable on this kernel */
#endif
}

TRACEPOINT_PROBE(io_uring, io_uring_complete)
{
	struct uring_key key = {(u64)args->ctx, args->user_data};
	/* Only a last completion names its request: skip all but accepts. */
	if (args->req && req_opcode(args->req) != URING_OP_ACCEPT)
		return 0;
	if (args->req && !uring_accepts.lookup(&key))
		uring_track(args->ctx, args->user_data, args->req, false); /* from before tracing */
	struct uring_accept *tracked = uring_accepts.lookup(&key);
	if (!tracked)
		return 0;
	struct uring_accept a = *tracked;
	if (!a.who.tid)
		asked_by_process(&a.who);
	if (!(args->cflags & URING_CQE_F_MORE))
		uring_accepts.delete(&key);
	if (args->res < 0)
		return 0;
	void *sk = uring_accepted_sock(args->ctx, &a, args->res);
	if (reported_before(sk))
		return 0;
	void *listen_sk = file_to_sock(read_ptr((void *)a.req, OFF_KIOCB_FILE));
	return emit_accept(args, sk, listen_sk, &a.who);
}
#endif
