/* Addresses and times as users read them. */
#ifndef SOCKLENS_FMT_H
#define SOCKLENS_FMT_H

#include <stddef.h>
#include <stdint.h>

#define ADDR_TEXT_LEN 46   /* INET6_ADDRSTRLEN */
#define TIME_TEXT_LEN 40

/* family 2: 4 bytes of addr; 10: 16 bytes ("::ffff:1.2.3.4" for mapped). */
void fmt_addr(char *out, size_t size, unsigned family, const uint8_t *addr);

/* Kernel monotonic ns -> wall clock ns, from an offset taken at start-up. */
void clock_init(void);
uint64_t mono_to_wall_ns(uint64_t mono_ns);
uint64_t start_mono_ns(void);

/* "2026-11-22T03:04:05.123456Z" (RFC 3339, UTC, microseconds) */
void fmt_rfc3339(char *out, size_t size, uint64_t wall_ns);
/* "03:04:05", local time */
void fmt_clock(char *out, size_t size, uint64_t wall_ns);
/* "12.345678": seconds since start-up */
void fmt_since_start(char *out, size_t size, uint64_t mono_ns);

#endif
