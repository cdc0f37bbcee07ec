/* podnet: what the kernel's network stack does with one pod's packets.
 * Raw tracepoints hand us the sk_buff (and sock); packet headers are read
 * at offsets from BTF. Each event is labelled with the network namespace
 * of its device (or socket), which is what selects a pod.
 * Modes (user space defines them):
 *   COUNT_PACKETS  count each packet event that passes the filters in the
 *                  packet_counts map (before sampling), besides emitting it
 *   MODE_COUNT     emit nothing: only the counts (with COUNT_PACKETS)
 *   NO_EVENTS      (--metrics-only, from common code) emit nothing either */
#include <asm/ptrace.h>
#include "podnet.h"
#include "common.bpf.h"
#include "sock.bpf.h"
#include "namefilter.bpf.h"
#include "typed.bpf.h"
/* Only a record names a process, and only the irq context flags say when
 * the current task is the packet's: counting (-c) and --metrics-only send
 * none, so they leave out the flags' four irq hooks, which run on every
 * softirq of the machine (one per packet between two pods on one CPU). */
#if !defined(MODE_COUNT) && !defined(NO_EVENTS)
#define SENDS_RECORDS 1
#include "context.bpf.h"
#endif

/* What podnet reads of packets, devices and routes */
/* KFIELD OFF_SKB_HEAD sk_buff head 8 linux/skbuff.h */
/* KFIELD OFF_SKB_DATA sk_buff data 8 linux/skbuff.h */
/* KFIELD OFF_SKB_LEN sk_buff len 4 linux/skbuff.h */
/* KFIELD OFF_SKB_NETWORK_HEADER sk_buff network_header 2 linux/skbuff.h */
/* KFIELD OFF_SKB_PROTOCOL sk_buff protocol 2 linux/skbuff.h */
/* KFIELD OFF_SKB_DEV sk_buff dev 8 linux/skbuff.h */
/* KFIELD OFF_SKB_SK sk_buff sk 8 linux/skbuff.h */
/* KFIELD OFF_SKB_IIF sk_buff skb_iif 4 linux/skbuff.h */
/* KFIELD OFF_SKB_REFDST sk_buff _skb_refdst 8 linux/skbuff.h */
/* KFIELD OFF_SKB_VLAN_PROTO sk_buff vlan_proto 2 linux/skbuff.h */
/* KFIELD OFF_SKB_VLAN_TCI sk_buff vlan_tci 2 linux/skbuff.h */
/* KFIELD OFF_DST_DEV dst_entry dev 8 net/dst.h */
/* KFIELD OFF_DEV_NAME net_device name 16 linux/netdevice.h */
/* KFIELD OFF_DEV_IFINDEX net_device ifindex 4 linux/netdevice.h */
/* KFIELD OFF_DEV_NET net_device nd_net.net 8 linux/netdevice.h */

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define IPPROTO_ICMP 1
#define IPPROTO_UDP 17
#define IPPROTO_ICMPV6 58
#define NO_HEADER 0xffff        /* skb header offsets not set yet */
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88A8
#define ETH_P_TEB 0x6558        /* Ethernet in a tunnel (gretap, Geneve) */
#define VLAN_VID_MASK 0x0fff
#define MAX_VLAN_TAGS 2         /* QinQ */
#define IPPROTO_IPIP 4
#define IPPROTO_IPV6 41
#define IPPROTO_GRE 47
#define NEXTHDR_HOP 0
#define NEXTHDR_ROUTING 43
#define NEXTHDR_FRAGMENT 44
#define NEXTHDR_AUTH 51
#define NEXTHDR_DEST 60
#define MAX_EXT_HEADERS 8
#define IP_MF 0x2000
#define IP_OFFSET 0x1fff
#define IP6_OFFSET 0xfff8
#define IP6_MF 0x0001
#define GRE_CSUM 0x8000
#define GRE_KEY 0x2000
#define GRE_SEQ 0x1000
#define GRE_VERSION 0x0007
#define VXLAN_PORT 4789
#define VXLAN_LINUX_PORT 8472
#define GENEVE_PORT 6081

/* Packets the filters or the sampling passed over, per CPU: reported. */
BPF_PERCPU_ARRAY(skipped, u64, 2);
#define SKIPPED_FILTER 0
#define SKIPPED_SAMPLE 1

/* True when the user's filters drop this packet. Always defined; the
 * loader fills it from validated integers. */
static __always_inline bool packet_filtered(u32 netns, u64 ifname_lo, u64 ifname_hi, u32 family,
					    u32 proto, u64 saddr_lo, u64 saddr_hi, u64 daddr_lo,
					    u64 daddr_hi, u32 sport, u32 dport, u32 event)
{
	/*FILTER*/
	return false;
}

static __always_inline void count_skipped(int which)
{
	u64 *n = skipped.lookup(&which);
	if (n)
		(*n)++;
}

/* Kernel addresses on x86-64 (4- and 5-level paging) have the top byte all
 * ones. What other layers keep in skb->dev when it is not a device (UDP's
 * dev_scratch: sizes and flags) never does, so this tells them apart
 * before anything is read through it. */
