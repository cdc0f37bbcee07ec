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

/* The socket's family if it is a TCP socket of AF_INET or AF_INET6, else 0. */
static __always_inline u16 sock_tcp_family(const void *sk)
{
	const char *s = sk;
	u16 family = 0, protocol = 0;
	bpf_probe_read_kernel(&family, sizeof(family), s + OFF_SOCK_FAMILY);
	bpf_probe_read_kernel(&protocol, sizeof(protocol), s + OFF_SOCK_PROTOCOL);
	return (family == AF_INET || family == AF_INET6) && protocol == IPPROTO_TCP ? family : 0;
}

/* Family and ports; false unless a TCP socket of AF_INET or AF_INET6. */
static __always_inline bool sock_ports(const void *sk, struct tcp_tuple *t)
{
	const char *s = sk;
	u16 family = sock_tcp_family(sk), sport = 0, dport = 0;
	if (!family)
		return false;
	t->family = family;
	/* inet_sport, not skc_num: a socket closed by a reset has released its
	 * port (skc_num 0) but still knows it */
	bpf_probe_read_kernel(&sport, sizeof(sport), s + OFF_INET_SPORT);
	bpf_probe_read_kernel(&dport, sizeof(dport), s + OFF_SOCK_DPORT);
	t->sport = __builtin_bswap16(sport);
	t->dport = __builtin_bswap16(dport);
	return true;
}

/* The local and remote address, of the family sock_ports() found. */
static __always_inline void sock_addrs(const void *sk, struct tcp_tuple *t)
{
	const char *s = sk;
	if (t->family == AF_INET) {
		bpf_probe_read_kernel(t->saddr, 4, s + OFF_SOCK_RCV_SADDR);
		bpf_probe_read_kernel(t->daddr, 4, s + OFF_SOCK_DADDR);
	} else {
		bpf_probe_read_kernel(t->saddr, 16, s + OFF_SOCK_V6_RCV_SADDR);
		bpf_probe_read_kernel(t->daddr, 16, s + OFF_SOCK_V6_DADDR);
	}
}

/* Family, local and remote address and port; false unless a TCP socket of
 * AF_INET or AF_INET6. */
static __always_inline bool sock_tuple(const void *sk, struct tcp_tuple *t)
{
	if (!sock_ports(sk, t))
		return false;
	sock_addrs(sk, t);
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
static __always_inline u64 sock_cgroup_id(const void *sk)
{
	void *cgroup = NULL, *kn = NULL;
	u64 id = 0;
	bpf_probe_read_kernel(&cgroup, sizeof(cgroup), (const char *)sk + OFF_SOCK_CGROUP);
	if (cgroup)
		bpf_probe_read_kernel(&kn, sizeof(kn), (const char *)cgroup + OFF_CGROUP_KN);
	if (kn)
		bpf_probe_read_kernel(&id, sizeof(id), (const char *)kn + OFF_KERNFS_NODE_ID);
	return id;
}
#endif
