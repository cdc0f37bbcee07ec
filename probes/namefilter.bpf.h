/* Filters by name (--container, --pod): the cgroup ids and network
 * namespace inodes user space finds behind the names, rewritten every
 * second (common/tool/namefilter.c), so that a container that starts later,
 * or a pod re-created under the same name, is followed without a reload.
 * Maps rather than constants in the text: the set changes at run time.
 * Compiled only when a name filter is asked for (NAME_FILTER). */
#ifdef NAME_FILTER
BPF_HASH(name_cgroups, u64, u8, NAME_FILTER_MAX);
BPF_HASH(name_netns, u32, u8, NAME_FILTER_MAX);

static __always_inline bool name_cgroup_in(u64 id)
{
	return name_cgroups.lookup(&id) != 0;
}

static __always_inline bool name_netns_in(u32 netns)
{
	return name_netns.lookup(&netns) != 0;
}
#endif