#define KERNEL_ADDR_MIN 0xff00000000000000ULL

static __always_inline bool kernel_ptr(const void *p)
{
	return (u64)p >= KERNEL_ADDR_MIN;
}

/* The inode of a device's namespace (dev->nd_net.net->ns.inum). typed:
 * dev came from a typed pointer (typed.bpf.h). */
static __always_inline u32 dev_netns(void *dev, bool typed)
{
	void *net = FIELD_PTR(typed, dev, OFF_DEV_NET);
	return net ? FIELD_U32(typed, net, OFF_NET_INUM) : 0;
}

/* The device's namespace: read first, so that the namespace filter can
 * pass a packet over before anything else of it is read. */
static __always_inline void read_dev_netns(void *dev, struct podnet_event *ev, bool typed)
{
	if (kernel_ptr(dev))
		ev->head.netns = dev_netns(dev, typed);
}

/* The device's name and index. */
static __always_inline void read_dev_name(void *dev, struct podnet_event *ev, bool typed)
{
	if (!kernel_ptr(dev))
		return;
	u64 name[2] = {FIELD_U64(typed, dev, OFF_DEV_NAME), FIELD_U64(typed, dev, OFF_DEV_NAME + 8)};
	__builtin_memcpy(ev->ifname, name, sizeof(name)); /* ifname is 4-byte aligned */
	ev->ifindex = FIELD_U32(typed, dev, OFF_DEV_IFINDEX);
}

static __always_inline void forget_dev(struct podnet_event *ev)
{
	__builtin_memset(ev->ifname, 0, sizeof(ev->ifname));
	ev->ifindex = 0;
	ev->head.netns = 0;
}

static __always_inline u32 sock_netns_checked(void *sk)
{
	return kernel_ptr(sk) ? sock_netns(sk, false) : 0;
}

/* The namespace of the route the stack chose for the packet
 * (skb_dst(skb)->dev): still set where a packet has lost its device and
 * has no socket (reassembly, netfilter). The low bit of _skb_refdst is a
 * flag (SKB_DST_NOREF), not part of the pointer. */
static __always_inline u32 dst_netns(void *skb)
{
	u64 refdst = 0;
	bpf_probe_read_kernel(&refdst, sizeof(refdst), (const char *)skb + OFF_SKB_REFDST);
	void *dst = (void *)(refdst & ~1ULL);
	void *dev = kernel_ptr(dst) ? read_ptr(dst, OFF_DST_DEV) : NULL;
	return kernel_ptr(dev) ? dev_netns(dev, false) : 0;
}

/* A UDP datagram waiting in a socket's queue has neither device (UDP
 * keeps its own bookkeeping in skb->dev) nor owner (skb->sk) nor route;
 * freed unread when the socket closes, only its arrival knew the
 * namespace. So its delivery (netif_receive_skb) notes each UDP packet's
 * namespace, keyed by the skb and checked against its data buffer at the
 * drop (skb structs are reused for other packets). An LRU map: old
 * entries just fall out. */
#ifdef TRACE_DROP
struct arrival {
	void *head;
	u32 netns;
	u32 _pad;
};
BPF_TABLE("lru_hash", u64, struct arrival, udp_arrivals, 16384);

static __always_inline void note_arrival(void *skb, const struct podnet_event *ev)
{
	if (ev->proto != IPPROTO_UDP || !ev->head.netns)
		return;
	u64 key = (u64)skb;
	struct arrival a = {.head = read_ptr(skb, OFF_SKB_HEAD), .netns = ev->head.netns};
	udp_arrivals.update(&key, &a);
}

static __always_inline u32 arrival_netns(void *skb)
{
	u64 key = (u64)skb;
	struct arrival *a = udp_arrivals.lookup(&key);
	u32 netns = a && a->head == read_ptr(skb, OFF_SKB_HEAD) ? a->netns : 0;
	if (a)
		udp_arrivals.delete(&key);
	return netns;
}
#endif

/* The namespace of a packet that is being dropped, after read_skb(). A
 * drop may happen where skb->dev no longer holds a device (a queue purge
 * at socket close, an skb in TCP's out-of-order tree, whose rb_node
 * overlays it), so a socket comes first: the packet's owner, or the one
 * the kernel says received it (rx_sk: a listener checking a SYN cookie);
 * a device in another namespace than that socket is not the packet's and
 * is forgotten. Without either, read_skb's device or route stands, else
 * a UDP datagram's arrival; 0 when nothing knows (unknown, said so in the
 * output). */
#ifdef TRACE_DROP
static __always_inline void drop_netns(void *skb, void *rx_sk, struct podnet_event *ev)
{
	u32 owner = sock_netns_checked(read_ptr(skb, OFF_SKB_SK));
	if (!owner)
		owner = sock_netns_checked(rx_sk);
	if (owner && owner != ev->head.netns) {
		forget_dev(ev);
		ev->head.netns = owner;
	}
	if (!ev->head.netns && ev->proto == IPPROTO_UDP)
		ev->head.netns = arrival_netns(skb);
}
#endif

