/* Reading back a stream written with -o raw (--read): the header checked
 * against the tool, then the records one by one. No kernel, no root. */
#ifndef SOCKLENS_REPLAY_H
#define SOCKLENS_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct replay {
	FILE *f;
	const char *path;
	size_t record_size;
	uint64_t wall_minus_mono_ns;   /* the header's clock anchor */
};

/* Opens path ("-": stdin) and checks magic, version, record size and tool
 * name: one line and exit 2 on any mismatch. */
void replay_open(struct replay *r, const char *path, const char *tool, size_t record_size);
/* The next record into buf; false at the end (a truncated last record is
 * an error). */
bool replay_next(struct replay *r, void *buf);
void replay_close(struct replay *r);

#endif
