/* --container and --pod in the kernel: every second the names are matched
 * again (identity_match_now) and the probe's name_cgroups / name_netns maps
 * (probes/namefilter.bpf.h) rewritten to what matches now, so a container
 * that starts after the tool, or a pod re-created under the same name, is
 * traced within a second, and a removed one no longer is. */
#ifndef SOCKLENS_NAMEFILTER_H
#define SOCKLENS_NAMEFILTER_H

#include "filter.h"
#include "match.h"
#include "resolver.h"

struct name_filter {
	const struct identity_query *queries;
	int nqueries;
	enum filter_names mode;
	struct identity_resolver *r;
	int cgroups_fd, netns_fd;
	bool said_nothing, said_full;
	struct identity_match m;
};

/* The maps' fds from the loaded program; refreshes once at once and says
 * on stderr, once, when nothing matches yet (the tool keeps waiting). */
void name_filter_start(struct name_filter *nf, const struct identity_query *q, int nq, enum filter_names mode,
		       struct identity_resolver *r, int cgroups_fd, int netns_fd);
/* Match again and rewrite the maps (the run loop's once-a-second tick). */
void name_filter_refresh(void *nf);
void name_filter_free(struct name_filter *nf);

#endif
