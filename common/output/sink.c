#include "sink.h"

#include "errors.h"

#include <errno.h>
#include <poll.h>
#include <unistd.h>

static struct sink *stdout_sink;

static void push_stdout(void)
{
	sink_push(stdout_sink);
}

void sink_init(struct sink *s, FILE *f)
{
	s->f = f;
	s->len = 0;
	s->line_flush = isatty(fileno(f)) == 1; /* stdio line-buffers a terminal: so do we */
	if (f == stdout) {
		stdout_sink = s;
		output_pending = push_stdout;
	}
}

/* The reader is gone (| head): nothing more to say. */
static void reader_gone(void)
{
	_exit(0);
}

static void failed(void)
{
	if (errno == EPIPE)
		reader_gone();
	runtime_error("cannot write output: %s", strerror(errno));
}

void sink_push(struct sink *s)
{
	size_t n = s->len;
	s->len = 0; /* first: the error message pushes stdout again */
	if (n && fwrite(s->buf, 1, n, s->f) != n)
		failed();
}

void sink_check_reader(const struct sink *s)
{
	struct pollfd p = {.fd = fileno(s->f), .events = 0};
	if (poll(&p, 1, 0) == 1 && (p.revents & POLLERR))
		reader_gone();
}

void sink_flush(struct sink *s)
{
	sink_push(s);
	if (fflush(s->f) != 0)
		failed();
}
