/* Addresses and times as users read them. */
#ifndef SOCKLENS_FMT_H
#define SOCKLENS_FMT_H

#include <stddef.h>
#include <stdint.h>

#define ADDR_TEXT_LEN 46   /* INET6_ADDRSTRLEN */
#define TIME_TEXT_LEN 40

/* family 2: 4 bytes of addr; 10: 16 bytes ("::ffff:1.2.3.4" for mapped). */
void fmt_addr(char *out, size_t size, unsigned family, const uint8_t *addr);

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
void fmt_rfc3339(char *out, size_t size, uint64_t wall_ns);
/* "03:04:05", local time */
void fmt_clock(char *out, size_t size, uint64_t wall_ns);
/* "12.345678": seconds since tb->start_mono_ns (never negative) */
void fmt_since(char *out, size_t size, uint64_t mono_ns, const struct timebase *tb);

#endif
