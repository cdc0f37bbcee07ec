/* storm: TCP connects to a loopback listener of its own, as fast as one core
 * allows or at a paced rate, for a duration or a count. Used by bench/run and
 * bench/soak; built by them with `cc -O2` into bench/.build/.
 *
 *   storm --port PORT [--addr 127.0.0.1|::1] [--seconds S] [--count N]
 *         [--rate R] [--cpu C] [--backlog B]
 *
 * One thread does everything, so the storm is one core's worth of work:
 *   socket -> SO_LINGER {1,0} -> connect (blocking) -> close (the linger
 *   makes it an RST: no TIME_WAIT on either side) -> accept4 on the
 *   non-blocking listener until every connection made so far is taken ->
 *   close the accepted socket (already CLOSE: the RST reached it).
 * Each accepted socket is checked for that RST. Rarely (about 1 in 5 million
 * here) close() does not close the connection: something else held a
 * reference to the client's socket file at that instant, so the kernel never
 * changes its state, never sends the RST, and a close tracer rightly sees no
 * close. Such a connection is counted in "unclosed" (its accepted socket is
 * still ESTABLISHED 200 ms later).
 * On loopback the handshake completes inside connect(), so the listener's
 * queue never holds more than a connection or two and never fills.
 *
 * With --rate the n-th connect starts at start + n/R (absolute schedule:
 * a late connect is followed by the next at once until the schedule is
 * met again). Without it, connects go back to back.
 * Stops at --count connects, after --seconds, or on SIGINT/SIGTERM,
 * whichever comes first; then prints one JSON object on stdout:
 *   {"connects":N,"failed":F,"accepted":A,"seconds":T,"rate":N/T,
 *    "cpu_s":..,"ivcsw":..,...}
 * cpu_s is the storm's own CPU time (user + system, getrusage), ivcsw the
 * times it was preempted: with a tracer attached, the first grows by what
 * the probes cost inside the storm's system calls, the second when the
 * tracer runs on the storm's CPU.
 * "connects" counts connect() calls that succeeded: each one is exactly one
 * connection opened, the number connect and accept tracers must account
 * for; a close tracer accounts for connects - unclosed.
 * Exit status: 0 done, 1 a system call failed in a way a storm cannot
 * carry on from, 2 usage error. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PROG "storm"
static void usage(const char *msg);
#include "helpers.h"

static void usage(const char *msg)
{
	fprintf(stderr, "storm: %s\nusage: storm --port PORT [--addr 127.0.0.1|::1] [--seconds S] "
		"[--count N] [--rate R] [--cpu C] [--backlog B]\n", msg);
	exit(2);
}

static bool established(int a)
{
	struct tcp_info ti;
	socklen_t len = sizeof ti;
	if (getsockopt(a, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0)
		die("getsockopt TCP_INFO");
	return ti.tcpi_state == TCP_ESTABLISHED;
}

/* True once the peer's RST has reached the accepted socket a; waits up to
 * 200 ms for it (a deferred softirq may still be carrying it). */
static bool peer_closed(int a)
{
	if (!established(a))
		return true;
	struct pollfd p = {.fd = a, .events = POLLRDHUP};
	poll(&p, 1, 200);
	return !established(a);
}

/* One accepted connection is done with: checked for its peer's RST, closed. */
static void settle(int a, uint64_t *accepted, uint64_t *unclosed)
{
	*unclosed += !peer_closed(a);
	close(a);
	(*accepted)++;
}

/* Waits until the monotonic clock reaches t: sleeps for long gaps, spins
 * for the last stretch (timer slack is set to 1 ns in main). */
static void wait_until(uint64_t t)
{
	for (;;) {
		uint64_t now = now_ns();
		if (now >= t || stop)
			return;
		if (t - now > 60000) {
			uint64_t wake = t - 40000;
			struct timespec ts = {(time_t)(wake / 1000000000ULL), (long)(wake % 1000000000ULL)};
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		}
	}
}

