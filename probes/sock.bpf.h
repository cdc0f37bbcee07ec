/* Reading a socket's addresses and ports from struct sock. The fields it
 * reads, declared for the tools that include it: */
/* KFIELD OFF_SOCK_FAMILY sock __sk_common.skc_family 2 net/sock.h */
/* KFIELD OFF_SOCK_PROTOCOL sock sk_protocol 2 net/sock.h */
/* KFIELD OFF_INET_SPORT inet_sock inet_sport 2 net/inet_sock.h */
/* KFIELD OFF_SOCK_DPORT sock __sk_common.skc_dport 2 net/sock.h */
/* KFIELD OFF_SOCK_RCV_SADDR sock __sk_common.skc_rcv_saddr 4 net/sock.h */
/* KFIELD OFF_SOCK_DADDR sock __sk_common.skc_daddr 4 net/sock.h */
/* KFIELD OFF_SOCK_V6_RCV_SADDR sock __sk_common.skc_v6_rcv_saddr 16 net/sock.h */
/* KFIELD OFF_SOCK_V6_DADDR sock __sk_common.skc_v6_daddr 16 net/sock.h */
/*
 * typed (probes/typed.bpf.h): sk is a BTF-typed struct sock pointer, a
 * typed raw tracepoint's argument, and the reads are plain loads; false:
 * any other pointer, read with bpf_probe_read_kernel(). A constant at each
 * call site. */

/* The socket as a struct tcp_sock, whose inet_sock and tcp_sock fields lie
 * past struct sock, where a typed load of sk may not reach: typed, the
 * kernel's cast (NULL unless a full TCP socket); else sk itself. */
static __always_inline void *sock_as_tcp(const void *sk, bool typed)
{
	return typed ? (void *)bpf_skc_to_tcp_sock((void *)sk) : (void *)sk;
}

/* The socket's family if it is a TCP socket of AF_INET or AF_INET6, else 0. */
static __always_inline u16 sock_tcp_family(const void *sk, bool typed)
{
	u16 family = FIELD_U16(typed, sk, OFF_SOCK_FAMILY);
	u16 protocol = FIELD_U16(typed, sk, OFF_SOCK_PROTOCOL);
	return (family == AF_INET || family == AF_INET6) && protocol == IPPROTO_TCP ? family : 0;
}

/* Family and ports; false unless a TCP socket of AF_INET or AF_INET6. */
static __always_inline bool sock_ports(const void *sk, struct tcp_tuple *t, bool typed)
{
	u16 family = sock_tcp_family(sk, typed);
	if (!family)
		return false;
	void *tp = sock_as_tcp(sk, typed);
	if (!tp)
		return false;
	t->family = family;
	/* inet_sport, not skc_num: a socket closed by a reset has released its
	 * port (skc_num 0) but still knows it */
	t->sport = __builtin_bswap16(FIELD_U16(typed, tp, OFF_INET_SPORT));
	t->dport = __builtin_bswap16(FIELD_U16(typed, sk, OFF_SOCK_DPORT));
	return true;
}

/* The IPv6 address at sk + off (a KFIELD constant) into to: two loads, typed. */
#define SOCK_ADDR6(typed, sk, off, to)                                                   \
	do {                                                                             \
		if (typed) {                                                             \
			u64 __half[2] = {FIELD_U64(true, sk, off), FIELD_U64(true, sk, (off) + 8)}; \
			__builtin_memcpy(to, __half, 16);                                \
		} else {                                                                 \
			bpf_probe_read_kernel(to, 16, (const char *)(sk) + (off));       \
		}                                                                        \
	} while (0)

/* The local and remote address, of the family sock_ports() found. */
static __always_inline void sock_addrs(const void *sk, struct tcp_tuple *t, bool typed)
{
	if (t->family == AF_INET) {
		u32 saddr = FIELD_U32(typed, sk, OFF_SOCK_RCV_SADDR), daddr = FIELD_U32(typed, sk, OFF_SOCK_DADDR);
		__builtin_memcpy(t->saddr, &saddr, 4);
		__builtin_memcpy(t->daddr, &daddr, 4);
	} else {
		SOCK_ADDR6(typed, sk, OFF_SOCK_V6_RCV_SADDR, t->saddr);
		SOCK_ADDR6(typed, sk, OFF_SOCK_V6_DADDR, t->daddr);
	}
}

/* Family, local and remote address and port; false unless a TCP socket of
 * AF_INET or AF_INET6. */
static __always_inline bool sock_tuple(const void *sk, struct tcp_tuple *t, bool typed)
{
	if (!sock_ports(sk, t, typed))
		return false;
	sock_addrs(sk, t, typed);
	return true;
}

/* The socket's cgroup, as bpf_get_current_cgroup_id() names a task's (the
 * id of its cgroup v2 directory): the cgroup of the task that created the
 * socket; a listener's child keeps the listener's. Kernels 5.15+ keep it
 * as a pointer, which a tool asks for as the group "sockcgroup" (older
 * ones pack it with net_cls/net_prio data, and the group is missing). */
/* KFIELD OFF_SOCK_CGROUP sock sk_cgrp_data.cgroup 8 net/sock.h group:sockcgroup */
/* KFIELD OFF_CGROUP_KN cgroup kn 8 linux/cgroup-defs.h group:sockcgroup */
/* KFIELD OFF_KERNFS_NODE_ID kernfs_node id 8 linux/kernfs.h group:sockcgroup */
#ifdef OFF_SOCK_CGROUP
static __always_inline u64 sock_cgroup_id(const void *sk, bool typed)
{
	void *cgroup = FIELD_PTR(typed, sk, OFF_SOCK_CGROUP);
	void *kn = cgroup ? FIELD_PTR(typed, cgroup, OFF_CGROUP_KN) : NULL;
	return kn ? FIELD_U64(typed, kn, OFF_KERNFS_NODE_ID) : 0;
}
#endif
