/* podnet: what the kernel's network stack does with one pod's packets.
 * Raw tracepoints hand us the sk_buff (and sock); packet headers are read
 * at offsets from BTF. Each event is labelled with the network namespace
 * of its device (or socket), which is what selects a pod. */
#include <asm/ptrace.h>
#include "podnet.h"
#include "common.bpf.h"
#include "sock.bpf.h"
#include "context.bpf.h"

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define IPPROTO_ICMP 1
#define IPPROTO_UDP 17
#define IPPROTO_ICMPV6 58
#define NO_HEADER 0xffff        /* skb header offsets not set yet */

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

static __always_inline u32 net_inum(void *net)
{
	u32 inum = 0;
	if (net)
		bpf_probe_read_kernel(&inum, sizeof(inum), (const char *)net + OFF_NET_INUM);
	return inum;
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

static __always_inline u32 dev_netns(void *dev)
{
	return net_inum(read_ptr(dev, OFF_DEV_NET));
}

/* Device name, index and namespace. */
static __always_inline void read_dev(void *dev, struct podnet_event *ev)
{
	if (!kernel_ptr(dev))
		return;
	bpf_probe_read_kernel(ev->ifname, sizeof(ev->ifname), (const char *)dev + OFF_DEV_NAME);
	bpf_probe_read_kernel(&ev->ifindex, sizeof(ev->ifindex), (const char *)dev + OFF_DEV_IFINDEX);
	ev->head.netns = dev_netns(dev);
}

static __always_inline void forget_dev(struct podnet_event *ev)
{
	__builtin_memset(ev->ifname, 0, sizeof(ev->ifname));
	ev->ifindex = 0;
	ev->head.netns = 0;
}

static __always_inline u32 sock_netns_checked(void *sk)
{
	return kernel_ptr(sk) ? sock_netns(sk) : 0;
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
	return kernel_ptr(dev) ? dev_netns(dev) : 0;
}

/* A UDP datagram waiting in a socket's queue has neither device (UDP
 * keeps its own bookkeeping in skb->dev) nor owner (skb->sk) nor route;
 * freed unread when the socket closes, only its arrival knew the
 * namespace. So the receive hooks note each UDP packet's namespace, keyed
 * by the skb and checked against its data buffer at the drop (skb structs
 * are reused for other packets). An LRU map: old entries just fall out. */
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

/* The namespace of a packet that is being dropped, after read_skb(). A
 * drop may happen where skb->dev no longer holds a device (a queue purge
 * at socket close, an skb in TCP's out-of-order tree, whose rb_node
 * overlays it), so a socket comes first: the packet's owner, or the one
 * the kernel says received it (rx_sk: a listener checking a SYN cookie);
 * a device in another namespace than that socket is not the packet's and
 * is forgotten. Without either, read_skb's device or route stands, else
 * a UDP datagram's arrival; 0 when nothing knows (unknown, said so in the
 * output). */
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

struct l4_ports {
	__be16 sport;
	__be16 dport;
	u32 seq;
	u32 ack;
	u8 off;
	u8 flags;
};

/* IP and transport headers at l3. */
static __always_inline void parse_ip(const char *l3, struct podnet_event *ev)
{
	u8 first = 0;
	bpf_probe_read_kernel(&first, 1, l3);
	const char *l4;
	if ((first >> 4) == 4) {
		u8 ip[20] = {};
		bpf_probe_read_kernel(ip, sizeof(ip), l3);
		ev->family = AF_INET;
		ev->proto = ip[9];
		__builtin_memcpy(ev->saddr, &ip[12], 4);
		__builtin_memcpy(ev->daddr, &ip[16], 4);
		l4 = l3 + (ip[0] & 0x0f) * 4;
	} else if ((first >> 4) == 6) {
		u8 ip6[40] = {};
		bpf_probe_read_kernel(ip6, sizeof(ip6), l3);
		ev->family = AF_INET6;
		ev->proto = ip6[6];
		__builtin_memcpy(ev->saddr, &ip6[8], 16);
		__builtin_memcpy(ev->daddr, &ip6[24], 16);
		l4 = l3 + 40;
	} else {
		return;
	}
	if (ev->proto == IPPROTO_TCP || ev->proto == IPPROTO_UDP) {
		struct l4_ports h = {};
		bpf_probe_read_kernel(&h, sizeof(h), l4);
		ev->sport = __builtin_bswap16(h.sport);
		ev->dport = __builtin_bswap16(h.dport);
		if (ev->proto == IPPROTO_TCP)
			ev->tcp_flags = h.flags;
	} else if (ev->proto == IPPROTO_ICMP || ev->proto == IPPROTO_ICMPV6) {
		u8 icmp[2] = {};
		bpf_probe_read_kernel(icmp, sizeof(icmp), l4);
		ev->icmp_type = icmp[0];
		ev->icmp_code = icmp[1];
	}
}

/* The packet: where its IP header is depends on the hook. Received
 * packets have had the link header pulled (data is the IP header); packets
 * on their way out, and those being dropped, have it at network_header. */
static __always_inline void read_skb(void *skb, struct podnet_event *ev, bool at_data)
{
	const char *s = skb;
	void *head = read_ptr(skb, OFF_SKB_HEAD);
	void *data = read_ptr(skb, OFF_SKB_DATA);
	u16 network = NO_HEADER, protocol = 0;
	bpf_probe_read_kernel(&ev->len, sizeof(ev->len), s + OFF_SKB_LEN);
	bpf_probe_read_kernel(&network, sizeof(network), s + OFF_SKB_NETWORK_HEADER);
	bpf_probe_read_kernel(&protocol, sizeof(protocol), s + OFF_SKB_PROTOCOL);
	protocol = __builtin_bswap16(protocol);
	/* the namespace: the device's, else the owning socket's, else the route's */
	read_dev(read_ptr(skb, OFF_SKB_DEV), ev);
	if (!ev->head.netns)
		ev->head.netns = sock_netns_checked(read_ptr(skb, OFF_SKB_SK));
	if (!ev->head.netns)
		ev->head.netns = dst_netns(skb);
	if (protocol != ETH_P_IP && protocol != ETH_P_IPV6)
		return;
	const char *l3 = (at_data || network == NO_HEADER || network == 0) ? data : (const char *)head + network;
	if (l3)
		parse_ip(l3, ev);
}

/* Filters, sampling, the owner where there is one, then out. */
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
}