int main(int argc, char **argv)
{
	const char *addr_text = "127.0.0.1";
	double seconds = 0, rate = 0;
	uint64_t count = 0;
	int port = 0, cpu = -1, backlog = 4096;
	static const struct option opts[] = {
		{"port", required_argument, 0, 'p'},    {"addr", required_argument, 0, 'a'},
		{"seconds", required_argument, 0, 's'}, {"count", required_argument, 0, 'n'},
		{"rate", required_argument, 0, 'r'},    {"cpu", required_argument, 0, 'c'},
		{"backlog", required_argument, 0, 'b'}, {0, 0, 0, 0},
	};
	int o;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'p': port = (int)number("--port", optarg, 1, 65535); break;
		case 'a': addr_text = optarg; break;
		case 's': seconds = number("--seconds", optarg, 0.001, 1e6); break;
		case 'n': count = (uint64_t)number("--count", optarg, 1, 1e12); break;
		case 'r': rate = number("--rate", optarg, 0, 1e8); break;
		case 'c': cpu = (int)number("--cpu", optarg, 0, 4095); break;
		case 'b': backlog = (int)number("--backlog", optarg, 1, 1 << 20); break;
		default: usage("unknown option");
		}
	}
	if (optind < argc)
		usage("unexpected argument");
	if (!port)
		usage("--port is required");
	if (!seconds && !count)
		usage("give --seconds or --count (or both)");

	struct sockaddr_storage ss = {0};
	socklen_t slen;
	int family;
	if (inet_pton(AF_INET, addr_text, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		family = sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		slen = sizeof *sin;
	} else if (inet_pton(AF_INET6, addr_text, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		family = sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		slen = sizeof *sin6;
	} else {
		usage("--addr: not an IPv4 or IPv6 address");
	}
	/* Never anything but loopback. */
	if (family == AF_INET ? (ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr) >> 24) != 127
			      : !IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)&ss)->sin6_addr))
		usage("--addr must be a loopback address (127.0.0.0/8 or ::1)");

	pin_to_cpu(cpu);
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	stop_on_signals();

	int lfd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		die("socket");
	int one = 1;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(lfd, (struct sockaddr *)&ss, slen) != 0)
		die("bind");
	if (listen(lfd, backlog) != 0)
		die("listen");

	const struct linger rst = {1, 0};
	uint64_t connects = 0, failed = 0, accepted = 0, attempts = 0, unclosed = 0;
	uint64_t last_errno = 0;
	double period_ns = rate > 0 ? 1e9 / rate : 0;
	uint64_t start = now_ns();
	uint64_t end = seconds ? start + (uint64_t)(seconds * 1e9) : UINT64_MAX;
	uint64_t t = start;
	while (!stop && (!count || connects < count)) {
		if (period_ns) {
			uint64_t due = start + (uint64_t)((double)attempts * period_ns);
			if (due >= end)
				break;
			wait_until(due);
			if (stop)
				break;
		}
		t = now_ns();
		if (t >= end)
			break;
		attempts++;
		int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			die("socket");
		if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &rst, sizeof rst) != 0)
			die("setsockopt SO_LINGER");
		if (connect(fd, (struct sockaddr *)&ss, slen) == 0) {
			connects++;
		} else {
			failed++;
			last_errno = (uint64_t)errno;
			if (errno == EADDRNOTAVAIL) /* out of local ports: back off a little */
				usleep(1000);
		}
		close(fd);
		while (accepted < connects) {   /* the rest are still queued */
			int a = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			if (a < 0) {
				if (errno == EAGAIN || errno == EWOULDBLOCK)
					break;
				if (errno == EINTR || errno == ECONNABORTED)
					continue;
				die("accept4");
			}
			settle(a, &accepted, &unclosed);
		}
	}
	uint64_t finish = now_ns();
	/* Whatever is still queued: take it, so every connection is closed. */
	for (int tries = 0; accepted < connects && tries < 1000; tries++) {
		int a = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (a < 0) {
			usleep(1000);
			continue;
		}
		settle(a, &accepted, &unclosed);
	}
	close(lfd);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double cpu_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
		       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	double secs = (double)(finish - start) / 1e9;
	printf("{\"connects\":%llu,\"failed\":%llu,\"last_errno\":%llu,\"accepted\":%llu,\"unclosed\":%llu,"
	       "\"seconds\":%.6f,\"rate\":%.1f,\"target_rate\":%.1f,\"port\":%d,\"addr\":\"%s\","
	       "\"cpu\":%d,\"cpu_s\":%.3f,\"vcsw\":%ld,\"ivcsw\":%ld}\n",
	       (unsigned long long)connects, (unsigned long long)failed,
	       (unsigned long long)last_errno, (unsigned long long)accepted, (unsigned long long)unclosed, secs,
	       secs > 0 ? (double)connects / secs : 0.0, rate, port, addr_text, cpu, cpu_s,
	       ru.ru_nvcsw, ru.ru_nivcsw);
	return 0;
}
