/* The textfile for node_exporter: replaced atomically (a reader looping on
 * the file while it is rewritten only ever sees one of the complete
 * versions), mode 0644 whatever the umask, no temporary file left behind,
 * and one clear message for a directory that cannot take it. */
#include "check.h"
#include "render.h"

#include "metrics/textfile.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Under TMPDIR (check_tempdir): the paths below are sized for at most this. */
static char dir[128];

/* A registry whose text is about size * 60 bytes, every value v: the two
 * versions the writer alternates differ in size and in every line. */
static struct metric_registry *version(int size, uint64_t v)
{
	struct metric_registry *r = metric_registry_new();
	struct metric_family *f = metric_counter(r, "socklens_atomic_total", "atomic replace test",
						  (const char *const[]){"n", NULL}, 100000);
	char buf[16];
	for (int i = 0; i < size; i++) {
		snprintf(buf, sizeof buf, "%d", i);
		metric_counter_set(metric_series(f, (const char *const[]){buf}), v);
	}
	return r;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t cap = 0, n = 0, got;
	do {
		cap += 65536;
		buf = realloc(buf, cap + 1);
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (n == cap);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

/* Names in dir other than "." and "..", when want is NULL; else checks each is want. */
static int entries(const char *in, const char *want)
{
	DIR *d = opendir(in);
	int n = 0;
	for (struct dirent *e; d && (e = readdir(d));) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (want)
			CHECK_STR(e->d_name, want);
		n++;
	}
	if (d)
		closedir(d);
	return n;
}

static void atomic_replace(void)
{
	char err[512], path[256];
	snprintf(path, sizeof path, "%s/sample.prom", dir);
	struct metric_registry *small = version(50, 1), *big = version(5000, 2); /* 4 KB and 300 KB */
	char *want_small = render(small), *want_big = render(big);
	mode_t old_umask = umask(077);
	struct metric_textfile *t = metric_textfile_open(dir, "sample", err, sizeof err);
	CHECK(t != NULL);
	CHECK(metric_textfile_write(t, small, err, sizeof err) == 0);
	umask(old_umask);

	pid_t writer = fork();
	if (writer == 0) {
		for (int i = 0;; i++)
			if (metric_textfile_write(t, i % 2 ? small : big, err, sizeof err) != 0) {
				fprintf(stderr, "writer: %s\n", err);
				_exit(1);
			}
	}
	/* read until both versions were seen often (the writer may start late on
	 * a loaded machine); bounded by time, not by a count of reads */
	int reads = 0, partial = 0, seen_small = 0, seen_big = 0;
	time_t give_up = time(NULL) + 30;
	for (; (reads < 2000 || seen_small < 100 || seen_big < 100) && time(NULL) < give_up; reads++) {
		char *got = slurp(path);
		if (!got || (strcmp(got, want_small) && strcmp(got, want_big)))
			partial++;
		else if (!strcmp(got, want_small))
			seen_small++;
		else
			seen_big++;
		free(got);
	}
	kill(writer, SIGKILL);
	waitpid(writer, NULL, 0);
	printf("%d reads during rewrites: %d of the small version, %d of the big one, %d partial\n", reads,
	       seen_small, seen_big, partial);
	CHECK_EQ(partial, 0);
	/* the loop really raced the writer: both versions were read */
	CHECK(seen_small >= 100 && seen_big >= 100);

	/* killed at any point, the writer leaves at most one temporary file,
	 * which changes nothing for the next write */
	CHECK(metric_textfile_write(t, small, err, sizeof err) == 0);
	char *got = slurp(path);
	CHECK(got && !strcmp(got, want_small));
	free(got);
	struct stat st;
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644);
	metric_textfile_close(t);
	CHECK(entries(dir, NULL) <= 2); /* sample.prom and maybe the killed writer's .tmp */
	metric_registry_free(small);
	metric_registry_free(big);
	free(want_small);
	free(want_big);
}

static void no_temporary_left(void)
{
	char sub[300], err[512];
	snprintf(sub, sizeof sub, "%s/clean", dir);
	mkdir(sub, 0755);
	struct metric_registry *r = version(3, 1);
	struct metric_textfile *t = metric_textfile_open(sub, "tcpconnect", err, sizeof err);
	CHECK(t && metric_textfile_write(t, r, err, sizeof err) == 0 && metric_textfile_write(t, r, err, sizeof err) == 0);
	metric_textfile_close(t);
	int n = entries(sub, "tcpconnect.prom");
	CHECK_EQ(n, 1);
	metric_registry_free(r);
}

/* The message for dir names the directory and says what to do. */
static void fails(const char *bad, const char *want)
{
	char err[512] = "";
	struct metric_textfile *t = metric_textfile_open(bad, "sample", err, sizeof err);
	CHECK(t == NULL);
	if (!strstr(err, bad) || !strstr(err, want)) {
		fprintf(stderr, "message for %s: '%s', want '%s'\n", bad, err, want);
		check_failures++;
	}
	metric_textfile_close(t);
}

static void errors(void)
{
	char missing[300], file[300], locked[300];
	snprintf(missing, sizeof missing, "%s/no/such/dir", dir);
	fails(missing, "does not exist: create it (mkdir -p");
	snprintf(file, sizeof file, "%s/a-file", dir);
	close(open(file, O_CREAT | O_WRONLY, 0644));
	fails(file, "is not a directory");
	/* it exists but takes no new files (procfs answers ENOENT) */
	fails("/proc", "takes no new files");
	char err[512];
	CHECK(metric_textfile_open(dir, "../escape", err, sizeof err) == NULL);

	/* not writable: root writes anywhere, so try it as nobody */
	snprintf(locked, sizeof locked, "%s/locked", dir);
	mkdir(locked, 0755);
	chmod(dir, 0755); /* mkdtemp made it 0700: nobody must reach locked */
	pid_t child = fork();
	if (child == 0) {
		if (geteuid() == 0 && setuid(65534) != 0)
			_exit(2);
		chmod(locked, 0555); /* as its owner, when not root */
		fails(locked, "is not writable by this user");
		_exit(check_failures ? 1 : 0);
	}
	int status;
	waitpid(child, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int main(void)
{
	if (!check_tempdir(dir, sizeof dir, "socklens-metrics")) {
		perror("a temporary directory under TMPDIR (at most 100 characters)");
		return 1;
	}
	atomic_replace();
	no_temporary_left();
	errors();
	char cmd[64 + sizeof dir];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return CHECK_DONE();
}
