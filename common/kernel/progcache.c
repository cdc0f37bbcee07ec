#include "progcache.h"

#include "embedded.h"
#include "errors.h"

#include <bcc/bcc_version.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <nettle/sha2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define MAGIC "SOCKLENS"
#define FORMAT 1
#define MAX_ENTRY (64u << 20)   /* far above any program: a larger file is not ours */
/* Entries kept: each filter (-p PID, -P PORT...) is an entry of its own, so
 * without a bound the directory would only grow. The least recently used go. */
#define MAX_ENTRIES 64
#define STALE_TMP_S 3600        /* a temporary file this old was left by a crash */

struct header {
	char magic[8];
	uint32_t format, body_len;
	unsigned char key[32], body_sum[32];
};

static void say(const struct progcache *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const struct progcache *c, const char *fmt, ...)
{
	if (!c->verbose)
		return;
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	note("cache: %s", msg);
}

static void hash_str(struct sha256_ctx *h, const char *s)
{
	sha256_update(h, strlen(s) + 1, (const uint8_t *)s); /* with the NUL: "ab","c" != "a","bc" */
}

void progcache_init(struct progcache *c, const char *tool, const char *text, bool real_headers, bool verbose)
{
	memset(c, 0, sizeof *c);
	c->verbose = verbose;
	const char *env = getenv(PROGCACHE_ENV);
	snprintf(c->dir, sizeof c->dir, "%s", env && *env ? env : PROGCACHE_DIR);

	struct sha256_ctx h;
	struct utsname u;
	struct stat btf = {0};
	char num[64];
	sha256_init(&h);
	hash_str(&h, "socklens compiled program");
	snprintf(num, sizeof num, "%d", FORMAT);
	hash_str(&h, num);
	hash_str(&h, tool);
	hash_str(&h, SOCKLENS_VERSION);
	hash_str(&h, LIBBCC_VERSION);
	/* The text holds the layout from BTF, but libbcc also reads the
	 * tracepoint formats and LINUX_VERSION_CODE from the running kernel. */
	uname(&u);
	hash_str(&h, u.release);
	hash_str(&h, u.version);
	hash_str(&h, u.machine);
	stat("/sys/kernel/btf/vmlinux", &btf);
	snprintf(num, sizeof num, "%lld", (long long)btf.st_size);
	hash_str(&h, num);
	hash_str(&h, real_headers ? "kernel headers" : "stub headers");
	/* what the text #includes: the embedded tree changes with this build */
	for (const struct embedded_file *f = kernel_header_tree; !real_headers && f->path; f++) {
		hash_str(&h, f->path);
		sha256_update(&h, f->size, (const uint8_t *)f->data);
	}
	hash_str(&h, text);
	sha256_digest(&h, sizeof c->key, c->key);

	int n = snprintf(c->file, sizeof c->file, "%s-", tool);
	for (size_t i = 0; i < sizeof c->key && n + 3 < (int)sizeof c->file; i++)
		n += snprintf(c->file + n, sizeof c->file - (size_t)n, "%02x", c->key[i]);
	snprintf(c->file + n, sizeof c->file - (size_t)n, ".bpf");
}

/* Root's and writable by root alone: nobody else can have put it there or
 * changed it. */
static const char *unsafe(const struct stat *st)
{
	if (st->st_uid != 0)
		return "not owned by root";
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return "writable by group or others";
	return NULL;
}

/* The cache directory, opened without following a symbolic link; -1 if it
 * is missing or unsafe (why in *why). */