struct l4_ports {
	__be16 sport;
	__be16 dport;
	u32 seq;
	u32 ack;
	u8 off;
	u8 flags;
};

/* One IP packet's headers: the packet itself, or the one in its tunnel. */
struct ip_hdrs {
	u8 saddr[16];
	u8 daddr[16];
	const char *l4;     /* its transport header; NULL where it has none */
	u16 family;
	u16 sport;
	u16 dport;
	u8 proto;
	u8 shape;           /* SHAPE_* */
	u8 tcp_flags;
	u8 icmp_type;
	u8 icmp_code;
};

/* IPv4: the header is IHL words long (options); a fragment other than
 * the first carries no transport header, so no ports are read from it. */
static __always_inline bool parse_ipv4(const char *l3, struct ip_hdrs *h)
{
	u8 ip[20] = {};
	if (bpf_probe_read_kernel(ip, sizeof(ip), l3) != 0)
		return false;
	h->family = AF_INET;
	h->proto = ip[9];
	__builtin_memcpy(h->saddr, &ip[12], 4);
	__builtin_memcpy(h->daddr, &ip[16], 4);
	u16 frag = (u16)(ip[6] << 8 | ip[7]);
	if (frag & IP_OFFSET) {
		h->shape |= SHAPE_FRAG_LATER;
		return true;
	}
	if (frag & IP_MF)
		h->shape |= SHAPE_FRAG_FIRST;
	h->l4 = l3 + (ip[0] & 0x0f) * 4;
	return true;
}

/* One test, not five: each branch in the walk below multiplies the paths
 * the verifier has to follow. */
#define EXT_HEADERS ((1ULL << NEXTHDR_HOP) | (1ULL << NEXTHDR_ROUTING) | (1ULL << NEXTHDR_FRAGMENT) | \
		     (1ULL << NEXTHDR_DEST) | (1ULL << NEXTHDR_AUTH))

static __always_inline bool ipv6_ext_header(u8 next)
{
	return next < 64 && ((1ULL << next) & EXT_HEADERS);
}

/* IPv6: up to ext_headers extension headers are walked (a bound: the
 * verifier needs one, and no real packet has more) to the upper-layer
 * protocol. A later fragment stops the walk: its payload is no header. */
static __always_inline bool parse_ipv6(const char *l3, struct ip_hdrs *h, int ext_headers)
{
	u8 ip6[40] = {};
	if (bpf_probe_read_kernel(ip6, sizeof(ip6), l3) != 0)
		return false;
	h->family = AF_INET6;
	__builtin_memcpy(h->saddr, &ip6[8], 16);
	__builtin_memcpy(h->daddr, &ip6[24], 16);
	u8 next = ip6[6];
	const char *p = l3 + 40;
#pragma unroll
	for (int i = 0; i < MAX_EXT_HEADERS; i++) {
		if (i >= ext_headers || !ipv6_ext_header(next))
			break;
		u8 ext[4] = {};
		bpf_probe_read_kernel(ext, sizeof(ext), p);
		if (next == NEXTHDR_FRAGMENT) {
			u16 frag = (u16)(ext[2] << 8 | ext[3]);
			if (frag & IP6_OFFSET) {
				h->shape |= SHAPE_FRAG_LATER;
				h->proto = ext[0];
				return true;
			}
			/* offset 0 and M=0: an atomic fragment, a whole datagram */
			if (frag & IP6_MF)
				h->shape |= SHAPE_FRAG_FIRST;
			p += 8;
		} else if (next == NEXTHDR_AUTH) {
			p += (ext[1] + 2) * 4;   /* AH counts 4-byte words, less 2 */
		} else {
			p += (ext[1] + 1) * 8;
		}
		next = ext[0];
	}
	h->proto = next;
	if (ipv6_ext_header(next))
		h->shape |= SHAPE_UNPARSED;
	else
		h->l4 = p;
	return true;
}

static __always_inline void parse_l4(struct ip_hdrs *h)
{
	if (!h->l4)
		return;
	if (h->proto == IPPROTO_TCP || h->proto == IPPROTO_UDP) {
		struct l4_ports t = {};
		bpf_probe_read_kernel(&t, sizeof(t), h->l4);
		h->sport = __builtin_bswap16(t.sport);
		h->dport = __builtin_bswap16(t.dport);
		if (h->proto == IPPROTO_TCP)
			h->tcp_flags = t.flags;
	} else if (h->proto == IPPROTO_ICMP || h->proto == IPPROTO_ICMPV6) {
		u8 icmp[2] = {};
		bpf_probe_read_kernel(icmp, sizeof(icmp), h->l4);
		h->icmp_type = icmp[0];
		h->icmp_code = icmp[1];
	}
}