static __always_inline int on_skb(void *ctx, void *skb, u8 event, u8 hook, bool at_data)
{
	struct podnet_event ev = {};
	ev.event = event;
	ev.hook = hook;
	read_skb(skb, &ev, at_data);
	if (event == EVENT_RX || event == EVENT_DELIVER)
		note_arrival(skb, &ev);
	return report(ctx, &ev);
}

RAW_TRACEPOINT_PROBE(netif_rx)
{
	return on_skb(ctx, (void *)ctx->args[0], EVENT_RX, HOOK_NETIF_RX, true);
}

RAW_TRACEPOINT_PROBE(napi_gro_receive_entry)
{
	return on_skb(ctx, (void *)ctx->args[0], EVENT_RX, HOOK_NAPI_GRO_RECEIVE, true);
}

RAW_TRACEPOINT_PROBE(netif_receive_skb)
{
	return on_skb(ctx, (void *)ctx->args[0], EVENT_DELIVER, HOOK_NETIF_RECEIVE_SKB, true);
}

/* Queued for transmission: forwarded if it came in on another interface. */
RAW_TRACEPOINT_PROBE(net_dev_queue)
{
	void *skb = (void *)ctx->args[0];
	struct podnet_event ev = {};
	ev.hook = HOOK_NET_DEV_QUEUE;
	read_skb(skb, &ev, false);
	int iif = 0;
	bpf_probe_read_kernel(&iif, sizeof(iif), (const char *)skb + OFF_SKB_IIF);
	ev.event = (iif != 0 && (u32)iif != ev.ifindex) ? EVENT_FORWARD : EVENT_TX;
	return report(ctx, &ev);
}

/* Handed to the driver: the device is the tracepoint's own argument, as
 * a veth has already moved the skb to its peer (skb->dev) by now. */
RAW_TRACEPOINT_PROBE(net_dev_xmit)
{
	struct podnet_event ev = {};
	ev.event = EVENT_XMIT;
	ev.hook = HOOK_NET_DEV_XMIT;
	read_skb((void *)ctx->args[0], &ev, false);
	forget_dev(&ev);
	read_dev((void *)ctx->args[2], &ev);
	ev.len = (u32)ctx->args[3];
	return report(ctx, &ev);
}

RAW_TRACEPOINT_PROBE(kfree_skb)
{
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

/* TCP events carry the socket: its tuple and namespace, no device. flags:
 * those of the segment, where the hook implies them. */
static __always_inline int on_sock(void *ctx, void *sk, u8 event, u8 hook, u8 flags)
{
	struct podnet_event ev = {};
	struct tcp_tuple t = {};
	ev.event = event;
	ev.hook = hook;
	ev.tcp_flags = flags;
	if (!sk || !sock_tuple(sk, &t))
		return 0;
	ev.family = t.family;
	ev.proto = IPPROTO_TCP;
	__builtin_memcpy(ev.saddr, t.saddr, 16);
	__builtin_memcpy(ev.daddr, t.daddr, 16);
	ev.sport = t.sport;
	ev.dport = t.dport;
	ev.head.netns = sock_netns(sk);
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

RAW_TRACEPOINT_PROBE(tcp_retransmit_skb)
{
	return on_sock(ctx, (void *)ctx->args[0], EVENT_RETRANSMIT, HOOK_TCP_RETRANSMIT_SKB, 0);
}

#ifdef HAVE_KPROBES
/* The IP-layer path, where the kernel has kprobes: more detail between
 * the device hooks above. Arguments by each function's signature. */
int kprobe__ip_rcv(struct pt_regs *ctx)
{
	return on_skb(ctx, (void *)PT_REGS_PARM1(ctx), EVENT_DELIVER, HOOK_IP_RCV, true);
}

int kprobe__ip_rcv_finish(struct pt_regs *ctx)
{
	return on_skb(ctx, (void *)PT_REGS_PARM3(ctx), EVENT_DELIVER, HOOK_IP_RCV_FINISH, false);
}

int kprobe__ip_output(struct pt_regs *ctx)
{
	return on_skb(ctx, (void *)PT_REGS_PARM3(ctx), EVENT_TX, HOOK_IP_OUTPUT, false);
}

int kprobe__ip_finish_output(struct pt_regs *ctx)
{
	return on_skb(ctx, (void *)PT_REGS_PARM3(ctx), EVENT_TX, HOOK_IP_FINISH_OUTPUT, false);
}

int kprobe____dev_queue_xmit(struct pt_regs *ctx)
{
	return on_skb(ctx, (void *)PT_REGS_PARM1(ctx), EVENT_TX, HOOK_DEV_QUEUE_XMIT, false);
}

int kprobe__br_forward(struct pt_regs *ctx)
{
	return on_skb(ctx, (void *)PT_REGS_PARM2(ctx), EVENT_FORWARD, HOOK_BR_FORWARD, false);
}
#endif
