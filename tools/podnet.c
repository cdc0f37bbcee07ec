/* podnet: what the kernel's network stack does with one pod's packets —
 * received, delivered, queued, transmitted, forwarded, dropped (and why),
 * reset, retransmitted. A pod is a network namespace. */
#include "podnet.h"

#include "errors.h"
#include "fmt.h"
#include "kfeatures.h"
#include "kfields.h"
#include "ksyms.h"
#include "layout.h"
#include "opts.h"
#include "output.h"
#include "packetopts.h"
#include "parse.h"
#include "pods.h"
#include "program.h"
#include "runloop.h"

#include <bcc/libbpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const char podnet_bpf_text[];

enum {
	OPT_CONTAINER = 3000, OPT_POD_CGROUP, OPT_IFNAME, OPT_IP, OPT_PROTO, OPT_PORT, OPT_DROPS, OPT_SAMPLE,
};

struct podnet_opts {
	struct common_opts *common;
	unsigned sample;   /* 1 in N */
};

static const struct tool_option options[] = {
	{"pid", 'p', "PID[,PID...]", "the pod of these processes (their network namespace)"},
	{"cgroup", OPT_POD_CGROUP, "PATH", "the pod of the processes in this cgroup v2 directory"},
	{"container", OPT_CONTAINER, "ID-PREFIX", "the pod of this container (found via /proc/*/cgroup)"},
	{"ifname", OPT_IFNAME, "NAME", "only packets on this interface"},
	{"ip", OPT_IP, "ADDR", "only packets from or to this IPv4 or IPv6 address"},
	{"proto", OPT_PROTO, "PROTO", "only tcp, udp or icmp (ICMPv6 too) packets"},
	{"port", OPT_PORT, "PORT[,PORT...]", "only packets from or to these ports"},
	{"drops", OPT_DROPS, NULL, "only drops"},
	{"sample", OPT_SAMPLE, "N", "report 1 packet in N, chosen at random in the kernel"},
	{0},
};

/* podnet follows packets, not a user's processes */
static const char *const without[] = {"uid", NULL};

static const char examples[] =
	"  podnet --netns /run/netns/pod1        # every packet event of one pod\n"
	"  podnet -p 4242                        # the pod process 4242 runs in\n"
	"  podnet --container 3f9a1c             # the pod of a container\n"
	"  podnet --cgroup /sys/fs/cgroup/kubepods.slice/kubepods-pod1234.slice\n"
	"  podnet --drops -j | jq -r .reason     # why packets are dropped, every pod\n"
	"  podnet --netns /run/netns/pod1 --proto tcp --port 443 --sample 100\n";

static void handle_option(int key, const char *arg, void *ctx)
{
	struct podnet_opts *t = ctx;
	struct filter_spec *f = &t->common->filter;
	switch (key) {
	case 'p': pod_of_pid(f, "--pid", arg); break;
	case OPT_POD_CGROUP: pod_of_cgroup(f, "--cgroup", arg); break;
	case OPT_CONTAINER: pod_of_container(f, "--container", arg); break;
	case OPT_IFNAME: filter_set_ifname(f, "--ifname", arg); break;
	case OPT_IP: filter_set_ip(f, "--ip", arg); break;
	case OPT_PROTO: filter_set_proto(f, "--proto", arg); break;
	case OPT_PORT:
		f->nports += parse_list("--port", "port", arg, 1, 65535, f->ports + f->nports,
					FILTER_MAX_PORTS - f->nports);
		break;
	case OPT_DROPS: f->drops_only = true; break;
	case OPT_SAMPLE: t->sample = (unsigned)parse_one("--sample", "sampling rate", arg, 1, 1000000); break;
	}
}

