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

static uint64_t wall_minus_mono;
static uint64_t started_mono;

static uint64_t now_ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void clock_init(void)
{
	started_mono = now_ns(CLOCK_MONOTONIC);
	wall_minus_mono = now_ns(CLOCK_REALTIME) - started_mono;
}

uint64_t mono_to_wall_ns(uint64_t mono_ns)
{
	return mono_ns + wall_minus_mono;
}

uint64_t start_mono_ns(void)
{
	return started_mono;
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

void fmt_since_start(char *out, size_t size, uint64_t mono_ns)
{
	uint64_t d = mono_ns > started_mono ? mono_ns - started_mono : 0;
	snprintf(out, size, "%llu.%06llu", (unsigned long long)(d / 1000000000ULL),
		 (unsigned long long)(d % 1000000000ULL / 1000));
}
