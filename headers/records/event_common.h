/* Event parts shared by every tool, and the raw stream header.
 * Read by the BPF program (compiled by libbcc) and by user space alike,
 * so it uses only the __u8..__u64 types both sides have. Every struct is a
 * multiple of 8 bytes with explicit padding: raw output is these bytes. */
#ifndef SOCKLENS_EVENT_COMMON_H
#define SOCKLENS_EVENT_COMMON_H

/* Both sides have it: user space from the system, the BPF side from
 * headers/kernel (or real kernel headers where there is no BTF). */
#include <linux/types.h>

#define TASK_COMM_LEN 16

/* Who and when: filled in process context by every probe. */
struct event_head {
	__u64 ts_ns;      /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u64 cgroup_id;  /* cgroup v2 id of the task */
	__u32 pid;        /* tgid */
	__u32 tid;
	__u32 uid;
	__u32 netns;      /* inode number of the socket's network namespace */
	char comm[TASK_COMM_LEN];
};
_Static_assert(sizeof(struct event_head) == 48, "event_head layout");

/* A TCP 4-tuple; IPv4 addresses use the first 4 bytes. Ports in host order. */
struct tcp_tuple {
	__u8 saddr[16];
	__u8 daddr[16];
	__u16 sport;
	__u16 dport;
	__u16 family;     /* AF_INET (2) or AF_INET6 (10) */
	__u16 _pad;
};
_Static_assert(sizeof(struct tcp_tuple) == 40, "tcp_tuple layout");

/* Raw output (-o raw) starts with this header, then fixed-size records
 * exactly as the kernel wrote them. */
#define RAW_MAGIC "SOCKLENS"
/* Streams written before the project was renamed carry this magic, all
 * of them version 1 (see RAW_VERSION); --read still takes them. */
#define RAW_MAGIC_BEFORE_RENAME "NTRACE01"
/* 2: tcpclose_event.start_seen; tcpconnect_event.start_seen (112 bytes);
 * podnet_event grew to 176 bytes (tunnels, fragments, VLAN).
 * 3: the header grew to 40 bytes: wall_minus_mono_ns, the clock anchor */
#define RAW_VERSION 3
struct raw_stream_header {
	char magic[8];        /* RAW_MAGIC, not NUL-terminated */
	__u32 version;        /* RAW_VERSION */
	__u32 record_size;    /* bytes per record, a multiple of 8 */
	char tool[16];        /* NUL-padded tool name, e.g. "tcpconnect" */
	__u64 wall_minus_mono_ns;  /* CLOCK_REALTIME - CLOCK_MONOTONIC when the stream
	                            * began: a record's wall time is ts_ns + this */
};
_Static_assert(sizeof(struct raw_stream_header) == 40, "raw header layout");

#endif