static const struct kernel_field kernel_fields[] = {
	SOCK_TUPLE_FIELDS,
	{"OFF_SKB_HEAD", "sk_buff", "head", "linux/skbuff.h"},
	{"OFF_SKB_DATA", "sk_buff", "data", "linux/skbuff.h"},
	{"OFF_SKB_LEN", "sk_buff", "len", "linux/skbuff.h"},
	{"OFF_SKB_NETWORK_HEADER", "sk_buff", "network_header", "linux/skbuff.h"},
	{"OFF_SKB_PROTOCOL", "sk_buff", "protocol", "linux/skbuff.h"},
	{"OFF_SKB_DEV", "sk_buff", "dev", "linux/skbuff.h"},
	{"OFF_SKB_SK", "sk_buff", "sk", "linux/skbuff.h"},
	{"OFF_SKB_IIF", "sk_buff", "skb_iif", "linux/skbuff.h"},
	{"OFF_SKB_REFDST", "sk_buff", "_skb_refdst", "linux/skbuff.h"},
	{"OFF_SKB_VLAN_PROTO", "sk_buff", "vlan_proto", "linux/skbuff.h"},
	{"OFF_SKB_VLAN_TCI", "sk_buff", "vlan_tci", "linux/skbuff.h"},
	{"OFF_DST_DEV", "dst_entry", "dev", "net/dst.h"},
	{"OFF_DEV_NAME", "net_device", "name", "linux/netdevice.h"},
	{"OFF_DEV_IFINDEX", "net_device", "ifindex", "linux/netdevice.h"},
	{"OFF_DEV_NET", "net_device", "nd_net.net", "linux/netdevice.h"},
	{"OFF_TASK_FLAGS", "task_struct", "flags", "linux/sched.h"},
	{0},
};

