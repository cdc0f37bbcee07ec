#include "ksymstub.h"

#include "kfeatures.h"

#include <dlfcn.h>
#include <linux/bpf.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* libbcc uses only the names; the address just has to look like a kernel
 * one (it skips lines whose address is 0). */
#define LINE(sym) "ffffffff81000000 T " sym "\n"

static char stub[128];
static size_t stub_len;
static bool active;

static void add(const char *line)
{
	size_t n = strlen(line);
	memcpy(stub + stub_len, line, n);
	stub_len += n;
}

void ksymstub_begin(void)
{
	stub_len = 0;
	if (KERNEL_HAS_TRACEPOINT_HELPER(probe_read_kernel))
		add(LINE("bpf_probe_read_kernel"));
	if (KERNEL_HAS_TRACEPOINT_HELPER(probe_read_user))
		add(LINE("bpf_probe_read_user"));
	if (stub_len == 0)
		add("\n"); /* fmemopen needs at least one byte */
	active = true;
}

void ksymstub_end(void)
{
	active = false;
}

/* Defined in the executable, this fopen is the one libbcc's calls bind to
 * (the dynamic linker looks in the executable first). */
FILE *fopen(const char *restrict path, const char *restrict mode)
{
	static FILE *(*libc_fopen)(const char *restrict, const char *restrict);
	if (active && path && strcmp(path, "/proc/kallsyms") == 0 && mode[0] == 'r')
		return fmemopen(stub, stub_len, "r");
	if (!libc_fopen)
		*(void **)&libc_fopen = dlsym(RTLD_NEXT, "fopen");
	return libc_fopen(path, mode);
}
