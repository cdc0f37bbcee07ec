#include "mapbtf.h"

#include <bpf/btf.h>
#include <errno.h>
#include <linux/bpf.h>

bool map_type_needs_btf(uint32_t type)
{
	/* (cgroup storage, BPF_MAP_TYPE_CGRP_STORAGE, is newer than the
	 * headers of Debian 12's libbpf: no probe uses it) */
	return type == BPF_MAP_TYPE_TASK_STORAGE || type == BPF_MAP_TYPE_SK_STORAGE ||
	       type == BPF_MAP_TYPE_INODE_STORAGE;
}

int map_btf_load(uint32_t value_size, struct map_btf *out)
{
	*out = (struct map_btf){.fd = -1};
	struct btf *btf = btf__new_empty();
	if (!btf)
		return -1;
	int key = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	int byte = btf__add_int(btf, "unsigned char", 1, 0);
	/* the kernel checks only the value's size and that it holds no lock,
	 * timer or kernel pointer: bytes describe any value */
	int value = key > 0 && byte > 0 ? btf__add_array(btf, (uint32_t)key, (uint32_t)byte, value_size) : -1;
	if (value < 0 || btf__load_into_kernel(btf) != 0) {
		int err = errno;
		btf__free(btf);
		errno = err;
		return -1;
	}
	*out = (struct map_btf){btf, btf__fd(btf), (uint32_t)key, (uint32_t)value};
	return 0;
}

void map_btf_free(struct map_btf *b)
{
	btf__free(b->btf);
	*b = (struct map_btf){.fd = -1};
}
