/* tcpconnect's records, shared verbatim by the BPF program and user space. */
#ifndef SOCKLENS_TCPCONNECT_H
#define SOCKLENS_TCPCONNECT_H

#include "event_common.h"

/* result: how the handshake resolved (only with -r; 0 otherwise: reported
 * at connect(), outcome not awaited) */
enum tcpconnect_result {
	TCPCONNECT_ESTABLISHED = 1,
	TCPCONNECT_FAILED = 2,      /* see error: sk_err when the socket closed */
};

struct tcpconnect_event {
	struct event_head head;     /* the caller; with start_seen 0 only uid (the
	                             * socket's owner) and netns are known, and
	                             * ts_ns is the resolution's time */
	struct tcp_tuple tuple;     /* saddr/sport local, daddr/dport remote */
	__u64 latency_ns;           /* connect() to handshake resolution (-r); 0 unless start_seen */
	__s32 error;                /* errno the socket failed with, 0 if none */
	__u32 result;               /* enum tcpconnect_result */
	__u8 start_seen;            /* 1: the connect() was traced; 0: its handshake was
	                             * already on when tracing began (-r) */
	__u8 _pad[7];
};
_Static_assert(sizeof(struct tcpconnect_event) == 112, "tcpconnect_event layout");

/* -c: connects counted in the kernel per (source, destination, port) */
struct tcpconnect_count_key {
	__u8 saddr[16];
	__u8 daddr[16];
	__u16 dport;
	__u16 family;
	__u32 _pad;
};
_Static_assert(sizeof(struct tcpconnect_count_key) == 40, "count key layout");

/* --metrics-dir: what the kernel sums per (cgroup, result) for Prometheus */
struct tcpconnect_metric_key {
	__u64 cgroup_id;            /* the caller's; 0 for an attempt begun before tracing */
	__s32 error;                /* 0 for established, else as in the event */
	__u32 result;               /* enum tcpconnect_result */
	__u8 raddr[16];             /* --metrics-raddr: the destination; else zeros */
	__u16 family;               /* --metrics-raddr: AF_INET or AF_INET6; else 0 */
	__u8 _pad[6];
};
_Static_assert(sizeof(struct tcpconnect_metric_key) == 40, "metric key layout");

#define TCPCONNECT_LATENCY_BUCKETS 20  /* the latency histogram's bounds and +Inf */
struct tcpconnect_metric {
	__u64 connects;             /* attempts resolved */
	__u64 latency_ns_sum;       /* of those seen from their start */
	__u64 latency_buckets[TCPCONNECT_LATENCY_BUCKETS]; /* per bucket, not cumulative */
};
_Static_assert(sizeof(struct tcpconnect_metric) == 176, "metric layout");

#endif
