#include "khdr.h"

#include "embedded.h"
#include "errors.h"

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

static const char dir_template[] = "/tmp/socklens-hdr.XXXXXX";
static char dir[sizeof dir_template];
static int written, remove_at_exit;

/* Creates every parent directory of dir/rel. */
static void make_parents(const char *rel)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/%s", dir, rel);
	for (char *p = path + strlen(dir) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST)
			runtime_error("cannot create %s: %s", path, strerror(errno));
		*p = '/';
	}
}

static void write_file(const char *rel, const char *data, size_t size)
{
	char path[PATH_MAX];
	make_parents(rel);
	snprintf(path, sizeof path, "%s/%s", dir, rel);
	FILE *f = fopen(path, "w");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		runtime_error("cannot write %s: %s", path, strerror(errno));
}

/* LINUX_VERSION_CODE of the running kernel: libbcc puts it in the program. */
static void write_version(void)
{
	struct utsname u;
	unsigned a = 0, b = 0, c = 0;
	uname(&u);
	sscanf(u.release, "%u.%u.%u", &a, &b, &c);
	char text[256];
	int n = snprintf(text, sizeof text,
			 "#define LINUX_VERSION_CODE %u\n"
			 "#define KERNEL_VERSION(a, b, c) (((a) << 16) + ((b) << 8) + ((c) > 255 ? 255 : (c)))\n",
			 (a << 16) + (b << 8) + (c > 255 ? 255 : c));
	write_file("include/linux/version.h", text, (size_t)n);
}

const char *khdr_write(void)
{
	/* mkdtemp() fills the X's in: a second compile in one run (a kernel
	 * that refused the BTF-typed program) needs them back */
	memcpy(dir, dir_template, sizeof dir_template);
	if (!mkdtemp(dir))
		runtime_error("cannot create a private directory in /tmp: %s", strerror(errno));
	written = 1;
	if (!remove_at_exit++)
		atexit(khdr_remove);
	for (const struct embedded_file *f = kernel_header_tree; f->path; f++)
		write_file(f->path, f->data, f->size);
	write_version();
	return dir;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st, (void)type, (void)ftw;
	remove(path);
	return 0;
}

void khdr_remove(void)
{
	if (!written)
		return;
	written = 0;
	/* The directory is ours alone (mode 0700), so all of it goes. */
	nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}