/* The IP packet at l3 (version from its first byte), to its ports. */
static __always_inline bool parse_ip(const char *l3, struct ip_hdrs *h, int ext_headers)
{
	u8 first = 0;
	bpf_probe_read_kernel(&first, 1, l3);
	bool ok = (first >> 4) == 4   ? parse_ipv4(l3, h)
		  : (first >> 4) == 6 ? parse_ipv6(l3, h, ext_headers)
				      : false;
	if (ok)
		parse_l4(h);
	return ok;
}

static __always_inline u16 read_be16(const char *p)
{
	u16 v = 0;
	bpf_probe_read_kernel(&v, sizeof(v), p);
	return __builtin_bswap16(v);
}

static __always_inline bool is_vlan(u16 ethertype)
{
	return ethertype == ETH_P_8021Q || ethertype == ETH_P_8021AD;
}

/* The IP header after an Ethernet header (one VLAN tag allowed), or NULL
 * when it carries no IP. */
static __always_inline const char *eth_payload(const char *eth)
{
	u16 type = read_be16(eth + 12);
	const char *p = eth + 14;
	if (is_vlan(type)) {
		type = read_be16(p + 2);
		p += 4;
	}
	return type == ETH_P_IP || type == ETH_P_IPV6 ? p : NULL;
}

static __always_inline const char *by_ethertype(const char *p, u16 type)
{
	if (type == ETH_P_TEB)
		return eth_payload(p);
	return type == ETH_P_IP || type == ETH_P_IPV6 ? p : NULL;
}

/* GRE: 4 bytes, then a 4-byte field for each of the checksum, key and
 * sequence bits set; the protocol is an ethertype. */
static __always_inline const char *gre_payload(const char *gre)
{
	u16 flags = read_be16(gre);
	int len = 4 + ((flags & GRE_CSUM) ? 4 : 0) + ((flags & GRE_KEY) ? 4 : 0) + ((flags & GRE_SEQ) ? 4 : 0);
	return (flags & GRE_VERSION) ? NULL : by_ethertype(gre + len, read_be16(gre + 2));
}

/* Geneve: 8 bytes and options (their length in 4-byte words). */
static __always_inline const char *geneve_payload(const char *gnv)
{
	u8 opt_len = 0;
	bpf_probe_read_kernel(&opt_len, 1, gnv);
	return by_ethertype(gnv + 8 + (opt_len & 0x3f) * 4, read_be16(gnv + 2));
}

/* Where the tunnelled packet starts, and which tunnel: by IP protocol,
 * or for UDP tunnels by their IANA (and Linux default) ports. */
static __always_inline const char *tunnel_payload(const struct ip_hdrs *h, u8 *encap)
{
	if (!h->l4)
		return NULL;
	if (h->proto == IPPROTO_IPIP || h->proto == IPPROTO_IPV6) {
		*encap = h->proto == IPPROTO_IPIP ? ENCAP_IPIP : ENCAP_IP6;
		return h->l4;
	}
	if (h->proto == IPPROTO_GRE) {
		*encap = ENCAP_GRE;
		return gre_payload(h->l4);
	}
	if (h->proto != IPPROTO_UDP)
		return NULL;
	if (h->dport == VXLAN_PORT || h->dport == VXLAN_LINUX_PORT) {
		*encap = ENCAP_VXLAN;
		return eth_payload(h->l4 + 8 + 8);   /* UDP, VXLAN header, then Ethernet */
	}
	if (h->dport == GENEVE_PORT) {
		*encap = ENCAP_GENEVE;
		return geneve_payload(h->l4 + 8);
	}
	return NULL;
}

/* The packet's own headers are the record's; a tunnel's inner packet
 * goes to the inner_* fields (one level: a tunnel in a tunnel is not
 * followed). The inner packet's IPv6 extension headers are not walked:
 * each walk multiplies the verifier's paths by the other's, past its
 * limit; such an inner packet shows its first extension header as proto,
 * without ports. */
static __always_inline void put_tuple(const struct ip_hdrs *h, u16 *family, u8 *proto, u8 *saddr,
				      u8 *daddr, u16 *sport, u16 *dport)
{
	*family = h->family;
	*proto = h->proto;
	__builtin_memcpy(saddr, h->saddr, 16);
	__builtin_memcpy(daddr, h->daddr, 16);
	*sport = h->sport;
	*dport = h->dport;
}

static __always_inline void parse_packet(const char *l3, struct podnet_event *ev)
{
	struct ip_hdrs h = {};
	if (!parse_ip(l3, &h, MAX_EXT_HEADERS))
		return;
	put_tuple(&h, &ev->family, &ev->proto, ev->saddr, ev->daddr, &ev->sport, &ev->dport);
	ev->tcp_flags = h.tcp_flags;
	ev->icmp_type = h.icmp_type;
	ev->icmp_code = h.icmp_code;
	ev->shape = h.shape;
	const char *inner = tunnel_payload(&h, &ev->encap);
	struct ip_hdrs in = {};
	if (inner && parse_ip(inner, &in, 0))
		put_tuple(&in, &ev->inner_family, &ev->inner_proto, ev->inner_saddr, ev->inner_daddr,
			  &ev->inner_sport, &ev->inner_dport);
}

