/* Reading a socket's addresses and ports from struct sock.
 * Expects the OFF_SOCK_* defines of SOCK_TUPLE_FIELDS (common/kfields.h). */

static __always_inline void *read_ptr(const void *base, u64 off)
{
	void *p = NULL;
	if (base)
		bpf_probe_read_kernel(&p, sizeof(p), (const char *)base + off);
	return p;
}

/* Family, local and remote address and port; false unless a TCP socket of
 * AF_INET or AF_INET6. */
static __always_inline bool sock_tuple(const void *sk, struct tcp_tuple *t)
{
	const char *s = sk;
	u16 family = 0, protocol = 0, sport = 0, dport = 0;
	bpf_probe_read_kernel(&family, sizeof(family), s + OFF_SOCK_FAMILY);
	bpf_probe_read_kernel(&protocol, sizeof(protocol), s + OFF_SOCK_PROTOCOL);
	if ((family != AF_INET && family != AF_INET6) || protocol != IPPROTO_TCP)
		return false;
	t->family = family;
	/* inet_sport, not skc_num: a socket closed by a reset has released its
	 * port (skc_num 0) but still knows it */
	bpf_probe_read_kernel(&sport, sizeof(sport), s + OFF_INET_SPORT);
	bpf_probe_read_kernel(&dport, sizeof(dport), s + OFF_SOCK_DPORT);
	t->sport = __builtin_bswap16(sport);
	t->dport = __builtin_bswap16(dport);
	if (family == AF_INET) {
		bpf_probe_read_kernel(t->saddr, 4, s + OFF_SOCK_RCV_SADDR);
		bpf_probe_read_kernel(t->daddr, 4, s + OFF_SOCK_DADDR);
	} else {
		bpf_probe_read_kernel(t->saddr, 16, s + OFF_SOCK_V6_RCV_SADDR);
		bpf_probe_read_kernel(t->daddr, 16, s + OFF_SOCK_V6_DADDR);
	}
	return true;
}
