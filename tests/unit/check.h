/* A few assertion macros for the unit tests: print where and what, count
 * failures, and make the test's exit status say whether any failed. */
#ifndef SOCKLENS_CHECK_H
#define SOCKLENS_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_failures;

#define CHECK(cond)                                                                  \
	do {                                                                         \
		if (!(cond)) {                                                       \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
			check_failures++;                                            \
		}                                                                    \
	} while (0)

#define CHECK_STR(got, want)                                                         \
	do {                                                                         \
		const char *g_ = (got), *w_ = (want);                                \
		if (strcmp(g_, w_) != 0) {                                           \
			fprintf(stderr, "%s:%d: got\n%s\nwant\n%s\n", __FILE__, __LINE__, g_, w_); \
			check_failures++;                                            \
		}                                                                    \
	} while (0)

#define CHECK_EQ(got, want)                                                          \
	do {                                                                         \
		long long g_ = (long long)(got), w_ = (long long)(want);             \
		if (g_ != w_) {                                                      \
			fprintf(stderr, "%s:%d: %s is %lld, want %lld\n", __FILE__, __LINE__, #got, g_, w_); \
			check_failures++;                                            \
		}                                                                    \
	} while (0)

/* Makes a private directory $TMPDIR/<name>-XXXXXX (or under /tmp) into buf:
 * buf, or NULL. TMPDIR: the kernel matrix's guest points it at a fresh
 * tmpfs when its /tmp is the host's (a checkout under /tmp). */
static inline char *check_tempdir(char *buf, size_t size, const char *name)
{
	const char *base = getenv("TMPDIR");
	if (snprintf(buf, size, "%s/%s-XXXXXX", base && *base ? base : "/tmp", name) >= (int)size)
		return NULL;
	return mkdtemp(buf);
}

#define CHECK_DONE()                                                                 \
	(check_failures ? (fprintf(stderr, "%d check(s) failed\n", check_failures), 1) : 0)

#endif