/* VLAN tags still in the packet, in front of the network header (a
 * received frame no device has untagged yet): the outermost tag's id, and
 * the header after them. */
static __always_inline const char *skip_vlan_tags(const char *p, u16 *protocol, struct podnet_event *ev)
{
#pragma unroll
	for (int i = 0; i < MAX_VLAN_TAGS; i++) {
		if (!is_vlan(*protocol))
			break;
		if (!ev->vlan)
			ev->vlan = read_be16(p) & VLAN_VID_MASK;
		*protocol = read_be16(p + 2);
		p += 4;
	}
	return p;
}

/* A tag the device took off, or will put on (skb->vlan_proto/vlan_tci). */
static __always_inline void read_vlan_tag(const char *skb, struct podnet_event *ev)
{
	u16 proto = 0, tci = 0;
	bpf_probe_read_kernel(&proto, sizeof(proto), skb + OFF_SKB_VLAN_PROTO);
	bpf_probe_read_kernel(&tci, sizeof(tci), skb + OFF_SKB_VLAN_TCI);
	if (is_vlan(__builtin_bswap16(proto)))
		ev->vlan = tci & VLAN_VID_MASK;
}

/* The packet's namespace: its device's, else its owning socket's, else
 * its route's. Returns skb->dev, for read_skb_device(). typed: skb is a
 * typed pointer (typed.bpf.h). */
static __always_inline void *read_skb_where(void *skb, struct podnet_event *ev, bool typed)
{
	void *dev = FIELD_PTR(typed, skb, OFF_SKB_DEV);
	read_dev_netns(dev, ev, typed);
	if (!ev->head.netns)
		ev->head.netns = sock_netns_checked(read_ptr(skb, OFF_SKB_SK));
	if (!ev->head.netns)
		ev->head.netns = dst_netns(skb);
	return dev;
}

/* Its length and device (after read_skb_where, which gave dev). */
static __always_inline void read_skb_device(void *skb, void *dev, struct podnet_event *ev, bool typed)
{
	ev->len = FIELD_U32(typed, skb, OFF_SKB_LEN);
	read_dev_name(dev, ev, typed);
}

/* Its headers: VLAN tags, IP, transport, tunnel. Where the IP header is
 * depends on the hook. Received packets have had the link header pulled
 * (data is the IP header); packets on their way out, and those being
 * dropped, have it at network_header. */
static __always_inline void read_skb_packet(void *skb, struct podnet_event *ev, bool at_data)
{
	const char *s = skb;
	void *head = read_ptr(skb, OFF_SKB_HEAD);
	void *data = read_ptr(skb, OFF_SKB_DATA);
	u16 network = NO_HEADER, protocol = 0;
	bpf_probe_read_kernel(&network, sizeof(network), s + OFF_SKB_NETWORK_HEADER);
	bpf_probe_read_kernel(&protocol, sizeof(protocol), s + OFF_SKB_PROTOCOL);
	protocol = __builtin_bswap16(protocol);
	read_vlan_tag(s, ev);
	if (protocol != ETH_P_IP && protocol != ETH_P_IPV6 && !is_vlan(protocol)) {
		ev->ethertype = protocol; /* ARP, LLDP...: named, not parsed */
		return;
	}
	const char *l3 = (at_data || network == NO_HEADER || network == 0) ? data : (const char *)head + network;
	/* a tag in the packet sits at data; on the way out network_header is
	 * already past it */
	if (l3 == data)
		l3 = skip_vlan_tags(l3, &protocol, ev);
	if (protocol != ETH_P_IP && protocol != ETH_P_IPV6 && !is_vlan(protocol))
		ev->ethertype = protocol; /* behind VLAN tags */
	else if (l3)
		parse_packet(l3, ev);
}

/* (The drop and reset paths, rare, read without types.) */
static __always_inline void read_skb(void *skb, struct podnet_event *ev, bool at_data)
{
	read_skb_device(skb, read_skb_where(skb, ev, false), ev, false);
	read_skb_packet(skb, ev, at_data);
}

#ifdef COUNT_PACKETS
#ifndef COUNT_ENTRIES
#define COUNT_ENTRIES 16384
#endif
BPF_HASH(packet_counts, struct podnet_count_key, struct podnet_count_value, COUNT_ENTRIES);

/* Reason and code only for drops: other events' keys stay one per
 * namespace, interface and kind. */
static __always_inline void count_packet(const struct podnet_event *ev)
{
	struct podnet_count_key key = {};
	struct podnet_count_value zero = {};
	key.netns = ev->head.netns;
	key.event = ev->event;
	__builtin_memcpy(key.ifname, ev->ifname, sizeof(key.ifname));
	if (ev->event == EVENT_DROP) {
		key.reason = ev->reason;
		key.location = ev->location;
	}
	struct podnet_count_value *v = packet_counts.lookup_or_try_init(&key, &zero);
	count_one(v ? &v->packets : NULL);
	/* not when len is 0: a TCP event without a packet has none, and the
	 * compiler turns an atomic add of a known 0 into an atomic or, which
	 * kernels before 5.12 refuse ("BPF_STX uses reserved fields") */
	if (v && ev->len)
		__sync_fetch_and_add(&v->bytes, ev->len);
}
#endif

