/* The fields every TCP tool reports (the shared JSON keys) and their
 * column entries, so each tool lists them in its own order without
 * formatting them again. Tools number their own fields from F_TOOL. */
#ifndef SOCKLENS_TCPFIELDS_H
#define SOCKLENS_TCPFIELDS_H

#include "event_common.h"
#include "fmt.h"
#include "format.h"
#include "output.h"

enum tcp_field {
	F_TIME_REL, F_TIME_CLOCK, F_TYPE, F_TIME, F_TS, F_PID, F_TID, F_UID, F_COMM, F_FAMILY,
	F_LADDR, F_LPORT, F_RADDR, F_RPORT, F_NETNS, F_CGROUP,
	F_TOOL,              /* first field number free for a tool */
	F_MAX = F_TOOL + 16,
};

#define COL_TIME_REL {"TIME(s)", -11, NULL, false, F_TIME_REL}
#define COL_TIME_CLOCK {"TIME", -8, NULL, false, F_TIME_CLOCK}
#define COL_TYPE {NULL, 0, "type", false, F_TYPE}
#define COL_TIME {NULL, 0, "time", false, F_TIME}
#define COL_TS {NULL, 0, "ts_ns", false, F_TS}
#define COL_PID {"PID", -7, "pid", true, F_PID}
#define COL_TID {NULL, 0, "tid", false, F_TID}
#define COL_UID {"UID", -6, "uid", false, F_UID}
#define COL_COMM {"COMM", -16, "comm", true, F_COMM}
#define COL_FAMILY {"IP", -2, "family", true, F_FAMILY}
#define COL_LADDR(header) {header, -16, "laddr", true, F_LADDR}
#define COL_LPORT(header) {header, -6, "lport", true, F_LPORT}
#define COL_RADDR(header) {header, -16, "raddr", true, F_RADDR}
#define COL_RPORT(header) {header, -6, "rport", true, F_RPORT}
#define COL_NETNS {NULL, 0, "netns", false, F_NETNS}
#define COL_CGROUP {NULL, 0, "cgroup_id", false, F_CGROUP}

_Static_assert(F_MAX <= ROW_MAX_FIELDS, "tcp fields fit a row");
/* A tool's own fields end before F_MAX: TCP_FIELDS_FIT(F_LAST_OF_TOOL). */
#define TCP_FIELDS_FIT(last) _Static_assert((int)(last) < (int)F_MAX, "the tool's fields fit F_MAX")

/* Fills the shared fields that are shown; the tool adds its own from F_TOOL on. */
void tcp_row_fill(struct row *r, const struct timebase *tb, const char *type, const struct event_head *h,
		  const struct tcp_tuple *t);

/* Turns on the text column of -t or -T, if any. */
void columns_show_time(struct column *cols, int ncols, enum time_column time);
/* Turns a column's text on or off, by field. */
void columns_show(struct column *cols, int ncols, int field, bool on);
/* Removes a field from JSON and CSV (and text): the mode has no such data. */
void columns_drop(struct column *cols, int ncols, int field);

/* 4 or 6, as users write it. */
static inline unsigned ip_version(unsigned family) { return family == 10 ? 6 : 4; }

#endif