#define RAW(name) {.kind = PROBE_RAW_TRACEPOINT, .target = #name, .fn = "raw_tracepoint__" #name}
/* optional: only the first says, once, what is missing without kprobes */
#define KPROBE(name, what) \
	{.kind = PROBE_KPROBE, .target = #name, .fn = "kprobe__" #name, .optional = true, .covers = what}
static const struct probe probes[] = {
	RAW(netif_rx), RAW(napi_gro_receive_entry), RAW(netif_receive_skb), RAW(net_dev_queue),
	RAW(net_dev_xmit), RAW(kfree_skb), RAW(tcp_send_reset), RAW(tcp_receive_reset),
	RAW(tcp_retransmit_skb),
	RAW(softirq_entry), RAW(softirq_exit), RAW(irq_handler_entry), RAW(irq_handler_exit),
	KPROBE(ip_rcv, "events of the IP-layer path (ip_rcv, ip_output, __dev_queue_xmit, br_forward...)"),
	KPROBE(ip_rcv_finish, NULL), KPROBE(ip_output, NULL), KPROBE(ip_finish_output, NULL),
	KPROBE(__dev_queue_xmit, NULL), KPROBE(br_forward, NULL),
	KPROBE(tcp_v4_send_reset, "resets sent to a closed port (tcp:tcp_send_reset misses them before 6.10)"),
	KPROBE(tcp_v6_send_reset, NULL),
	{0},
};

static const char *const event_names[] = {
	"?", "rx", "deliver", "tx", "xmit", "forward", "drop", "reset", "retransmit",
};
static const char *const hook_names[] = {
	"?", "netif_rx", "napi_gro_receive_entry", "netif_receive_skb", "net_dev_queue",
	"net_dev_xmit", "kfree_skb", "tcp_send_reset", "tcp_receive_reset", "tcp_retransmit_skb",
	"ip_rcv", "ip_rcv_finish", "ip_output", "ip_finish_output", "__dev_queue_xmit", "br_forward",
	"tcp_v4_send_reset", "tcp_v6_send_reset",
};
static const char *const encap_names[] = {"", "vxlan", "geneve", "ipip", "ip6", "gre"};
#define NAME_OF(table, i) ((i) < sizeof table / sizeof *table ? table[i] : "?")

enum {
	F_TIME_CLOCK, F_TIME_REL, F_TYPE, F_TIME, F_TS, F_NETNS, F_IFNAME, F_IFINDEX, F_EVENT, F_HOOK,
	F_PROTO, F_FAMILY, F_SRC, F_ARROW, F_DST, F_SADDR, F_SPORT, F_DADDR, F_DPORT, F_LEN,
	F_DETAIL, F_FLAGS, F_ICMP_TYPE, F_ICMP_CODE, F_REASON, F_FUNCTION, F_FRAGMENT, F_UNPARSED,
	F_VLAN, F_ENCAP, F_INNER_FAMILY, F_INNER_PROTO, F_INNER_SADDR, F_INNER_SPORT, F_INNER_DADDR,
	F_INNER_DPORT, F_PID, F_TID, F_COMM, NFIELDS
};

static struct column columns[] = {
	{"TIME", -8, NULL, true, F_TIME_CLOCK},
	{"TIME(s)", -11, NULL, false, F_TIME_REL},
	{NULL, 0, "type", false, F_TYPE},
	{NULL, 0, "time", false, F_TIME},
	{NULL, 0, "ts_ns", false, F_TS},
	{"NETNS", -10, "netns", true, F_NETNS},
	{"IFNAME", -10, "ifname", true, F_IFNAME},
	{NULL, 0, "ifindex", false, F_IFINDEX},
	{"EVENT", -10, "event", true, F_EVENT},
	{NULL, 0, "hook", false, F_HOOK},
	{"PROTO", -5, "proto", true, F_PROTO},
	{NULL, 0, "family", false, F_FAMILY},
	{"SADDR:SPORT", -22, NULL, true, F_SRC},
	{">", 1, NULL, true, F_ARROW},
	{"DADDR:DPORT", -22, NULL, true, F_DST},
	{NULL, 0, "saddr", false, F_SADDR},
	{NULL, 0, "sport", false, F_SPORT},
	{NULL, 0, "daddr", false, F_DADDR},
	{NULL, 0, "dport", false, F_DPORT},
	{"LEN", 6, "len", true, F_LEN},
	{"FLAGS/REASON", -12, NULL, true, F_DETAIL},
	{NULL, 0, "flags", false, F_FLAGS},
	{NULL, 0, "icmp_type", false, F_ICMP_TYPE},
	{NULL, 0, "icmp_code", false, F_ICMP_CODE},
	{NULL, 0, "reason", false, F_REASON},
	{NULL, 0, "function", false, F_FUNCTION},
	{NULL, 0, "fragment", false, F_FRAGMENT},
	{NULL, 0, "unparsed", false, F_UNPARSED},
	{NULL, 0, "vlan", false, F_VLAN},
	{NULL, 0, "encap", false, F_ENCAP},
	{NULL, 0, "inner_family", false, F_INNER_FAMILY},
	{NULL, 0, "inner_proto", false, F_INNER_PROTO},
	{NULL, 0, "inner_saddr", false, F_INNER_SADDR},
	{NULL, 0, "inner_sport", false, F_INNER_SPORT},
	{NULL, 0, "inner_daddr", false, F_INNER_DADDR},
	{NULL, 0, "inner_dport", false, F_INNER_DPORT},
	{NULL, 0, "pid", false, F_PID},
	{NULL, 0, "tid", false, F_TID},
	{NULL, 0, "comm", false, F_COMM},
};
#define NCOLS ((int)(sizeof columns / sizeof *columns))

struct run {
	struct output out;
	const char **reasons;   /* skb_drop_reason names from BTF */
	int nreasons;
};

static const char *proto_name(unsigned p, char *buf, size_t size)
{
	switch (p) {
	case 6: return "tcp";
	case 17: return "udp";
	case 1: return "icmp";
	case 58: return "icmp6";
	}
	snprintf(buf, size, "%u", p);
	return buf;
}

static void tcp_flags_text(unsigned flags, char *out, size_t size)
{
	static const char *const names[] = {"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"};
	static const int order[] = {1, 0, 2, 3, 4, 5, 6, 7};   /* SYN first, as people say it */
	size_t n = 0;
	out[0] = '\0';
	for (int i = 0; i < 8; i++)
		if (flags & (1u << order[i]))
			n += (size_t)snprintf(out + n, n < size ? size - n : 0, "%s%s", n ? "," : "",
					      names[order[i]]);
}

static void endpoint(char *out, size_t size, unsigned family, const char *addr, unsigned port, bool ports)
{
	if (family == 0)
		snprintf(out, size, "-");
	else if (!ports)
		snprintf(out, size, "%s", addr);
	else if (family == 10)
		snprintf(out, size, "[%s]:%u", addr, port);
	else
		snprintf(out, size, "%s:%u", addr, port);
}

static unsigned family_number(unsigned af)
{
	return af == 10 ? 6 : af == 2 ? 4 : 0;
}

static const char *fragment_name(unsigned shape)
{
	return shape & SHAPE_FRAG_LATER ? "later" : shape & SHAPE_FRAG_FIRST ? "first" : "";
}

/* Ports are shown only where the packet carries them: TCP or UDP with
 * its transport header in this packet (not a later fragment). */
static bool has_ports(unsigned proto, unsigned shape)
{
	return (proto == 6 || proto == 17) && !(shape & (SHAPE_FRAG_LATER | SHAPE_UNPARSED));
}

/* The tunnelled packet, for the text: "vxlan[udp 10.0.0.1:5>10.0.0.2:7300]". */
static void inner_text(const struct podnet_event *e, const char *saddr, const char *daddr, char *out,
		       size_t size)
{
	char pbuf[8], src[64], dst[64];
	bool ports = has_ports(e->inner_proto, 0);
	endpoint(src, sizeof src, e->inner_family, saddr, e->inner_sport, ports);
	endpoint(dst, sizeof dst, e->inner_family, daddr, e->inner_dport, ports);
	if (e->inner_family)
		snprintf(out, size, "%s[%s %s>%s]", NAME_OF(encap_names, e->encap),
			 proto_name(e->inner_proto, pbuf, sizeof pbuf), src, dst);
	else
		snprintf(out, size, "%s[?]", NAME_OF(encap_names, e->encap));
}

/* What the text adds after flags or reason: VLAN, fragment, tunnel,
 * headers not parsed. */
static void shape_text(const struct podnet_event *e, const char *isaddr, const char *idaddr, char *out,
		       size_t size)
{
	char inner[180] = "";
	size_t n = 0;
	if (e->encap)
		inner_text(e, isaddr, idaddr, inner, sizeof inner);
	out[0] = '\0';
	if (e->vlan)
		n += (size_t)snprintf(out + n, n < size ? size - n : 0, " vlan=%u", e->vlan);
	if (e->shape & (SHAPE_FRAG_FIRST | SHAPE_FRAG_LATER))
		n += (size_t)snprintf(out + n, n < size ? size - n : 0, " frag=%s", fragment_name(e->shape));
	if (e->shape & SHAPE_UNPARSED)
		n += (size_t)snprintf(out + n, n < size ? size - n : 0, " unparsed");
	if (e->encap)
		snprintf(out + n, n < size ? size - n : 0, " %s", inner);
}

/* Both addresses as text, where the packet is IP ("" otherwise). */
static void addr_pair(unsigned family, const uint8_t *s, const uint8_t *d, char *stext, char *dtext)
{
	if (!family)
		return;
	fmt_addr(stext, ADDR_TEXT_LEN, family, s);
	fmt_addr(dtext, ADDR_TEXT_LEN, family, d);
}

/* The FLAGS/REASON column: the drop's reason@function, the ICMP type and
 * code, or the TCP flags; then the packet's shape (" vlan=100 ..."). */
static void detail_text(const struct podnet_event *e, const char *reason, const char *function,
			const char *flags, const char *shape, char *out, size_t size)
{
	if (e->event == EVENT_DROP)
		snprintf(out, size, "%s%s%s%s", reason, function[0] ? "@" : "", function, shape);
	else if (e->proto == 1 || e->proto == 58)
		snprintf(out, size, "type=%u code=%u%s", e->icmp_type, e->icmp_code, shape);
	else   /* no leading space where nothing comes before */
		snprintf(out, size, "%s%s", flags, flags[0] ? shape : shape + (shape[0] == ' '));
}

static const char *reason_name(const struct run *r, unsigned reason, char *buf, size_t size)
{
	if (!r->nreasons) /* before 5.17 the kernel gives no reason: the function tells */
		return "";
	if (reason < (unsigned)r->nreasons && r->reasons[reason])
		return r->reasons[reason];
	snprintf(buf, size, "REASON_%u", reason);
	return buf;
}

static int on_event(void *ctx, const void *data, size_t size)
{
	struct run *r = ctx;
	if (output_raw_or_short(&r->out, data, size, sizeof(struct podnet_event)))
		return 0;
	const struct podnet_event *e = data;
	char rel[TIME_TEXT_LEN], clock[TIME_TEXT_LEN], iso[TIME_TEXT_LEN], pbuf[8], ipbuf[8], rbuf[24];
	char saddr[ADDR_TEXT_LEN] = "", daddr[ADDR_TEXT_LEN] = "", src[64], dst[64];
	char flags[40] = "", detail[400] = "", function[128] = "";
	uint64_t wall = mono_to_wall_ns(e->head.ts_ns);
	fmt_since_start(rel, sizeof rel, e->head.ts_ns);
	fmt_clock(clock, sizeof clock, wall);
	fmt_rfc3339(iso, sizeof iso, wall);
	char isaddr[ADDR_TEXT_LEN] = "", idaddr[ADDR_TEXT_LEN] = "", shape[240];
	addr_pair(e->family, e->saddr, e->daddr, saddr, daddr);
	addr_pair(e->inner_family, e->inner_saddr, e->inner_daddr, isaddr, idaddr);
	shape_text(e, isaddr, idaddr, shape, sizeof shape);
	bool ports = has_ports(e->proto, e->shape);
	endpoint(src, sizeof src, e->family, saddr, e->sport, ports);
	endpoint(dst, sizeof dst, e->family, daddr, e->dport, ports);
	if (e->proto == 6)
		tcp_flags_text(e->tcp_flags, flags, sizeof flags);
	const char *reason = e->event == EVENT_DROP ? reason_name(r, e->reason, rbuf, sizeof rbuf) : "";
	if (e->event == EVENT_DROP)
		snprintf(function, sizeof function, "%s", ksym_name(e->location));
	detail_text(e, reason, function, flags, shape, detail, sizeof detail);

	struct cell c[NFIELDS] = {
		[F_TIME_CLOCK] = cell_str(clock), [F_TIME_REL] = cell_str(rel),
		[F_TYPE] = cell_str("packet"), [F_TIME] = cell_str(iso), [F_TS] = cell_u64(e->head.ts_ns),
		[F_NETNS] = cell_u64(e->head.netns), [F_IFNAME] = cell_strn(e->ifname, sizeof e->ifname),
		[F_IFINDEX] = cell_u64(e->ifindex), [F_EVENT] = cell_str(NAME_OF(event_names, e->event)),
		[F_HOOK] = cell_str(NAME_OF(hook_names, e->hook)),
		[F_PROTO] = cell_str(proto_name(e->proto, pbuf, sizeof pbuf)),
		[F_FAMILY] = cell_u64(family_number(e->family)),
		[F_SRC] = cell_str(src), [F_ARROW] = cell_str(">"), [F_DST] = cell_str(dst),
		[F_SADDR] = cell_str(saddr), [F_SPORT] = cell_u64(e->sport),
		[F_DADDR] = cell_str(daddr), [F_DPORT] = cell_u64(e->dport), [F_LEN] = cell_u64(e->len),
		[F_DETAIL] = cell_str(detail), [F_FLAGS] = cell_str(flags),
		[F_ICMP_TYPE] = cell_u64(e->icmp_type), [F_ICMP_CODE] = cell_u64(e->icmp_code),
		[F_REASON] = cell_str(reason), [F_FUNCTION] = cell_str(function),
		[F_FRAGMENT] = cell_str(fragment_name(e->shape)),
		[F_UNPARSED] = cell_u64(!!(e->shape & SHAPE_UNPARSED)), [F_VLAN] = cell_u64(e->vlan),
		[F_ENCAP] = cell_str(NAME_OF(encap_names, e->encap)),
		[F_INNER_FAMILY] = cell_u64(family_number(e->inner_family)),
		[F_INNER_PROTO] = cell_str(e->inner_family ? proto_name(e->inner_proto, ipbuf, sizeof ipbuf) : ""),
		[F_INNER_SADDR] = cell_str(isaddr), [F_INNER_SPORT] = cell_u64(e->inner_sport),
		[F_INNER_DADDR] = cell_str(idaddr), [F_INNER_DPORT] = cell_u64(e->inner_dport),
		[F_PID] = cell_u64(e->head.pid), [F_TID] = cell_u64(e->head.tid),
		[F_COMM] = cell_strn(e->head.comm, sizeof e->head.comm),
	};
	/* no device at that hook (a socket event, a drop after the device was
	 * let go): said as such, never guessed */
	if (e->ifname[0] == '\0')
		c[F_IFNAME] = cell_str("-");
	if (e->head.netns == 0)   /* nothing at that point knew the namespace */
		c[F_NETNS] = cell_null();
	output_row(&r->out, c);
	return 0;
}

/* What the filters and the sampling passed over: not losses, but said. */
static void report_skipped(int fd, const struct output *out, unsigned sample)
{
	int ncpus = possible_cpus();
	uint64_t totals[2] = {0, 0};
	for (int key = 0; key < 2; key++) {
		uint64_t vals[ncpus > 0 ? ncpus : 1];
		if (fd >= 0 && bpf_lookup_elem(fd, &key, vals) == 0)
			for (int i = 0; i < ncpus; i++)
				totals[key] += vals[i];
	}
	if (out->format == OUT_JSON)
		printf("{\"type\":\"skipped\",\"filtered\":%llu,\"sampled_out\":%llu,\"sample\":%u}\n",
		       (unsigned long long)totals[0], (unsigned long long)totals[1], sample);
	if (totals[0] || totals[1])
		note("%llu packet events skipped by the filters, %llu by sampling (1 in %u)",
		     (unsigned long long)totals[0], (unsigned long long)totals[1], sample);
}

int main(int argc, char **argv)
{
	struct common_opts o;
	struct podnet_opts t = {.common = &o, .sample = 1};
	const struct tool_desc desc = {
		"podnet", "Trace what the network stack does with one pod's packets: rx, tx, forward, drop...",
		examples, options, without, handle_option, &t,
	};
	parse_options(argc, argv, &desc, &o);

	struct run r = {0};
	r.nreasons = layout_enum_names("skb_drop_reason", "SKB_DROP_REASON_", &r.reasons);
	char defines[256];
	/* kfree_skb passes the receiving socket (rx_sk) on Linux 6.11 and later */
	snprintf(defines, sizeof defines, "#define SAMPLE_EVERY %u\n%s%s%s", t.sample,
		 r.nreasons ? "#define HAVE_DROP_REASON 1\n" : "",
		 layout_tracepoint_nargs("tcp_send_reset") == 2 ? "#define SEND_RESET_SOCKET_ONLY 1\n" : "",
		 layout_tracepoint_nargs("kfree_skb") >= 4 ? "#define HAVE_RX_SK 1\n" : "");
	struct program prog;
	program_build(&prog, "podnet", &o, defines, kernel_fields, podnet_bpf_text);
	program_start(&prog, probes, &o, on_event, &r);
	columns[0].text = o.time != TIME_SINCE_START;
	columns[1].text = o.time == TIME_SINCE_START;
	output_init(&r.out, o.format, !o.no_header, columns, NCOLS);
	program_run(&prog, &r.out, &o, sizeof(struct podnet_event),
		    o.filter.nnetns ? "the pod's packets" : "packets in every network namespace");
	report_skipped(program_map_fd(&prog, "skipped"), &r.out, t.sample);
	flush_or_exit(stdout);
	program_close(&prog);
	return 0;
}
