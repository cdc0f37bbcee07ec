/* The metrics file for node_exporter's textfile collector: DIR/<tool>.prom,
 * replaced atomically, so the collector (which reads every *.prom file in its
 * --collector.textfile.directory at each scrape) never reads half a file.
 *
 * Each write creates a new file in DIR itself (the rename must not cross a
 * file system) named ".<tool>.prom.<pid>.<n>.tmp" — not "*.prom", so the
 * collector ignores it — with O_CREAT|O_EXCL|O_NOFOLLOW (never follows or
 * reuses a name someone planted) and mode 0644 whatever the umask (the
 * collector usually runs as another user), writes the exposition text,
 * fsyncs it, renames it over <tool>.prom and fsyncs DIR. A reader opens
 * either the old file or the new one, each complete. A tool killed mid-write
 * leaves at most one ".tmp" file, which the collector ignores.
 *
 * The tool opens no port: serving the file is node_exporter's job. Two tools
 * of the same name writing to the same DIR replace each other's file.
 * The file is left in place when the tool ends: node_exporter keeps serving
 * the last values, and its node_textfile_mtime_seconds{file="<tool>.prom"}
 * says how old they are (alert on that for a stopped tool).
 *
 * Errors are one line in err (no newline), naming DIR and the fix, e.g.
 *   metrics directory /var/lib/node_exporter does not exist: create it
 *   (mkdir -p /var/lib/node_exporter) or give node_exporter's
 *   --collector.textfile.directory */
#ifndef SOCKLENS_METRICS_TEXTFILE_H
#define SOCKLENS_METRICS_TEXTFILE_H

#include "registry.h"

#include <stddef.h>

struct metric_textfile;

/* Opens DIR (held open: later renames of the path do not matter) and checks
 * that a file can be created there now, so a bad --metrics-dir fails at
 * start-up, before anything is traced. tool: [a-z0-9_-], the file's name.
 * NULL on failure, with the message in err. */
struct metric_textfile *metric_textfile_open(const char *dir, const char *tool, char *err, size_t errlen);

/* Replaces DIR/<tool>.prom with the exposition text of r. 0, or -1 with the
 * message in err (the previous file, if any, is left as it was). */
int metric_textfile_write(struct metric_textfile *t, const struct metric_registry *r, char *err,
			  size_t errlen);

/* Closes DIR; the last file written stays. NULL is fine. */
void metric_textfile_close(struct metric_textfile *t);

#endif
