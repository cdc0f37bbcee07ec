/* What the bench's C load generators (storm.c, udpblast.c) share: stop on
 * SIGINT/SIGTERM, a monotonic clock, fatal errors, checked numeric options
 * and CPU pinning. Define PROG (the program's name) and declare usage()
 * before including; each program is one file, built with cc alone. */
#ifndef BENCH_HELPERS_H
#define BENCH_HELPERS_H

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void stop_on_signals(void)
{
	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, PROG ": %s: %s\n", what, strerror(errno));
	exit(1);
}

static double number(const char *opt, const char *s, double lo, double hi)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || v < lo || v > hi) {
		char msg[160];
		snprintf(msg, sizeof msg, "%s '%s': not a number in %g-%g", opt, s, lo, hi);
		usage(msg);
	}
	return v;
}

/* cpu < 0: anywhere */
static void pin_to_cpu(int cpu)
{
	if (cpu < 0)
		return;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof set, &set) != 0)
		die("sched_setaffinity");
}

#endif
