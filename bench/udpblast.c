/* udpblast: UDP packets as fast as one core sends them, and a receiver that
 * counts them. Used by bench/run inside two network namespaces it creates
 * (never on a real network); built with `cc -O2` into bench/.build/.
 *
 *   udpblast send --to ADDR --port PORT --seconds S [--size BYTES] [--cpu C]
 *   udpblast recv --port PORT [--seconds S]
 *
 * send: refuses any destination but 127.0.0.0/8 unless started in a network
 *       namespace other than its parent's (`ip netns exec NS udpblast send ...`).
 *       sendmmsg() in batches of 32 datagrams of --size payload bytes
 *       (default 64) to ADDR:PORT for S seconds; prints
 *       {"sent":N,"seconds":T,"pps":N/T,...}
 * recv: binds PORT on every address, counts datagrams with recvmmsg()
 *       until SIGINT/SIGTERM or S seconds; prints {"received":N,...}
 * Exit status: 0 done, 1 a system call failed, 2 usage error. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { BATCH = 32, MAX_SIZE = 1400 };

#define PROG "udpblast"
static void usage(const char *msg);
#include "helpers.h"

static double now_s(void)
{
	return (double)now_ns() / 1e9;
}

static void usage(const char *msg)
{
	fprintf(stderr, "udpblast: %s\nusage: udpblast send --to ADDR --port PORT --seconds S "
		"[--size BYTES] [--cpu C]\n       udpblast recv --port PORT [--seconds S]\n", msg);
	exit(2);
}

/* Only into a network namespace entered for this run (`ip netns exec NS
 * udpblast ...` from a parent in another namespace), else only loopback:
 * never a real network. */
static void check_destination(const struct sockaddr_in *to)
{
	char parent[64];
	struct stat self, up;
	snprintf(parent, sizeof parent, "/proc/%d/ns/net", (int)getppid());
	bool own_ns = stat("/proc/self/ns/net", &self) == 0 && stat(parent, &up) == 0 &&
		      self.st_ino != up.st_ino;
	if (!own_ns && (ntohl(to->sin_addr.s_addr) >> 24) != 127)
		usage("--to must be in 127.0.0.0/8 unless run in a network namespace of its own "
		      "(ip netns exec NS udpblast ...)");
}

static int blast(const struct sockaddr_in *to, double seconds, int size)
{
	check_destination(to);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket");
	if (connect(fd, (const struct sockaddr *)to, sizeof *to) != 0)
		die("connect");
	static char payload[MAX_SIZE];
	memset(payload, 'x', sizeof payload);
	struct iovec iov[BATCH];
	struct mmsghdr msgs[BATCH];
	memset(msgs, 0, sizeof msgs);
	for (int i = 0; i < BATCH; i++) {
		iov[i] = (struct iovec){payload, (size_t)size};
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	uint64_t sent = 0, errors = 0;
	double start = now_s(), end = start + seconds, t = start;
	while (!stop && (t = now_s()) < end) {
		int n = sendmmsg(fd, msgs, BATCH, 0);
		if (n > 0) {
			sent += (uint64_t)n;
		} else if (errno == ENOBUFS || errno == EAGAIN || errno == ECONNREFUSED) {
			errors++; /* a full queue, or the port closed before the receiver was up */
		} else if (errno != EINTR) {
			die("sendmmsg");
		}
	}
	double secs = t - start;
	printf("{\"sent\":%llu,\"send_errors\":%llu,\"seconds\":%.6f,\"pps\":%.1f,\"size\":%d}\n",
	       (unsigned long long)sent, (unsigned long long)errors, secs,
	       secs > 0 ? (double)sent / secs : 0.0, size);
	return 0;
}

static int receive(int port, double seconds)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket");
	int big = 8 << 20;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(INADDR_ANY)};
	if (bind(fd, (struct sockaddr *)&sin, sizeof sin) != 0)
		die("bind");
	struct timeval tv = {0, 100000}; /* wake up to look at the clock and the signals */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	static char bufs[BATCH][MAX_SIZE];
	struct iovec iov[BATCH];
	struct mmsghdr msgs[BATCH];
	memset(msgs, 0, sizeof msgs);
	for (int i = 0; i < BATCH; i++) {
		iov[i] = (struct iovec){bufs[i], MAX_SIZE};
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	fprintf(stderr, "udpblast: receiving on port %d\n", port);
	uint64_t received = 0;
	double start = now_s();
	while (!stop && (!seconds || now_s() - start < seconds)) {
		int n = recvmmsg(fd, msgs, BATCH, MSG_WAITFORONE, NULL);
		if (n > 0)
			received += (uint64_t)n;
		else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			die("recvmmsg");
	}
	printf("{\"received\":%llu,\"seconds\":%.6f}\n", (unsigned long long)received, now_s() - start);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		usage("give a mode: send or recv");
	const char *mode = argv[1];
	struct sockaddr_in to = {.sin_family = AF_INET};
	bool have_to = false;
	int port = 0, size = 64, cpu = -1;
	double seconds = 0;
	for (int i = 2; i < argc; i += 2) {
		if (i + 1 >= argc)
			usage("an option lacks its value");
		const char *opt = argv[i], *val = argv[i + 1];
		if (!strcmp(opt, "--to")) {
			if (inet_pton(AF_INET, val, &to.sin_addr) != 1)
				usage("--to: not an IPv4 address");
			have_to = true;
		} else if (!strcmp(opt, "--port")) {
			port = (int)number(opt, val, 1, 65535);
		} else if (!strcmp(opt, "--seconds")) {
			seconds = number(opt, val, 0.001, 1e6);
		} else if (!strcmp(opt, "--size")) {
			size = (int)number(opt, val, 1, MAX_SIZE);
		} else if (!strcmp(opt, "--cpu")) {
			cpu = (int)number(opt, val, 0, 4095);
		} else {
			usage("unknown option");
		}
	}
	if (!port)
		usage("--port is required");
	pin_to_cpu(cpu);
	stop_on_signals();
	if (!strcmp(mode, "send")) {
		if (!have_to || !seconds)
			usage("send needs --to and --seconds");
		to.sin_port = htons((uint16_t)port);
		return blast(&to, seconds, size);
	}
	if (!strcmp(mode, "recv"))
		return receive(port, seconds);
	usage("mode must be send or recv");
}