/* Filters, counting, sampling, the owner where there is one, then out. */
static __always_inline int report(void *ctx, struct podnet_event *ev)
{
	u64 name[2] = {};
	__builtin_memcpy(name, ev->ifname, sizeof(name));
	u64 s[2] = {}, d[2] = {};
	__builtin_memcpy(s, ev->saddr, sizeof(s));
	__builtin_memcpy(d, ev->daddr, sizeof(d));
	if (packet_filtered(ev->head.netns, name[0], name[1], ev->family, ev->proto, s[0], s[1], d[0],
			    d[1], ev->sport, ev->dport, ev->event)) {
		count_skipped(SKIPPED_FILTER);
		return 0;
	}
#ifdef COUNT_PACKETS
	count_packet(ev);
#endif
#ifndef SENDS_RECORDS
	return 0;
#else
#if SAMPLE_EVERY > 1
	if (bpf_get_prandom_u32() % SAMPLE_EVERY != 0) {
		count_skipped(SKIPPED_SAMPLE);
		return 0;
	}
#endif
	ev->head.ts_ns = bpf_ktime_get_ns();
	if (in_task_context()) {
		u32 netns = ev->head.netns;
		fill_head(&ev->head);
		ev->head.netns = netns;
	}
	emit(ctx, ev, sizeof(*ev));
	return 0;
#endif
}

/* Each hook is compiled only where an event it makes is traced (TRACE_*
 * from --events; every one without it). A packet's namespace is read
 * first, so that a packet of a namespace the filters leave out is passed
 * over before anything else of it is read (NETNS_FILTERED: the namespace
 * part of the filters; the full filters in report() would drop it the
 * same). */
static __always_inline bool netns_passed_over(const struct podnet_event *ev)
{
#ifdef NETNS_FILTERED
	if (NETNS_FILTERED(ev->head.netns)) {
		count_skipped(SKIPPED_FILTER);
		return true;
	}
#endif
	return false;
}

/* The headers, unless nothing would use them (counting alone, with no
 * filter on them). */
static __always_inline void read_headers_if_used(void *skb, struct podnet_event *ev, bool at_data)
{
#ifndef HEADERS_UNUSED
	read_skb_packet(skb, ev, at_data);
#endif
}

/* A packet event with a device. Where drops are traced, a UDP datagram
 * handed up the stack has its arrival noted (drop_netns): every packet
 * that reaches a socket passes netif_receive_skb, in
 * __netif_receive_skb_core, so it is noted there alone, once per packet. */
static __always_inline int on_skb(void *ctx, void *skb, u8 event, u8 hook, bool at_data, bool typed)
{
	struct podnet_event ev = {};
	ev.event = event;
	ev.hook = hook;
	void *dev = read_skb_where(skb, &ev, typed);
	if (netns_passed_over(&ev))
		return 0;
	read_skb_device(skb, dev, &ev, typed);
#ifdef TRACE_DROP
	if (event == EVENT_DELIVER) {
		read_skb_packet(skb, &ev, at_data);
		note_arrival(skb, &ev);
	} else {
		read_headers_if_used(skb, &ev, at_data);
	}
#else
	read_headers_if_used(skb, &ev, at_data);
#endif
	return report(ctx, &ev);
}

#ifdef TRACE_RX
RAW_TRACEPOINT_PROBE(netif_rx)
{
	return on_skb(ctx, (void *)ctx->args[0], EVENT_RX, HOOK_NETIF_RX, true, TYPED);
}

RAW_TRACEPOINT_PROBE(napi_gro_receive_entry)
{
	return on_skb(ctx, (void *)ctx->args[0], EVENT_RX, HOOK_NAPI_GRO_RECEIVE, true, TYPED);
}
#endif

#ifdef TRACE_DELIVER
RAW_TRACEPOINT_PROBE(netif_receive_skb)
{
	return on_skb(ctx, (void *)ctx->args[0], EVENT_DELIVER, HOOK_NETIF_RECEIVE_SKB, true, TYPED);
}
#elif defined(TRACE_DROP)
/* Drops without deliveries: only the UDP arrivals a drop may need. A
 * packet of a namespace the filters leave out needs none (its drop would
 * be left out the same), and is no event passed over either. */
RAW_TRACEPOINT_PROBE(netif_receive_skb)
{
	void *skb = (void *)ctx->args[0];
	struct podnet_event ev = {};
	read_skb_where(skb, &ev, TYPED);
#ifdef NETNS_FILTERED
	if (NETNS_FILTERED(ev.head.netns))
		return 0;
#endif
	read_skb_packet(skb, &ev, true);
	note_arrival(skb, &ev);
	return 0;
}
#endif

