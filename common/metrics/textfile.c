#include "textfile.h"

#include "exposition.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct metric_textfile {
	int dirfd;
	char *dir;           /* as the user gave it, for messages */
	char name[80];       /* <tool>.prom */
	char tmp[128];       /* the temporary file being written, "" if none */
	unsigned seq;        /* makes each temporary name of this process new */
};

/* One line naming the directory, what failed and the fix, by errno.
 * opened: the directory itself opened (what failed is inside it). */
static void explain(char *err, size_t errlen, const char *dir, bool opened, const char *what, int e)
{
	switch (e) {
	case ENOENT:
		if (opened) /* a directory that takes no new files: /proc, /sys */
			snprintf(err, errlen,
				 "metrics directory %s takes no new files (%s: %s): give a directory on an "
				 "ordinary file system, as node_exporter's --collector.textfile.directory",
				 dir, what, strerror(e));
		else
			snprintf(err, errlen,
				 "metrics directory %s does not exist: create it (mkdir -p %s) or give "
				 "node_exporter's --collector.textfile.directory", dir, dir);
		break;
	case ENOTDIR:
		snprintf(err, errlen,
			 "metrics directory %s is not a directory: give node_exporter's "
			 "--collector.textfile.directory", dir);
		break;
	case EACCES:
	case EPERM:
		snprintf(err, errlen,
			 "metrics directory %s is not writable by this user (%s): make it writable "
			 "(chown or chmod), or give a directory this user can write", dir, strerror(e));
		break;
	case EROFS:
		snprintf(err, errlen,
			 "metrics directory %s is on a read-only file system: give a writable directory "
			 "(in a pod, a volume shared with node_exporter)", dir);
		break;
	case ENOSPC:
	case EDQUOT:
		snprintf(err, errlen, "metrics directory %s: %s: %s: free space on its file system", dir,
			 what, strerror(e));
		break;
	default:
		snprintf(err, errlen, "metrics directory %s: %s: %s", dir, what, strerror(e));
	}
}

static bool tool_name_valid(const char *tool)
{
	size_t n = strlen(tool);
	if (n == 0 || n > 64)
		return false;
	return strspn(tool, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

/* Creates a new temporary file in the directory: its fd, or -1 with errno. */
static int create_tmp(struct metric_textfile *t)
{
	for (int tries = 0; tries < 100; tries++) {
		snprintf(t->tmp, sizeof t->tmp, ".%s.%ld.%u.tmp", t->name, (long)getpid(), t->seq++);
		int fd = openat(t->dirfd, t->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd >= 0) {
			/* 0644 exactly, whatever the umask: node_exporter reads it as another user */
			if (fchmod(fd, 0644) == 0)
				return fd;
			int e = errno;
			close(fd);
			unlinkat(t->dirfd, t->tmp, 0);
			t->tmp[0] = '\0';
			errno = e;
			return -1;
		}
		/* EEXIST: a file left by an earlier process that had our pid */
		if (errno != EEXIST)
			break;
	}
	t->tmp[0] = '\0';
	return -1;
}

static void drop_tmp(struct metric_textfile *t)
{
	if (t->tmp[0])
		unlinkat(t->dirfd, t->tmp, 0);
	t->tmp[0] = '\0';
}

void metric_textfile_close(struct metric_textfile *t)
{
	if (!t)
		return;
	if (t->dirfd >= 0)
		close(t->dirfd);
	free(t->dir);
	free(t);
}

struct metric_textfile *metric_textfile_open(const char *dir, const char *tool, char *err, size_t errlen)
{
	if (!tool_name_valid(tool)) {
		snprintf(err, errlen, "internal error: metrics file name '%s'", tool);
		return NULL;
	}
	struct metric_textfile *t = calloc(1, sizeof *t);
	if (!t || !(t->dir = strdup(dir))) {
		free(t);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(t->name, sizeof t->name, "%s.prom", tool);
	t->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int fd = t->dirfd < 0 ? -1 : create_tmp(t);
	if (fd < 0) {
		explain(err, errlen, dir, t->dirfd >= 0, t->dirfd < 0 ? "opening it" : "creating a file in it", errno);
		metric_textfile_close(t);
		return NULL;
	}
	close(fd);
	drop_tmp(t);
	return t;
}

/* Writes r into fd and makes it durable; closes fd. -1 with errno. */
static int write_and_sync(int fd, const struct metric_registry *r)
{
	FILE *f = fdopen(fd, "w");
	if (!f) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	int rc = metric_write_text(f, r);
	int e = errno;
	if (rc == 0 && fsync(fd) != 0)
		rc = -1, e = errno;
	if (fclose(f) != 0 && rc == 0)
		rc = -1, e = errno;
	errno = e;
	return rc;
}

int metric_textfile_write(struct metric_textfile *t, const struct metric_registry *r, char *err,
			  size_t errlen)
{
	const char *what = "creating a file in it";
	int fd = create_tmp(t);
	if (fd < 0)
		goto fail;
	what = "writing the metrics";
	if (write_and_sync(fd, r) != 0)
		goto fail;
	what = "renaming the new file over the old one";
	if (renameat(t->dirfd, t->tmp, t->dirfd, t->name) != 0)
		goto fail;
	t->tmp[0] = '\0';
	/* the rename itself must survive a crash, or the old file comes back */
	if (fsync(t->dirfd) != 0 && errno != EINVAL) {
		what = "syncing the directory";
		goto fail;
	}
	return 0;
fail:;
	int e = errno;
	char what_file[160];
	snprintf(what_file, sizeof what_file, "%s (%s)", what, t->name);
	explain(err, errlen, t->dir, true, what_file, e);
	drop_tmp(t);
	return -1;
}
