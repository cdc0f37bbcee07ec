#include "ksyms.h"

#include <stdio.h>
#include <string.h>

#define CACHE_SLOTS 1024   /* distinct addresses remembered; later ones are looked up each time */
#define NAME_MAX_LEN 64

struct entry {
	uint64_t addr;     /* 0: free */
	char name[NAME_MAX_LEN];
};

static struct entry cache[CACHE_SLOTS];
static char uncached[NAME_MAX_LEN];

/* The nearest text symbol at or below addr: kallsyms is not sorted across
 * modules, so the whole file is read. */
static void lookup(uint64_t addr, char *name, size_t size)
{
	name[0] = '\0';
	FILE *f = fopen("/proc/kallsyms", "r");
	if (!f)
		return;
	char line[256], sym[128], best_sym[128] = "", type;
	unsigned long long a, best = 0;
	while (fgets(line, sizeof line, f)) {
		if (sscanf(line, "%llx %c %127s", &a, &type, sym) != 3)
			continue;
		if ((type == 't' || type == 'T') && a <= addr && a > best) {
			best = a;
			memcpy(best_sym, sym, sizeof sym);
		}
	}
	fclose(f);
	size_t n = strnlen(best_sym, size - 1);
	memcpy(name, best_sym, n);
	name[n] = '\0';
}

const char *ksym_name(uint64_t addr)
{
	if (!addr)
		return "";
	size_t i = (size_t)(addr >> 4) % CACHE_SLOTS;
	for (size_t n = 0; n < CACHE_SLOTS; n++, i = (i + 1) % CACHE_SLOTS) {
		if (cache[i].addr == addr)
			return cache[i].name;
		if (cache[i].addr == 0) {
			cache[i].addr = addr;
			lookup(addr, cache[i].name, sizeof cache[i].name);
			return cache[i].name;
		}
	}
	lookup(addr, uncached, sizeof uncached);
	return uncached;
}
