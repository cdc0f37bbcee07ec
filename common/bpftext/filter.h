/* In-kernel filters: what the user asked for, as validated integers, and the
 * C code that replaces the probes' / *FILTER* / placeholder. */
#ifndef SOCKLENS_FILTER_H
#define SOCKLENS_FILTER_H

#include <stdbool.h>
#include <stdint.h>

#define FILTER_MAX_PIDS 64
#define FILTER_MAX_PORTS 64
#define FILTER_MAX_NETNS 64
#define FILTER_MAX_NAMED 4096   /* cgroups and namespaces a name filter may hold (each) */

/* A filter by name (--container, --pod) tests the kernel's name_cgroups and
 * name_netns maps (probes/namefilter.bpf.h), which user space refreshes. */
enum filter_names {
	FILTER_NAMES_NONE = 0,
	FILTER_NAMES_PROCESS, /* TCP tools: the process's cgroup, or the socket's namespace */
	FILTER_NAMES_NETNS,   /* podnet: the namespace the packet was in */
};

struct filter_spec {
	uint32_t pids[FILTER_MAX_PIDS];
	int npids;
	bool has_uid;
	uint32_t uid;
	uint32_t family;          /* 0: both, 2: AF_INET, 10: AF_INET6 */
	uint32_t lports[FILTER_MAX_PORTS];
	int nlports;
	uint32_t rports[FILTER_MAX_PORTS];
	int nrports;
	uint32_t netns[FILTER_MAX_NETNS];   /* inodes of the namespaces */
	int nnetns;
	bool has_cgroup;
	uint64_t cgroup_id;
	enum filter_names names;

	/* packet filters (podnet) */
	bool has_ifname;
	uint64_t ifname[2];       /* the name's 16 bytes as two little-endian words */
	uint32_t ip_family;       /* 0: no address filter */
	uint64_t ip[2];           /* the address's bytes as words (IPv4: ip[0] low 32 bits) */
	uint32_t proto;           /* 0: any; 1 (ICMP) also matches ICMPv6 */
	uint32_t ports[FILTER_MAX_PORTS];   /* source or destination */
	int nports;
	uint32_t events;          /* kinds of packet event, a bit (1 << kind) each
	                           * (enum podnet_event_kind); 0: every kind */
};

/* Statements for the body of a probe's filter stub, which returns true to
 * drop an event. A TCP tool's stub has the parameters pid, uid, family,
 * lport, rport, netns, cgroup_id; podnet's has netns, ifname_lo, ifname_hi,
 * family, proto, saddr_lo, saddr_hi, daddr_lo, daddr_hi, sport, dport,
 * event. Only the tests for what the spec sets are written. Each statement
 * ends in "\n\t", to sit in the stub's indentation. Empty string for an
 * empty spec. malloc'd. */
char *filter_text(const struct filter_spec *spec);

/* The defines the name filter's maps need, and FILTER_READS_CGROUP when
 * the filter tests the task's cgroup id (--cgroup, or names matched by
 * process), so a probe that needs it for nothing else can skip reading it;
 * "" for neither. A static string. */
const char *filter_defines(const struct filter_spec *spec);

/* Does the spec ask for nothing? */
bool filter_empty(const struct filter_spec *spec);

/* podnet: "#define NETNS_FILTERED(netns) (...)", true when the namespace
 * part of the filters (--netns, and pods by name) leaves the namespace out,
 * so a probe can pass a packet over before reading its headers; "" when
 * they select no namespace. Malloc'd; NULL if out of memory. */
char *filter_netns_macro(const struct filter_spec *spec);
/* The TCP tools: "#define PORTS_FILTERED(family, lport, rport) (...)", true
 * when the family and port filters (-4/-6, -L, -D) leave a connection out,
 * so a probe can drop it before reading its owner, namespace and counters
 * (the full filter still runs after); "" when there are none. Malloc'd;
 * NULL if out of memory. */
char *filter_ports_macro(const struct filter_spec *spec);
/* Whether any filter looks at a packet's headers (family, addresses,
 * protocol, ports). */
bool filter_on_headers(const struct filter_spec *spec);

#endif