#if defined(TRACE_TX) || defined(TRACE_FORWARD)
/* Queued for transmission: forwarded if it came in on another interface. */
RAW_TRACEPOINT_PROBE(net_dev_queue)
{
	void *skb = (void *)ctx->args[0];
	struct podnet_event ev = {};
	ev.hook = HOOK_NET_DEV_QUEUE;
	void *dev = read_skb_where(skb, &ev, TYPED);
	if (netns_passed_over(&ev))
		return 0;
	read_skb_device(skb, dev, &ev, TYPED);
	read_headers_if_used(skb, &ev, false);
	int iif = (int)FIELD_U32(TYPED, skb, OFF_SKB_IIF);
	ev.event = (iif != 0 && (u32)iif != ev.ifindex) ? EVENT_FORWARD : EVENT_TX;
	return report(ctx, &ev);
}
#endif

#ifdef TRACE_XMIT
/* Handed to the driver: the device is the tracepoint's own argument, as
 * a veth has already moved the skb to its peer (skb->dev) by now. */
RAW_TRACEPOINT_PROBE(net_dev_xmit)
{
	void *skb = (void *)ctx->args[0], *dev = (void *)ctx->args[2];
	struct podnet_event ev = {};
	ev.event = EVENT_XMIT;
	ev.hook = HOOK_NET_DEV_XMIT;
	read_dev_netns(dev, &ev, TYPED);
	if (netns_passed_over(&ev))
		return 0;
	read_dev_name(dev, &ev, TYPED);
	ev.len = (u32)ctx->args[3];
	read_headers_if_used(skb, &ev, false);
	return report(ctx, &ev);
}
#endif

#ifdef TRACE_DROP
/* A reassembled datagram keeps its fragments on the head's frag_list, and
 * freeing the head frees them too (skb_release_data -> kfree_skb_list),
 * each through kfree_skb (with no device, and on some kernels reason
 * NOT_SPECIFIED). One dropped datagram is one drop: when a head is
 * dropped, its fragments are remembered here, and their frees are part of
 * that drop, not drops of their own. */
/* KFIELD OFF_SKB_END sk_buff end 4 linux/skbuff.h */
/* KFIELD OFF_SKB_NEXT sk_buff next 8 linux/skbuff.h */
/* KFIELD OFF_SHINFO_FRAG_LIST skb_shared_info frag_list 8 linux/skbuff.h */
#define MAX_FRAG_LIST 64 /* 64 KiB in 1280-byte fragments: 52 */
BPF_TABLE("lru_hash", u64, u8, freed_with_head, 4096);

static __always_inline void remember_frag_list(void *skb)
{
	/* skb_shinfo(): at head + end (end is an offset on 64-bit kernels) */
	char *head = read_ptr(skb, OFF_SKB_HEAD);
	u32 end = 0;
	bpf_probe_read_kernel(&end, sizeof(end), (const char *)skb + OFF_SKB_END);
	if (!head)
		return;
	void *frag = read_ptr(head + end, OFF_SHINFO_FRAG_LIST);
	u8 one = 1;
	/* a bounded loop (verified since 5.3), not unrolled: clang cannot unroll
	 * a body with a map update 64 times, and says so on stderr */
	for (int i = 0; i < MAX_FRAG_LIST; i++) {
		if (!frag)
			break;
		u64 key = (u64)frag;
		freed_with_head.update(&key, &one);
		frag = read_ptr(frag, OFF_SKB_NEXT);
	}
}

/* True if skb is a fragment freed with its dropped head (forgotten now). */
static __always_inline bool freed_with_dropped_head(void *skb)
{
	u64 key = (u64)skb;
	return freed_with_head.delete(&key) == 0;
}

RAW_TRACEPOINT_PROBE(kfree_skb)
{
	if (freed_with_dropped_head((void *)ctx->args[0]))
		return 0;
	remember_frag_list((void *)ctx->args[0]);
	struct podnet_event ev = {};
	ev.event = EVENT_DROP;
	ev.hook = HOOK_KFREE_SKB;
	ev.location = ctx->args[1];
#ifdef HAVE_DROP_REASON
	ev.reason = (u32)ctx->args[2];
#endif
	void *skb = (void *)ctx->args[0];
	read_skb(skb, &ev, false);
#ifdef HAVE_RX_SK
	drop_netns(skb, (void *)ctx->args[3], &ev);
#else
	drop_netns(skb, NULL, &ev);
#endif
	return report(ctx, &ev);
}
#endif /* TRACE_DROP */

/* TCP events carry the socket: its tuple and namespace, no device. flags:
 * those of the segment, where the hook implies them. */
static __always_inline int on_sock(void *ctx, void *sk, u8 event, u8 hook, u8 flags)
{
	struct podnet_event ev = {};
	struct tcp_tuple t = {};
	ev.event = event;
	ev.hook = hook;
	ev.tcp_flags = flags;
	if (!sk || !sock_tuple(sk, &t, false))
		return 0;
	ev.family = t.family;
	ev.proto = IPPROTO_TCP;
	__builtin_memcpy(ev.saddr, t.saddr, 16);
	__builtin_memcpy(ev.daddr, t.daddr, 16);
	ev.sport = t.sport;
	ev.dport = t.dport;
	ev.head.netns = sock_netns(sk, false);
	return report(ctx, &ev);
}

