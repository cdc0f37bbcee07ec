/* tcpclose's records, shared verbatim by the BPF program and user space. */
#ifndef SOCKLENS_TCPCLOSE_H
#define SOCKLENS_TCPCLOSE_H

#include "event_common.h"

/* who ended the connection */
enum tcpclose_closed_by {
	CLOSED_BY_UNKNOWN = 0,
	CLOSED_BY_LOCAL = 1,    /* we sent the first FIN */
	CLOSED_BY_REMOTE = 2,   /* the peer sent the first FIN */
	CLOSED_BY_RESET = 3,    /* an RST, sent or received, ended it */
};

/* how the connection was opened */
enum tcpclose_opened {
	OPENED_UNKNOWN = 0,
	OPENED_ACTIVE = 1,      /* connect() */
	OPENED_PASSIVE = 2,     /* accepted from a listener */
};

struct tcpclose_event {
	struct event_head head;     /* the socket's owner (pid 0 if none was seen); ts_ns at close */
	struct tcp_tuple tuple;     /* saddr/sport local, daddr/dport remote */
	__u64 duration_ns;          /* from the opening (connect() or the handshake's
	                             * end) to the close; 0 unless start_seen */
	__u64 tx_bytes;             /* payload bytes the peer acknowledged (bytes_acked
	                             * without the SYN and FIN sequence numbers) */
	__u64 rx_bytes;             /* payload bytes received (bytes_received without FIN) */
	__u32 segs_out;
	__u32 segs_in;
	__u32 retrans;              /* tcp_sock.total_retrans */
	__u32 srtt_us;              /* smoothed RTT in microseconds */
	__u8 state;                 /* the TCP state it closed from (TCP_ESTABLISHED...) */
	__u8 closed_by;             /* enum tcpclose_closed_by */
	__u8 opened;                /* enum tcpclose_opened */
	__u8 start_seen;            /* 1: the opening was traced; 0: the connection was
	                             * already open when tracing began (no duration) */
	__u8 _pad[4];
};
_Static_assert(sizeof(struct tcpclose_event) == 136, "tcpclose_event layout");

/* What the kernel side remembers per socket until it closes. */
struct tcpclose_conn {
	__u64 start_ns;             /* when it opened; 0 if that was before tracing began */
	__u64 cgroup_id;
	__u32 pid;
	__u32 tid;
	__u32 uid;
	__u8 owner_known;
	__u8 opened;                /* enum tcpclose_opened, when seen */
	__u8 _pad[2];
	char comm[TASK_COMM_LEN];
};
_Static_assert(sizeof(struct tcpclose_conn) == 48, "tcpclose_conn layout");

/* --metrics-dir: what the kernel sums per (cgroup, who closed) for Prometheus */
struct tcpclose_metric_key {
	__u64 cgroup_id;            /* the owner's; 0 if no owner was seen */
	__u32 closed_by;            /* enum tcpclose_closed_by */
	__u16 family;               /* --metrics-raddr: AF_INET or AF_INET6; else 0 */
	__u16 _pad;
	__u8 raddr[16];             /* --metrics-raddr: the remote address; else zeros */
};
_Static_assert(sizeof(struct tcpclose_metric_key) == 32, "metric key layout");

#define TCPCLOSE_RTT_BUCKETS 15       /* the RTT histogram's bounds and +Inf */
#define TCPCLOSE_DURATION_BUCKETS 12  /* the duration histogram's bounds and +Inf */
struct tcpclose_metric {
	__u64 closes;
	__u64 tx_bytes;             /* as in the events: payload bytes acknowledged */
	__u64 rx_bytes;
	__u64 retransmits;          /* total_retrans of the connections */
	__u64 srtt_us_sum;          /* every close: its smoothed RTT at the end */
	__u64 rtt_buckets[TCPCLOSE_RTT_BUCKETS];
	__u64 duration_ns_sum;      /* of those whose opening was seen */
	__u64 duration_buckets[TCPCLOSE_DURATION_BUCKETS];
};
_Static_assert(sizeof(struct tcpclose_metric) == 264, "metric layout");

#endif
