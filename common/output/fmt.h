/* Addresses and times as users read them. */
#ifndef SOCKLENS_FMT_H
#define SOCKLENS_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define ADDR_TEXT_LEN 46   /* INET6_ADDRSTRLEN */
#define TIME_TEXT_LEN 40

/* Each fmt_ function writes a NUL-terminated text at out and returns its
 * length. */

/* Writes v in decimal at out (at most 20 bytes, no NUL); returns the
 * length. Without printf: numbers are most of a record's cells. */
extern const char fmt_digit_pairs[200];
static inline size_t fmt_u64(char *out, uint64_t v)
{
	size_t n = 1;
	for (uint64_t t = v; t >= 10; t /= 10)
		n++;
	char *p = out + n; /* written from the end: no copy of a variable length */
	while (v >= 100) {
		p -= 2;
		memcpy(p, fmt_digit_pairs + 2 * (v % 100), 2);
		v /= 100;
	}
	if (v >= 10)
		memcpy(p - 2, fmt_digit_pairs + 2 * v, 2);
	else
		p[-1] = (char)('0' + v);
	return n;
}

/* family 2: 4 bytes of addr; 10: 16 bytes ("::ffff:1.2.3.4" for mapped). */
size_t fmt_addr(char *out, size_t size, unsigned family, const uint8_t *addr);

/* How record times (the kernel's CLOCK_MONOTONIC) are shown: seconds since
 * start_mono_ns (-t), and wall clock as mono + wall_minus_mono_ns. Live, the
 * tool takes both at start-up (kernel/clock.h); a replay takes them from the
 * stream header's anchor and the first record. */
struct timebase {
	uint64_t start_mono_ns;
	uint64_t wall_minus_mono_ns;
};

static inline uint64_t timebase_wall(const struct timebase *tb, uint64_t mono_ns)
{
	return mono_ns + tb->wall_minus_mono_ns;
}

/* "2026-11-22T03:04:05.123456Z" (RFC 3339, UTC, microseconds) */
size_t fmt_rfc3339(char *out, size_t size, uint64_t wall_ns);
/* "03:04:05", local time */
size_t fmt_clock(char *out, size_t size, uint64_t wall_ns);
/* "1.23": ns as milliseconds with two decimals, exactly as printf's "%.2f"
 * of the double ns / 1e6 */
size_t fmt_ms2(char *out, size_t size, uint64_t ns);
/* "12.345678": seconds since tb->start_mono_ns (never negative) */
size_t fmt_since(char *out, size_t size, uint64_t mono_ns, const struct timebase *tb);

#endif
