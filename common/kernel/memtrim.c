#include "memtrim.h"

#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#define MIN_TRIM_KB 256   /* small mappings (libc's) are in use: leave them */

/* A mapping may be dropped only if dropping loses nothing: file-backed,
 * private, not writable, and no page of it ever copied on write
 * ("Anonymous: 0 kB"), so every page equals the file's. */
struct mapping {
	unsigned long start, end;
	char perms[8];
	int has_file;
	long rss_kb;
	long anon_kb;
};

static void drop_if_clean(const struct mapping *m)
{
	if (!m->has_file || m->perms[1] == 'w' || m->perms[3] != 'p')
		return;
	if (m->anon_kb != 0 || m->rss_kb < MIN_TRIM_KB)
		return;
	madvise((void *)m->start, m->end - m->start, MADV_DONTNEED);
}

void memtrim_release(void)
{
	malloc_trim(0);
	FILE *f = fopen("/proc/self/smaps", "r");
	if (!f)
		return;
	/* Read all first: madvise while reading would change what we read. */
	static struct mapping maps[4096];
	int n = -1;
	char line[512];
	while (fgets(line, sizeof line, f)) {
		struct mapping m = {0};
		char path[256] = "";
		long kb;
		if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %255s", &m.start, &m.end, m.perms, path) >= 3 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			if (n + 1 == (int)(sizeof maps / sizeof *maps))
				break;
			m.has_file = path[0] == '/';
			maps[++n] = m;
		} else if (n >= 0 && sscanf(line, "Rss: %ld kB", &kb) == 1) {
			maps[n].rss_kb = kb;
		} else if (n >= 0 && sscanf(line, "Anonymous: %ld kB", &kb) == 1) {
			maps[n].anon_kb = kb;
		}
	}
	fclose(f);
	for (int i = 0; i <= n; i++)
		drop_if_clean(&maps[i]);
}
