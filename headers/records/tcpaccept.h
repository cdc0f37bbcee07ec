/* tcpaccept's records, shared verbatim by the BPF program and user space. */
#ifndef SOCKLENS_TCPACCEPT_H
#define SOCKLENS_TCPACCEPT_H

#include "event_common.h"

struct tcpaccept_event {
	struct event_head head;     /* the process that called accept() */
	struct tcp_tuple tuple;     /* saddr/sport local, daddr/dport the peer */
	__u32 backlog;              /* listener's accept queue after this accept */
	__u32 backlog_max;          /* its limit (listen() backlog) */
	__u8 listener_known;        /* 0: the listener was not found, backlog unknown */
	__u8 _pad[7];
};
_Static_assert(sizeof(struct tcpaccept_event) == 104, "tcpaccept_event layout");

/* -c: accepts counted in the kernel per (local port, remote address) */
struct tcpaccept_count_key {
	__u8 raddr[16];
	__u16 lport;
	__u16 family;
	__u32 _pad;
};
_Static_assert(sizeof(struct tcpaccept_count_key) == 24, "count key layout");

/* --metrics-dir: what the kernel sums per (cgroup, listening port) for Prometheus */
struct tcpaccept_metric_key {
	__u64 cgroup_id;            /* the accepting process's */
	__u16 lport;                /* the listener's port */
	__u16 _pad[3];
};
_Static_assert(sizeof(struct tcpaccept_metric_key) == 16, "metric key layout");

#define TCPACCEPT_FILL_BUCKETS 7    /* the queue-fill histogram's bounds and +Inf */
struct tcpaccept_metric {
	__u64 accepts;
	__u64 queue_full;           /* accepts that found the accept queue over its limit */
	__u64 fill_ppm_sum;         /* waiting / backlog_max in millionths (rounded up), summed
	                             * over the accepts whose listener was known */
	__u64 fill_buckets[TCPACCEPT_FILL_BUCKETS];
};
_Static_assert(sizeof(struct tcpaccept_metric) == 80, "metric layout");

#endif
