/* Shared by every tool's BPF program: the event channel, loss counting,
 * the task fields of an event. (Each tool has its filter stub, with the
 * one FILTER placeholder: tcpfilter.bpf.h for the TCP tools.)
 * Expects USE_RINGBUF and BUFFER_PAGES (RATE_LIMIT and NCPUS with
 * --rate-limit: ratelimit.bpf.h); the kernel fields it reads are
 * declared beside the code (KFIELD lines, resolved by user space). */
#include "event_common.h"

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6

#include "typed.bpf.h"

#ifdef USE_RINGBUF
BPF_RINGBUF_OUTPUT(events, BUFFER_PAGES);
#else
BPF_PERF_OUTPUT(events);
#endif

/* Records the buffer had no room for, per CPU: user space reports them. */
BPF_PERCPU_ARRAY(lost, u64, 1);

static __always_inline void count_lost(void)
{
	int zero = 0;
	u64 *n = lost.lookup(&zero);
	if (n)
		(*n)++;
}

/* Adds by to a -c counter (NULL: its table was full, counted as lost).
 * Atomic: the same key counts on every CPU at once. */
static __always_inline void count_add(u64 *n, u64 by)
{
	if (n)
		__sync_fetch_and_add(n, by);
	else
		count_lost();
}

/* One more for a -c counter (NULL: its table was full, counted as lost). */
static __always_inline void count_one(u64 *n)
{
	count_add(n, 1);
}

#include "ratelimit.bpf.h"

/* Sends one record to user space; a full buffer is counted, never silent,
 * and so is a record over --rate-limit (ratelimit.bpf.h). The record must
 * begin with struct event_head. Wakes the reader only every WAKEUP_RECORDS
 * records or WAKEUP_NS per CPU. */
#ifndef WAKEUP_RECORDS
#define WAKEUP_RECORDS 256
#endif
#ifndef WAKEUP_NS
#define WAKEUP_NS 10000000ULL
#endif
struct wakeup_state { u64 ns; u64 records; };
#ifdef USE_RINGBUF
BPF_PERCPU_ARRAY(last_wakeup, struct wakeup_state, 1);
#endif
static __always_inline void emit(void *ctx, void *record, u32 size)
{
#ifdef NO_EVENTS
	return; /* --metrics-only: the sums are all that is kept */
#endif
#ifdef RATE_LIMIT
	if (over_rate_limit(record))
		return;
#endif
#ifdef USE_RINGBUF
	int zero = 0;
	u64 flags = BPF_RB_NO_WAKEUP;
	struct wakeup_state *w = last_wakeup.lookup(&zero);
	if (w) {
		u64 now = bpf_ktime_get_ns();
		if (++w->records >= WAKEUP_RECORDS || now - w->ns >= WAKEUP_NS) {
			w->ns = now;
			w->records = 0;
			flags = BPF_RB_FORCE_WAKEUP;
		}
	} else {
		flags = 0;
	}
	if (events.ringbuf_output(record, size, flags) != 0)
#else
	if (events.perf_submit(ctx, record, size) != 0)
#endif
		count_lost();
}

/* A pointer stored at base + off (NULL for a NULL base). */
static __always_inline void *read_ptr(const void *base, u64 off)
{
	void *p = NULL;
	if (base)
		bpf_probe_read_kernel(&p, sizeof(p), (const char *)base + off);
	return p;
}

/* Who is running, without the time or the command name (for sums, which
 * print neither): valid in process context only. The cgroup id only when
 * cgroup: its helper walks the task's css_set to the cgroup's kernfs node
 * (20-40 ns a connect in tcpconnect -c, by bpf_stats), so a sum neither
 * keyed nor filtered by it skips it (cgroup_id stays 0). */
static __always_inline void fill_ids(struct event_head *h, bool cgroup)
{
	u64 id = bpf_get_current_pid_tgid();
	h->pid = id >> 32;
	h->tid = (u32)id;
	h->uid = (u32)bpf_get_current_uid_gid();
	if (cgroup)
		h->cgroup_id = bpf_get_current_cgroup_id();
}

/* The ids of an event that is only summed (-c, --metrics-only): pid and
 * uid for the filters, the cgroup only where the metrics (per cgroup) or a
 * filter read it. No clock, no comm: nothing printed names them. */
static __always_inline void fill_sum_ids(struct event_head *h)
{
#if defined(METRICS) || defined(FILTER_READS_CGROUP)
	fill_ids(h, true);
#else
	fill_ids(h, false);
#endif
}

/* Who is running and when: valid in process context only. */
static __always_inline void fill_head(struct event_head *h)
{
	h->ts_ns = bpf_ktime_get_ns();
	fill_ids(h, true);
	bpf_get_current_comm(h->comm, sizeof(h->comm));
}

/* KFIELD OFF_SOCK_NET sock __sk_common.skc_net.net 8 net/sock.h */
/* KFIELD OFF_NET_INUM net ns.inum 4 net/net_namespace.h */
/* Inode of the socket's network namespace (sk->__sk_common.skc_net->ns.inum);
 * typed: sk is a BTF-typed pointer (probes/typed.bpf.h). */
static __always_inline u32 sock_netns(const void *sk, bool typed)
{
	void *net = FIELD_PTR(typed, sk, OFF_SOCK_NET);
	return net ? FIELD_U32(typed, net, OFF_NET_INUM) : 0;
}