static int open_dir(const struct progcache *c, bool create, const char **why)
{
	if (create && mkdir(c->dir, 0700) == 0)
		say(c, "created %s", c->dir);
	int fd = open(c->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		*why = strerror(errno);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if ((*why = unsafe(&st))) {
		close(fd);
		return -1;
	}
	return fd;
}

static void body_sum(const unsigned char *body, size_t len, unsigned char out[32])
{
	struct sha256_ctx h;
	sha256_init(&h);
	sha256_update(&h, len, body);
	sha256_digest(&h, 32, out);
}

/* The compiler libraries the entry was made with are still the same files. */
static const char *deps_changed(const struct prog_image *img)
{
	for (uint32_t i = 0; i < img->ndeps; i++) {
		const struct image_dep *d = &img->deps[i];
		struct stat st;
		if (stat(d->path, &st) != 0 || (uint64_t)st.st_size != d->size || (uint64_t)st.st_ino != d->ino ||
		    (uint64_t)st.st_mtim.tv_sec * 1000000000u + (uint64_t)st.st_mtim.tv_nsec != d->mtime_ns)
			return d->path;
	}
	return NULL;
}

/* Reads the whole entry into a malloc'd buffer; NULL with *why set. */
static unsigned char *read_entry(int dir, const char *name, size_t *len, const char **why)
{
	int fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	unsigned char *buf = NULL;
	if (fd < 0 || fstat(fd, &st) != 0) {
		*why = errno == ENOENT ? "no entry" : strerror(errno);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		*why = "not a regular file";
		goto out;
	}
	if ((*why = unsafe(&st)))
		goto out;
	if (st.st_size < (off_t)sizeof(struct header) || st.st_size > (off_t)MAX_ENTRY) {
		*why = "wrong size";
		goto out;
	}
	*len = (size_t)st.st_size;
	buf = malloc(*len);
	if (!buf || read(fd, buf, *len) != (ssize_t)*len) {
		*why = buf ? "short read" : "out of memory";
		free(buf);
		buf = NULL;
	}
out:
	if (fd >= 0)
		close(fd);
	return buf;
}

static void touch(const struct progcache *c);

static const char *check_header(const struct progcache *c, const unsigned char *buf, size_t len)
{
	struct header h;
	memcpy(&h, buf, sizeof h);
	if (memcmp(h.magic, MAGIC, sizeof h.magic) != 0)
		return "not a socklens cache entry";
	if (h.format != FORMAT)
		return "another format version";
	if (memcmp(h.key, c->key, sizeof h.key) != 0)
		return "made for another key";
	if (h.body_len != len - sizeof h)
		return "truncated or extended";
	unsigned char sum[32];
	body_sum(buf + sizeof h, h.body_len, sum);
	if (memcmp(sum, h.body_sum, sizeof sum) != 0)
		return "checksum mismatch (damaged)";
	return NULL;
}

int progcache_load(const struct progcache *c, struct prog_image *img)
{
	const char *why = NULL;
	int dir = open_dir(c, false, &why);
	if (dir < 0) {
		say(c, "not using %s: %s", c->dir, why);
		return -1;
	}
	size_t len = 0;
	unsigned char *buf = read_entry(dir, c->file, &len, &why);
	close(dir);
	if (buf && !(why = check_header(c, buf, len)) &&
	    image_decode(img, buf + sizeof(struct header), len - sizeof(struct header)) != 0)
		why = "malformed body";
	free(buf);
	if (!why && (why = deps_changed(img))) {
		say(c, "ignoring %s/%s: %s changed since it was made", c->dir, c->file, why);
		image_free(img);
		return -1;
	}
	if (why) {
		say(c, "%s %s/%s: %s", strcmp(why, "no entry") == 0 ? "no" : "ignoring", c->dir, c->file, why);
		return -1;
	}
	say(c, "loading the compiled program from %s/%s", c->dir, c->file);
	touch(c);
	return 0;
}

/* Marks the entry used (its mtime), for the pruning below. */
static void touch(const struct progcache *c)
{
	const char *why;
	int dir = open_dir(c, false, &why);
	if (dir >= 0) {
		utimensat(dir, c->file, NULL, AT_SYMLINK_NOFOLLOW);
		close(dir);
	}
}

struct aged {
	char name[256];
	struct timespec mtime;
};

static int older_first(const void *a, const void *b)
{
	const struct timespec *x = &((const struct aged *)a)->mtime, *y = &((const struct aged *)b)->mtime;
	return x->tv_sec != y->tv_sec ? (x->tv_sec < y->tv_sec ? -1 : 1)
				      : (x->tv_nsec < y->tv_nsec ? -1 : x->tv_nsec > y->tv_nsec);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Keeps the MAX_ENTRIES most recently used entries and removes temporary
 * files a crashed writer left. Only names this module writes are touched. */
static void prune(int dir)
{
	int fd = dup(dir);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	static struct aged entries[4 * MAX_ENTRIES];
	size_t n = 0;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	for (struct dirent *e; (e = readdir(d));) {
		struct stat st;
		if (fstatat(dir, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (e->d_name[0] == '.' && ends_with(e->d_name, ".tmp")) {
			if (now.tv_sec - st.st_mtim.tv_sec > STALE_TMP_S)
				unlinkat(dir, e->d_name, 0);
		} else if (ends_with(e->d_name, ".bpf") && n < sizeof entries / sizeof *entries &&
			   strlen(e->d_name) < sizeof entries[0].name) {
			snprintf(entries[n].name, sizeof entries[0].name, "%s", e->d_name);
			entries[n++].mtime = st.st_mtim;
		}
	}
	closedir(d);
	if (n <= MAX_ENTRIES)
		return;
	qsort(entries, n, sizeof *entries, older_first);
	for (size_t i = 0; i < n - MAX_ENTRIES; i++)
		unlinkat(dir, entries[i].name, 0);
}

static int write_all(int fd, const void *p, size_t n)
{
	const unsigned char *b = p;
	while (n) {
		ssize_t w = write(fd, b, n);
		if (w <= 0)
			return -1;
		b += w, n -= (size_t)w;
	}
	return 0;
}

int progcache_store(const struct progcache *c, const struct prog_image *img)
{
	const char *why = NULL;
	unsigned char *body = NULL;
	size_t len = 0;
	char tmp[160];
	int dir = open_dir(c, true, &why), fd = -1;
	if (dir < 0) {
		say(c, "not storing in %s: %s", c->dir, why);
		return -1;
	}
	if (image_encode(img, &body, &len) != 0 || len > MAX_ENTRY - sizeof(struct header))
		goto fail;
	struct header h = {.format = FORMAT, .body_len = (uint32_t)len};
	memcpy(h.magic, MAGIC, sizeof h.magic);
	memcpy(h.key, c->key, sizeof h.key);
	body_sum(body, len, h.body_sum);
	/* A crash mid-write leaves a short file: the checksum refuses it, so no fsync. */
	snprintf(tmp, sizeof tmp, ".%s.%d.tmp", c->file, (int)getpid());
	fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	bool ok = fd >= 0 && fchmod(fd, 0600) == 0 && write_all(fd, &h, sizeof h) == 0 &&
		  write_all(fd, body, len) == 0;
	if (fd >= 0 && close(fd) != 0)
		ok = false;
	if (!ok) {
		if (fd >= 0)
			unlinkat(dir, tmp, 0);
		goto fail;
	}
	if (renameat(dir, tmp, dir, c->file) != 0) {
		unlinkat(dir, tmp, 0);
		goto fail;
	}
	say(c, "stored the compiled program in %s/%s", c->dir, c->file);
	prune(dir);
	free(body);
	close(dir);
	return 0;
fail:
	say(c, "cannot store %s/%s: %s", c->dir, c->file, strerror(errno));
	free(body);
	close(dir);
	return -1;
}
