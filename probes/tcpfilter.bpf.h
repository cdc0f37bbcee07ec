/* The TCP tools' filter stub. */
#include "namefilter.bpf.h"

/* True when the user's filters drop this event. Always defined, so the
 * probes keep one shape; the loader fills it from validated integers. */
static __always_inline bool filtered(u32 pid, u32 uid, u32 family, u32 lport, u32 rport,
				     u32 netns, u64 cgroup_id)
{
	/*FILTER*/
	return false;
}
