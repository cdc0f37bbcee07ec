/* podnet's records, shared verbatim by the BPF program and user space. */
#ifndef SOCKLENS_PODNET_H
#define SOCKLENS_PODNET_H

#include "event_common.h"

#define IFNAMSIZ 16

/* what happened to the packet */
enum podnet_event_kind {
	EVENT_RX = 1,         /* received on an interface */
	EVENT_DELIVER = 2,    /* handed up the stack by the interface */
	EVENT_TX = 3,         /* queued for transmission by the local stack */
	EVENT_XMIT = 4,       /* handed to the device driver */
	EVENT_FORWARD = 5,    /* queued for transmission, having come in on another interface */
	EVENT_DROP = 6,       /* freed as dropped (reason) */
	EVENT_RESET = 7,      /* a TCP RST sent or received */
	EVENT_RETRANSMIT = 8, /* a TCP segment sent again */
};

/* which kernel hook reported it */
enum podnet_hook {
	HOOK_NETIF_RX = 1,
	HOOK_NAPI_GRO_RECEIVE = 2,
	HOOK_NETIF_RECEIVE_SKB = 3,
	HOOK_NET_DEV_QUEUE = 4,
	HOOK_NET_DEV_XMIT = 5,
	HOOK_KFREE_SKB = 6,
	HOOK_TCP_SEND_RESET = 7,
	HOOK_TCP_RECEIVE_RESET = 8,
	HOOK_TCP_RETRANSMIT_SKB = 9,
	/* the IP-layer path, where kprobes exist */
	HOOK_IP_RCV = 10,
	HOOK_IP_RCV_FINISH = 11,
	HOOK_IP_OUTPUT = 12,
	HOOK_IP_FINISH_OUTPUT = 13,
	HOOK_DEV_QUEUE_XMIT = 14,
	HOOK_BR_FORWARD = 15,
	HOOK_TCP_V4_SEND_RESET = 16,
	HOOK_TCP_V6_SEND_RESET = 17,
};

/* tunnel the packet carries (its inner packet is in the inner_* fields) */
enum podnet_encap {
	ENCAP_NONE = 0,
	ENCAP_VXLAN = 1,   /* UDP to port 4789 or 8472 (Linux's default) */
	ENCAP_GENEVE = 2,  /* UDP to port 6081 */
	ENCAP_IPIP = 3,    /* IPv4 in IP (protocol 4) */
	ENCAP_IP6 = 4,     /* IPv6 in IP (protocol 41: sit, ip6tnl) */
	ENCAP_GRE = 5,     /* GRE (protocol 47), IP or Ethernet (gretap) inside */
};

/* the packet's shape, where it is not "IP header, then transport header" */
#define SHAPE_FRAG_FIRST 0x01  /* first fragment: carries the transport header */
#define SHAPE_FRAG_LATER 0x02  /* later fragment: no transport header, ports 0 */
#define SHAPE_UNPARSED 0x04    /* headers beyond those walked: proto is the last
                                * header reached, ports 0 */

struct podnet_event {
	struct event_head head;  /* pid/comm only where the hook ran in a task's own
	                          * context (0 and "" otherwise); netns of the packet */
	__u64 location;          /* drop: address of the dropping code */
	__u32 ifindex;
	__u32 len;               /* skb->len */
	__u32 reason;            /* drop: enum skb_drop_reason */
	char ifname[IFNAMSIZ];
	__u8 saddr[16];          /* IPv4 in the first 4 bytes */
	__u8 daddr[16];
	__u16 sport;             /* host order; 0 for non-TCP/UDP */
	__u16 dport;
	__u16 family;            /* AF_INET, AF_INET6, 0 if not IP */
	__u8 proto;              /* IPPROTO_* */
	__u8 event;              /* enum podnet_event_kind */
	__u8 hook;               /* enum podnet_hook */
	__u8 tcp_flags;          /* FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10 URG 0x20 ECE 0x40 CWR 0x80 */
	__u8 icmp_type;
	__u8 icmp_code;
	__u8 encap;              /* enum podnet_encap */
	__u16 vlan;              /* VLAN id of the outermost 802.1Q/802.1ad tag, 0 if none */
	__u8 shape;              /* SHAPE_* bits of the (outer) packet */
	__u8 inner_proto;        /* the tunnelled packet's, where encap is set */
	__u16 inner_family;      /* AF_INET, AF_INET6, 0 if not IP or not reached */
	__u16 inner_sport;
	__u16 inner_dport;
	__u16 ethertype;         /* a packet that is not IP: its link protocol
	                          * (skb->protocol, host order; ETH_P_ARP...); 0 for IP */
	__u8 _pad[2];
	__u8 inner_saddr[16];
	__u8 inner_daddr[16];
};
_Static_assert(sizeof(struct podnet_event) == 176, "podnet_event layout");

/* -c (COUNT_PACKETS): packets counted in the kernel, after the filters and
 * before the sampling, per namespace, interface, event and, for drops,
 * reason and dropping code. */
struct podnet_count_key {
	__u32 netns;             /* 0: nothing at that point knew the namespace */
	__u32 reason;            /* drop: enum skb_drop_reason; 0 otherwise */
	__u64 location;          /* drop: address of the dropping code; 0 otherwise */
	char ifname[IFNAMSIZ];   /* "" where the hook had no device */
	__u8 event;              /* enum podnet_event_kind */
	__u8 _pad[7];
};
_Static_assert(sizeof(struct podnet_count_key) == 40, "podnet_count_key layout");

struct podnet_count_value {
	__u64 packets;
	__u64 bytes;             /* skb->len of each */
};
_Static_assert(sizeof(struct podnet_count_value) == 16, "podnet_count_value layout");

#endif
