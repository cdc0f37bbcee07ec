#include "fmt.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <sys/socket.h>
#include <time.h>

void fmt_addr(char *out, size_t size, unsigned family, const uint8_t *addr)
{
	int af = family == 10 ? AF_INET6 : AF_INET;
	if ((family != 2 && family != 10) || !inet_ntop(af, addr, out, (socklen_t)size))
		snprintf(out, size, "?");
}

void fmt_rfc3339(char *out, size_t size, uint64_t wall_ns)
{
	time_t secs = (time_t)(wall_ns / 1000000000ULL);
	struct tm tm;
	gmtime_r(&secs, &tm);
	char day[32];
	strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, size, "%s.%06uZ", day, (unsigned)(wall_ns % 1000000000ULL / 1000));
}

void fmt_clock(char *out, size_t size, uint64_t wall_ns)
{
	time_t secs = (time_t)(wall_ns / 1000000000ULL);
	struct tm tm;
	localtime_r(&secs, &tm);
	strftime(out, size, "%H:%M:%S", &tm);
}

void fmt_since(char *out, size_t size, uint64_t mono_ns, const struct timebase *tb)
{
	uint64_t d = mono_ns > tb->start_mono_ns ? mono_ns - tb->start_mono_ns : 0;
	snprintf(out, size, "%llu.%06llu", (unsigned long long)(d / 1000000000ULL),
		 (unsigned long long)(d % 1000000000ULL / 1000));
}
