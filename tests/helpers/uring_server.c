/* A test server that accepts through io_uring, never through accept():
 * listens on 127.0.0.1 port 0, prints {"ready": PID, "port": PORT}, waits
 * for a line on stdin, accepts N connections in the mode asked for, prints
 * {"pid", "lport", "rport"} for each accepted socket (from the socket
 * itself; fixed files: "rport" null and "slot") and exits.
 *
 * usage: uring_server MODE [--count N] [--sqpoll] [--async]
 *   MODE      single (IORING_OP_ACCEPT, one SQE per connection),
 *             multishot (one SQE, one CQE per connection, IORING_CQE_F_MORE),
 *             fixed (accept into the ring's fixed-file table, slot chosen by
 *             the kernel: IORING_FILE_INDEX_ALLOC),
 *             fixed-slot (accept into slot i, given by the SQE),
 *             multishot-fixed (multishot, each into a slot the kernel picks)
 *   --sqpoll  IORING_SETUP_SQPOLL: the ring's kernel thread submits
 *   --async   IOSQE_ASYNC: an io-wq worker runs the accept */
#include <arpa/inet.h>
#include <liburing.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CONNS 64

enum mode { SINGLE, MULTISHOT, FIXED, FIXED_SLOT, MULTISHOT_FIXED };

struct server {
	struct io_uring ring;
	enum mode mode;
	unsigned sqe_flags;
	int lfd;
	int count;
};

static void die(const char *what, int err)
{
	fprintf(stderr, "uring_server: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

static int listen_loopback(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 16) < 0)
		die("listen", 1);
	return fd;
}

static int port_of(int fd, int peer)
{
	struct sockaddr_in a;
	socklen_t len = sizeof a;
	int r = peer ? getpeername(fd, (struct sockaddr *)&a, &len)
		     : getsockname(fd, (struct sockaddr *)&a, &len);
	return r < 0 ? 0 : ntohs(a.sin_port);
}

/* Queues the accept SQE for connection i (multishot: the only one). */
static void queue_accept(struct server *s, int i)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&s->ring);
	if (!sqe)
		die("io_uring_get_sqe", 12);
	switch (s->mode) {
	case SINGLE: io_uring_prep_accept(sqe, s->lfd, NULL, NULL, 0); break;
	case MULTISHOT: io_uring_prep_multishot_accept(sqe, s->lfd, NULL, NULL, 0); break;
	case FIXED: io_uring_prep_accept_direct(sqe, s->lfd, NULL, NULL, 0, IORING_FILE_INDEX_ALLOC); break;
	case FIXED_SLOT: io_uring_prep_accept_direct(sqe, s->lfd, NULL, NULL, 0, (unsigned)i); break;
	case MULTISHOT_FIXED: io_uring_prep_multishot_accept_direct(sqe, s->lfd, NULL, NULL, 0); break;
	}
	sqe->flags |= (unsigned char)s->sqe_flags;
	sqe->user_data = 1000 + (unsigned)i;
	int r = io_uring_submit(&s->ring);
	if (r < 0)
		die("io_uring_submit", r);
}

/* One accepted connection. A fixed file has no fd to ask its ports
 * (liburing 2.3 cannot install one): its slot is printed instead, and the
 * test takes the peer's port from the client's side. */
static void report(const struct server *s, int res, int i)
{
	if (s->mode >= FIXED) {
		printf("{\"pid\": %d, \"lport\": %d, \"rport\": null, \"slot\": %d}\n", getpid(),
		       port_of(s->lfd, 0), s->mode == FIXED_SLOT ? i : res);
	} else {
		printf("{\"pid\": %d, \"lport\": %d, \"rport\": %d}\n", getpid(), port_of(res, 0),
		       port_of(res, 1));
		close(res);
	}
	fflush(stdout);
}

static void serve(struct server *s)
{
	for (int i = 0; i < s->count; i++) {
		if ((s->mode != MULTISHOT && s->mode != MULTISHOT_FIXED) || i == 0)
			queue_accept(s, i);
		struct io_uring_cqe *cqe;
		int r = io_uring_wait_cqe(&s->ring, &cqe);
		if (r < 0)
			die("io_uring_wait_cqe", r);
		int res = cqe->res;
		io_uring_cqe_seen(&s->ring, cqe);
		if (res < 0)
			die("accept", res);
		report(s, res, i);
	}
}

static enum mode parse_mode(const char *m)
{
	static const char *names[] = {"single", "multishot", "fixed", "fixed-slot", "multishot-fixed"};
	for (int i = 0; i < 5; i++)
		if (strcmp(m, names[i]) == 0)
			return (enum mode)i;
	fprintf(stderr, "uring_server: unknown mode '%s'\n", m);
	exit(2);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: uring_server single|multishot|fixed|fixed-slot|multishot-fixed "
				"[--count N] [--sqpoll] [--async]\n");
		return 2;
	}
	struct server s = {.mode = parse_mode(argv[1]), .count = 3};
	struct io_uring_params p = {0};
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--count") == 0 && i + 1 < argc)
			s.count = atoi(argv[++i]);
		else if (strcmp(argv[i], "--sqpoll") == 0)
			p.flags |= IORING_SETUP_SQPOLL;
		else if (strcmp(argv[i], "--async") == 0)
			s.sqe_flags |= IOSQE_ASYNC;
	}
	if (s.count < 1 || s.count > MAX_CONNS)
		die("--count", 22);
	s.lfd = listen_loopback();
	int r = io_uring_queue_init_params(8, &s.ring, &p);
	if (r < 0)
		die("io_uring_queue_init", r);
	if (s.mode >= FIXED) {
		r = io_uring_register_files_sparse(&s.ring, MAX_CONNS);
		if (r < 0)
			die("io_uring_register_files_sparse", r);
	}
	printf("{\"ready\": %d, \"port\": %d}\n", getpid(), port_of(s.lfd, 0));
	fflush(stdout);
	char line[16];
	if (!fgets(line, sizeof line, stdin))
		return 1;
	serve(&s);
	io_uring_queue_exit(&s.ring);
	return 0;
}
