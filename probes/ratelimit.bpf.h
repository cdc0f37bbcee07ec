/* --rate-limit: at most RATE_LIMIT records leave the kernel per second,
 * a token bucket refilled once a second. Compiled only when user space
 * defines RATE_LIMIT (records per second) and NCPUS (possible CPUs);
 * without them emit() is what it was, at no cost.
 *
 * Tracing programs cannot take a bpf_spin_lock, and 5.10 has no atomic
 * add that returns the old value, so the bucket is split per CPU and each
 * CPU's share is exact: quota RATE_LIMIT / NCPUS, plus one on the first
 * RATE_LIMIT % NCPUS CPUs, so the shares add up to RATE_LIMIT. A storm on
 * one CPU gets that CPU's share only.
 *
 * The window is the whole second of the record's own ts_ns (every record
 * begins with struct event_head), so "at most RATE_LIMIT records per second
 * of ts_ns" can be checked from the output. A CPU's window only moves
 * forward: a record older than it counts in the current one. */
#ifdef RATE_LIMIT

struct rate_window {
	u64 second;   /* ts_ns / 1e9 of the window */
	u64 used;     /* records this CPU sent in it */
};
BPF_PERCPU_ARRAY(rate_window, struct rate_window, 1);
/* Records held back, per CPU: user space reports them like losses. */
BPF_PERCPU_ARRAY(rate_limited, u64, 1);

#define RATE_QUOTA(cpu) (RATE_LIMIT / NCPUS + ((cpu) < RATE_LIMIT % NCPUS ? 1 : 0))

/* Whether the record is over this CPU's quota (then it is counted, and the
 * caller must not send it). */
static __always_inline bool over_rate_limit(const void *record)
{
	int zero = 0;
	struct rate_window *w = rate_window.lookup(&zero);
	u64 *held = rate_limited.lookup(&zero);
	if (!w || !held)
		return false; /* an array's one slot always exists */
	u64 second = *(const u64 *)record / 1000000000ULL;
	if (second > w->second) {
		w->second = second;
		w->used = 0;
	}
	if (w->used < RATE_QUOTA(bpf_get_smp_processor_id())) {
		w->used++;
		return false;
	}
	/* Atomic, so no record goes uncounted even when a softirq's program
	 * interrupts this one on the CPU. The window's check and update are
	 * not: such a nested run may let one record past the quota, never
	 * drop one uncounted. */
	__sync_fetch_and_add(held, 1);
	return true;
}

#endif