/* An RST sent in answer to the packet skb (a closed port, a bad segment):
 * its addresses and ports are the packet's, swapped. */
static __always_inline int on_reset_answer(void *ctx, void *skb, u8 hook)
{
	struct podnet_event ev = {};
	ev.event = EVENT_RESET;
	ev.hook = hook;
	read_skb(skb, &ev, false);
	if (ev.tcp_flags & 0x04) /* the kernel never answers an RST with one */
		return 0;
	u8 tmp[16];
	__builtin_memcpy(tmp, ev.saddr, 16);
	__builtin_memcpy(ev.saddr, ev.daddr, 16);
	__builtin_memcpy(ev.daddr, tmp, 16);
	u16 port = ev.sport;
	ev.sport = ev.dport;
	ev.dport = port;
	/* the RST itself: it acknowledges a segment that carried no ACK */
	ev.tcp_flags = (ev.tcp_flags & 0x10) ? 0x04 : 0x14;
	return report(ctx, &ev);
}

#ifdef TRACE_RESET
/* Before Linux 6.10 tcp:tcp_send_reset fires for answers only when a full
 * socket sent them, never for a closed port; where kprobes exist the
 * tcp_v{4,6}_send_reset kprobes below report every answer instead, so the
 * tracepoint keeps only the aborts (no skb) and nothing is counted twice. */
#if defined(HAVE_KPROBES) && defined(SEND_RESET_SOCKET_ONLY)
#define RESET_ANSWERS_BY_KPROBE 1
#endif

RAW_TRACEPOINT_PROBE(tcp_send_reset)
{
	void *sk = (void *)ctx->args[0];
	void *skb = (void *)ctx->args[1];
	if (sk && !skb) /* an abort: RST,ACK from the socket */
		return on_sock(ctx, sk, EVENT_RESET, HOOK_TCP_SEND_RESET, 0x14);
#ifdef RESET_ANSWERS_BY_KPROBE
	return 0;
#else
	if (!skb)
		return 0;
	return on_reset_answer(ctx, skb, HOOK_TCP_SEND_RESET);
#endif
}

#ifdef RESET_ANSWERS_BY_KPROBE
int kprobe__tcp_v4_send_reset(struct pt_regs *ctx)
{
	return on_reset_answer(ctx, (void *)PT_REGS_PARM2(ctx), HOOK_TCP_V4_SEND_RESET);
}

int kprobe__tcp_v6_send_reset(struct pt_regs *ctx)
{
	return on_reset_answer(ctx, (void *)PT_REGS_PARM2(ctx), HOOK_TCP_V6_SEND_RESET);
}
#endif

RAW_TRACEPOINT_PROBE(tcp_receive_reset)
{
	return on_sock(ctx, (void *)ctx->args[0], EVENT_RESET, HOOK_TCP_RECEIVE_RESET, 0x04);
}
#endif

#ifdef TRACE_RETRANSMIT
RAW_TRACEPOINT_PROBE(tcp_retransmit_skb)
{
	return on_sock(ctx, (void *)ctx->args[0], EVENT_RETRANSMIT, HOOK_TCP_RETRANSMIT_SKB, 0);
}
#endif

#if defined(HAVE_KPROBES) && !defined(DEVICE_HOOKS_ONLY)
/* The IP-layer path, where the kernel has kprobes: more detail between
 * the device hooks above (not for counting without --events, which counts
 * at one device hook each way: DEVICE_HOOKS_ONLY). The skb is argument n,
 * by each function's signature. */
#define SKB_KPROBE(fn, n, event, hook, first)                                         \
	int kprobe__##fn(struct pt_regs *ctx)                                         \
	{                                                                             \
		return on_skb(ctx, (void *)PT_REGS_PARM##n(ctx), event, hook, first, false); \
	}
#ifdef TRACE_DELIVER
SKB_KPROBE(ip_rcv, 1, EVENT_DELIVER, HOOK_IP_RCV, true)
SKB_KPROBE(ip_rcv_finish, 3, EVENT_DELIVER, HOOK_IP_RCV_FINISH, false)
#endif
#ifdef TRACE_TX
SKB_KPROBE(ip_output, 3, EVENT_TX, HOOK_IP_OUTPUT, false)
SKB_KPROBE(ip_finish_output, 3, EVENT_TX, HOOK_IP_FINISH_OUTPUT, false)
SKB_KPROBE(__dev_queue_xmit, 1, EVENT_TX, HOOK_DEV_QUEUE_XMIT, false)
#endif
#ifdef TRACE_FORWARD
SKB_KPROBE(br_forward, 2, EVENT_FORWARD, HOOK_BR_FORWARD, false)
#endif
#endif
