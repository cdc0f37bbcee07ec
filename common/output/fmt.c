#include "fmt.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

const char fmt_digit_pairs[200] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

/* n digits of v, zero-padded, at out */
static void put_fixed(char *out, unsigned v, int n)
{
	while (n-- > 0) {
		out[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

/* "1.2.3.4": inet_ntop's output for IPv4, without its snprintf */
static size_t put_ipv4(char *out, const uint8_t *a)
{
	char *p = out;
	for (int i = 0; i < 4; i++) {
		unsigned v = a[i];
		if (v >= 100) {
			*p++ = (char)('0' + v / 100);
			memcpy(p, fmt_digit_pairs + 2 * (v % 100), 2);
			p += 2;
		} else if (v >= 10) {
			memcpy(p, fmt_digit_pairs + 2 * v, 2);
			p += 2;
		} else {
			*p++ = (char)('0' + v);
		}
		*p++ = '.';
	}
	p[-1] = '\0';
	return (size_t)(p - 1 - out);
}

size_t fmt_addr(char *out, size_t size, unsigned family, const uint8_t *addr)
{
	if (family == 2 && size >= 16)
		return put_ipv4(out, addr);
	int af = family == 10 ? AF_INET6 : AF_INET;
	if ((family != 2 && family != 10) || !inet_ntop(af, addr, out, (socklen_t)size))
		snprintf(out, size, "?");
	return strlen(out);
}

/* The text of one whole second, kept for the records of that second: a
 * storm's records share a few seconds, and gmtime/localtime and strftime
 * cost more than the rest of a record. */
struct second_text {
	int64_t secs;
	bool valid;
	char text[32];
	size_t len;
};

/* UTC "2026-11-22T03:04:05" or local "03:04:05" */
static const char *second_text(struct second_text *c, uint64_t wall_ns, bool local)
{
	time_t secs = (time_t)(wall_ns / 1000000000ULL);
	if (!c->valid || c->secs != (int64_t)secs) {
		struct tm tm;
		if (local) {
			localtime_r(&secs, &tm);
			c->len = strftime(c->text, sizeof c->text, "%H:%M:%S", &tm);
		} else {
			gmtime_r(&secs, &tm);
			c->len = strftime(c->text, sizeof c->text, "%Y-%m-%dT%H:%M:%S", &tm);
		}
		c->secs = (int64_t)secs;
		c->valid = true;
	}
	return c->text;
}

size_t fmt_rfc3339(char *out, size_t size, uint64_t wall_ns)
{
	static struct second_text utc;
	const char *day = second_text(&utc, wall_ns, false);
	if (utc.len + 9 > size) {
		snprintf(out, size, "%s.%06uZ", day, (unsigned)(wall_ns % 1000000000ULL / 1000));
		return strlen(out);
	}
	memcpy(out, day, utc.len);
	char *p = out + utc.len;
	*p++ = '.';
	put_fixed(p, (unsigned)(wall_ns % 1000000000ULL / 1000), 6);
	memcpy(p + 6, "Z", 2);
	return utc.len + 8;
}

size_t fmt_clock(char *out, size_t size, uint64_t wall_ns)
{
	static struct second_text local;
	const char *t = second_text(&local, wall_ns, true);
	if (local.len < size) {
		memcpy(out, t, local.len + 1);
		return local.len;
	}
	if (size)
		out[0] = '\0'; /* as strftime: nothing when it does not fit */
	return 0;
}

size_t fmt_since(char *out, size_t size, uint64_t mono_ns, const struct timebase *tb)
{
	uint64_t d = mono_ns > tb->start_mono_ns ? mono_ns - tb->start_mono_ns : 0;
	char buf[32];
	size_t n = fmt_u64(buf, d / 1000000000ULL);
	buf[n++] = '.';
	put_fixed(buf + n, (unsigned)(d % 1000000000ULL / 1000), 6);
	n += 6;
	buf[n] = '\0';
	if (n < size) {
		memcpy(out, buf, n + 1);
		return n;
	}
	snprintf(out, size, "%s", buf);
	return strlen(out);
}

size_t fmt_ms2(char *out, size_t size, uint64_t ns)
{
	uint64_t units = ns / 10000, rest = ns % 10000;
	/* A tie (…5000 ns) rounds as the double ns / 1e6 lies, and a double
	 * holds ns / 1e6 to 1 ns only below 1e15 ns: printf decides those. */
	if (rest == 5000 || ns >= 1000000000000000ULL || size < 32) {
		snprintf(out, size, "%.2f", (double)ns / 1e6);
		return strlen(out);
	}
	units += rest > 5000;
	size_t n = fmt_u64(out, units / 100);
	out[n++] = '.';
	put_fixed(out + n, (unsigned)(units % 100), 2);
	out[n + 2] = '\0';
	return n + 2;
}
