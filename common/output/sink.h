/* Where output lines are built: a buffer of our own in front of stdout.
 * Each record's line is written into it with plain stores; the buffer
 * reaches the FILE in big chunks (when full, and at each flush: after every
 * drained batch of records), so a storm's records cost no stdio call and no
 * system call each. A terminal still gets each line as it is made. */
#ifndef SOCKLENS_SINK_H
#define SOCKLENS_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define SINK_BYTES 65536
#define SINK_RESERVE_MAX 256 /* the most sink_reserve() may ask for */

struct sink {
	FILE *f;
	bool line_flush;     /* a terminal: each line goes out when it ends */
	size_t len;
	char buf[SINK_BYTES];
};

void sink_init(struct sink *s, FILE *f);
/* Hands the buffer to the FILE and flushes it; a closed pipe ends the tool
 * quietly with status 0, another write error with status 1. */
void sink_flush(struct sink *s);
/* Hands the buffer to the FILE (no fflush). */
void sink_push(struct sink *s);
/* Ends the tool quietly with status 0, as a write's EPIPE would, if the
 * FILE is a pipe whose reader is gone (| head that has had its lines):
 * a quiet tool writes nothing to learn it from, and would keep its
 * programs attached until its next record. One poll(), no write. */
void sink_check_reader(const struct sink *s);

/* Room for n (at most SINK_RESERVE_MAX) bytes; sink_commit() says how many
 * were written. */
static inline char *sink_reserve(struct sink *s, size_t n)
{
	if (n > SINK_BYTES - s->len)
		sink_push(s);
	return s->buf + s->len;
}

static inline void sink_commit(struct sink *s, size_t n) { s->len += n; }

static inline void sink_put(struct sink *s, const char *p, size_t n)
{
	if (n > SINK_BYTES - s->len) {
		sink_push(s);
		if (n > SINK_BYTES) {
			fwrite(p, 1, n, s->f);
			return;
		}
	}
	memcpy(s->buf + s->len, p, n);
	s->len += n;
}

static inline void sink_putc(struct sink *s, char c)
{
	if (s->len == SINK_BYTES)
		sink_push(s);
	s->buf[s->len++] = c;
}

/* A line ended: on a terminal it is shown now. */
static inline void sink_end_line(struct sink *s)
{
	if (s->line_flush)
		sink_flush(s);
}

#endif
