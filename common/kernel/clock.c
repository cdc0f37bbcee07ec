#include "clock.h"

#include <time.h>

static uint64_t now_ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t clock_mono_ns(void)
{
	return now_ns(CLOCK_MONOTONIC);
}

void clock_timebase(struct timebase *tb)
{
	tb->start_mono_ns = clock_mono_ns();
	tb->wall_minus_mono_ns = now_ns(CLOCK_REALTIME) - tb->start_mono_ns;
}

double clock_elapsed(const struct timebase *tb)
{
	return (double)(clock_mono_ns() - tb->start_mono_ns) / 1e9;
}
