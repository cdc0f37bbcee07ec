/* In-kernel filters: what the user asked for, as validated integers, and the
 * C code that replaces the probes' / *FILTER* / placeholder. */
#ifndef NETTRACE_FILTER_H
#define NETTRACE_FILTER_H

#include <stdbool.h>
#include <stdint.h>

#define FILTER_MAX_PIDS 64
#define FILTER_MAX_PORTS 64

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
	bool has_netns;
	uint32_t netns;           /* inode of the namespace */
	bool has_cgroup;
	uint64_t cgroup_id;
};

/* Statements for the body of the probes' filtered() stub, which has the
 * parameters pid, uid, family, lport, rport, netns, cgroup_id and returns
 * true to drop an event. Each statement ends in "\n\t", to sit in the
 * stub's indentation. Empty string for an empty spec. malloc'd. */
char *filter_text(const struct filter_spec *spec);

#endif
