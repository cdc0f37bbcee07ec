#include "loader.h"

#include "attach.h"
#include "compiler.h"
#include "errors.h"
#include "kfeatures.h"
#include "layout.h"
#include "mapbtf.h"
#include "progcache.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#define CAP_SYS_ADMIN_BIT 21
#define CAP_PERFMON_BIT 38
#define CAP_BPF_BIT 39

static unsigned long long effective_caps(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	unsigned long long caps = 0;
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "CapEff: %llx", &caps) == 1)
			break;
	if (f)
		fclose(f);
	return caps;
}

void require_bpf_privileges(void)
{
	unsigned long long caps = effective_caps();
	bool admin = caps & (1ULL << CAP_SYS_ADMIN_BIT);
	bool bpf = caps & (1ULL << CAP_BPF_BIT), perfmon = caps & (1ULL << CAP_PERFMON_BIT);
	if (admin || (bpf && perfmon))
		return;
	runtime_error("needs root (CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN)%s: run it with sudo",
		      geteuid() == 0 ? "; this root lacks them" : "");
}

/* libbcc reads tracepoint formats from tracefs; mount it where it is missing,
 * as perf and libtracefs do. */
static void ensure_tracefs(void)
{
	if (access("/sys/kernel/tracing/events", F_OK) == 0 ||
	    access("/sys/kernel/debug/tracing/events", F_OK) == 0)
		return;
	if (mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL) != 0)
		runtime_error("tracefs is not mounted and mounting it failed (%s): "
			      "mount -t tracefs nodev /sys/kernel/tracing", strerror(errno));
}

/* Compiles the text and stores the result in the cache entry. */
static void compile_and_store(struct loader *l)
{
	compiler_compile(l->src.text, l->src.real_headers, &l->img);
	l->compiled = true;
	if (l->src.use_cache)
		progcache_store(&l->cache, &l->img);
}

void loader_prepare(struct loader *l, const struct program_source *src)
{
	memset(l, 0, sizeof *l);
	l->src = *src;
	ensure_tracefs();
	if (src->use_cache) {
		progcache_init(&l->cache, src->tool, src->text, src->real_headers, src->verbose);
		if (progcache_load(&l->cache, &l->img) == 0)
			return;
	} else if (src->verbose) {
		note("cache: not used (--no-cache)");
	}
	compile_and_store(l);
}

static const char *kind_name(enum probe_kind k)
{
	static const char *names[] = {"tracepoint", "raw_tracepoint", "kprobe", "kretprobe"};
	return names[k];
}

/* A typed raw tracepoint of a text built with BTF_RAW_TP loads BTF-typed. */
static bool typed(const struct loader *l, const struct probe *p)
{
	return p->kind == PROBE_RAW_TRACEPOINT && p->typed && l->src.typed_raw_tracepoints;
}

static enum bpf_prog_type prog_type(const struct loader *l, const struct probe *p)
{
	if (typed(l, p))
		return BPF_PROG_TYPE_TRACING;
	switch (p->kind) {
	case PROBE_TRACEPOINT: return BPF_PROG_TYPE_TRACEPOINT;
	case PROBE_RAW_TRACEPOINT: return BPF_PROG_TYPE_RAW_TRACEPOINT;
	default: return BPF_PROG_TYPE_KPROBE;
	}
}

static int attach_one(const struct loader *l, const struct probe *p, int prog_fd)
{
	switch (p->kind) {
	case PROBE_TRACEPOINT:
		return attach_tracepoint(prog_fd, p->target);
	case PROBE_RAW_TRACEPOINT:
		return attach_raw_tracepoint(prog_fd, p->target, typed(l, p));
	case PROBE_KPROBE:
	case PROBE_KRETPROBE:
		if (!kernel_has_kprobes()) {
			errno = EOPNOTSUPP;
			return -1;
		}
		return attach_kprobe(prog_fd, p->target, p->kind == PROBE_KRETPROBE);
	}
	errno = EINVAL;
	return -1;
}

/* The kernel keeps 15 bytes of a map's or program's name (bpftool shows them). */
static void kernel_name(char dst[BPF_OBJ_NAME_LEN], const char *name)
{
	size_t n = strnlen(name, BPF_OBJ_NAME_LEN - 1);
	memcpy(dst, name, n);
	dst[n] = '\0';
}

/* Every map the program declares, named as in the text. */
static void create_maps(struct loader *l)
{
	if (l->img.nmaps > MAX_MAPS)
		runtime_error("internal error: the program has more than %d maps (MAX_MAPS)", MAX_MAPS);
	for (uint32_t i = 0; i < l->img.nmaps; i++) {
		const struct image_map *m = &l->img.maps[i];
		char kname[BPF_OBJ_NAME_LEN];
		kernel_name(kname, m->name);
		LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = m->flags);
		struct map_btf btf = {.fd = -1};
		if (map_type_needs_btf(m->type)) {
			if (map_btf_load(m->value_size, &btf) != 0)
				runtime_error("cannot describe map %s to the kernel (BTF): %s", m->name, strerror(errno));
			opts.btf_fd = (uint32_t)btf.fd;
			opts.btf_key_type_id = btf.key_type_id;
			opts.btf_value_type_id = btf.value_type_id;
		}
		int fd = bpf_map_create((enum bpf_map_type)m->type, kname, m->key_size, m->value_size,
					m->max_entries, &opts);
		int err = errno;
		map_btf_free(&btf);
		if (fd < 0)
			runtime_error("cannot create map %s: %s", m->name, strerror(err));
		snprintf(l->map_names[i], sizeof l->map_names[0], "%s", m->name);
		l->map_fds[i] = fd;
		l->nmaps = (int)i + 1;
	}
}

/* Loads one program with this run's map fds patched in; the fd, or -1
 * with errno. btf_id: a typed program's tracepoint (its btf_trace_
 * typedef; -1: the kernel has none), else 0. With log, the verifier's log
 * goes there (for a message). */
static int load_prog(const struct loader *l, const struct image_prog *ip, const struct probe *p, int btf_id,
		     char *log, size_t size)
{
	if (btf_id < 0) {
		errno = ENOENT; /* no such tracepoint in this kernel */
		return -1;
	}
	struct bpf_insn *insns = malloc(ip->ninsns * sizeof *insns);
	if (!insns) {
		errno = ENOMEM;
		return -1;
	}
	memcpy(insns, ip->insns, ip->ninsns * sizeof *insns);
	for (uint32_t r = 0; r < ip->nrelocs; r++)
		insns[ip->relocs[r].insn].imm = l->map_fds[ip->relocs[r].map];
	char kname[BPF_OBJ_NAME_LEN];
	kernel_name(kname, ip->name);
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .kern_version = l->img.kern_version, .log_level = log ? 1 : 0,
		    .log_buf = log, .log_size = log ? (uint32_t)size : 0,
		    .expected_attach_type = btf_id ? BPF_TRACE_RAW_TP : 0, .attach_btf_id = (__u32)btf_id);
	int fd = bpf_prog_load(prog_type(l, p), kname, l->img.license, insns, ip->ninsns, &opts);
	int err = errno;
	free(insns);
	errno = err;
	return fd < 0 ? -1 : fd;
}

/* One program to load; the kernel verifies each on load, which is most of
 * a start from the cache (podnet's packet programs take 50-90 ms each
 * here), and verifies loads from several threads at once. */
struct load_job {
	const struct loader *l;
	const struct probe *p;
	const struct image_prog *ip;
	int btf_id;                 /* for load_prog(), found before the threads start */
	int fd, err;
	pthread_t thread;
	bool started;
};

static void *run_load_job(void *arg)
{
	struct load_job *j = arg;
	j->fd = load_prog(j->l, j->ip, j->p, j->btf_id, NULL, 0);
	j->err = errno;
	return NULL;
}

/* The probes to load: their function is in this mode's program, and
 * kprobes only if use_kprobes. */
static int plan_loads(const struct loader *l, const struct probe *probes, bool use_kprobes, bool verbose,
		      struct load_job *jobs)
{
	int n = 0;
	for (const struct probe *p = probes; p->fn; p++) {
		const struct image_prog *ip = image_prog(&l->img, p->fn);
		if (!ip)
			continue; /* not part of this mode's program */
		if (!use_kprobes && (p->kind == PROBE_KPROBE || p->kind == PROBE_KRETPROBE)) {
			if (verbose)
				note("not using kprobe:%s (--no-kprobes)", p->target);
			continue;
		}
		if (n == MAX_PROBES)
			runtime_error("internal error: more than %d probes", MAX_PROBES);
		jobs[n++] = (struct load_job){.l = l, .p = p, .ip = ip, .fd = -1,
					      .btf_id = typed(l, p) ? layout_tracepoint_btf_id(p->target) : 0};
	}
	return n;
}

/* A program that came from the cache and that the kernel refused (not for
 * want of privilege: compiling again would not change that); said once. */
static bool refused_from_cache(const struct load_job *jobs, int n)
{
	for (int i = 0; i < n; i++)
		if (jobs[i].fd < 0 && jobs[i].err != EPERM) {
			note("cache: the kernel refused the cached program for %s:%s (%s): compiling it again",
			     kind_name(jobs[i].p->kind), jobs[i].p->target, strerror(jobs[i].err));
			return true;
		}
	return false;
}

/* A BTF-typed program the kernel refused, not for want of privilege: said
 * once. Its text loads untyped instead (loader_attach's caller). */
static bool refused_typed(const struct loader *l, const struct load_job *jobs, int n)
{
	for (int i = 0; i < n; i++)
		if (jobs[i].fd < 0 && jobs[i].err != EPERM && typed(l, jobs[i].p)) {
			note("the kernel refused the BTF-typed program for %s:%s (%s): loading plain raw "
			     "tracepoints instead (--no-tp-btf does so from the start)",
			     kind_name(jobs[i].p->kind), jobs[i].p->target, strerror(jobs[i].err));
			return true;
		}
	return false;
}

/* Closes what a refused image left: its loaded programs and its maps. */
static void discard_loaded(struct loader *l, const struct load_job *jobs, int n)
{
	for (int i = 0; i < n; i++)
		if (jobs[i].fd >= 0)
			close(jobs[i].fd);
	for (int i = 0; i < l->nmaps; i++)
		close(l->map_fds[i]);
	l->nmaps = 0;
	image_free(&l->img);
}

bool loader_attach(struct loader *l, const struct probe *probes, bool use_kprobes, bool verbose)
{
	static char log[1 << 16];
	struct load_job jobs[MAX_PROBES];
	create_maps(l);
	int n = plan_loads(l, probes, use_kprobes, verbose, jobs);
	for (int i = 0; i < n; i++)
		if (!(jobs[i].started = pthread_create(&jobs[i].thread, NULL, run_load_job, &jobs[i]) == 0))
			run_load_job(&jobs[i]);
	for (int i = 0; i < n; i++)
		if (jobs[i].started)
			pthread_join(jobs[i].thread, NULL);
	if (refused_typed(l, jobs, n)) {
		/* compiling the same text again would not change that */
		discard_loaded(l, jobs, n);
		return false;
	}
	if (!l->compiled && refused_from_cache(jobs, n)) {
		/* the entry passed its checks but is not what this kernel accepts
		 * (changed with its checksum, or a kernel the key did not tell
		 * apart): the compile it stands for is made again */
		discard_loaded(l, jobs, n);
		compile_and_store(l);
		return loader_attach(l, probes, use_kprobes, verbose);
	}
	/* attached in the table's order, as before */
	for (int i = 0; i < n; i++) {
		const struct probe *p = jobs[i].p;
		int fd = jobs[i].fd;
		errno = jobs[i].err;
		int link = fd >= 0 ? attach_one(l, p, fd) : -1;
		if (link < 0) {
			int err = errno;
			if (fd >= 0)
				close(fd);
			if (p->optional) {
				if (p->covers)
					note("%s:%s unavailable (%s): %s are not seen", kind_name(p->kind),
					     p->target, strerror(err), p->covers);
				continue;
			}
			log[0] = '\0';
			if (fd < 0 && err != EPERM) { /* again, for the verifier's log */
				int again = load_prog(l, jobs[i].ip, p, jobs[i].btf_id, log, sizeof log);
				if (again >= 0)
					close(again);
			}
			if (log[0])
				fprintf(stderr, "%s\n", log);
			runtime_error("cannot %s %s:%s: %s", fd < 0 ? "load the program for" : "attach",
				      kind_name(p->kind), p->target, strerror(err));
		}
		l->prog_fds[l->nprobes] = fd;
		l->link_fds[l->nprobes++] = link;
		if (verbose)
			note("attached %s:%s%s", kind_name(p->kind), p->target, typed(l, p) ? " (BTF-typed)" : "");
	}
	/* programs loaded but not attached (a required one failed) close on exit */
	return true;
}

int loader_map_fd(struct loader *l, const char *name)
{
	for (int i = 0; i < l->nmaps; i++)
		if (strcmp(l->map_names[i], name) == 0)
			return l->map_fds[i];
	return -1;
}

void loader_release_compiler(struct loader *l)
{
	image_free(&l->img);
	if (l->compiled)
		compiler_release();
}
static void *close_fd(void *fd)
{
	close((int)(intptr_t)fd);
	return NULL;
}

/* Closing a tracepoint's perf event waits for an RCU grace period, one
 * after another: 70-90 ms each here, over a second under load for a tool's
 * seven probes at Ctrl-C. Closed from threads, the waits overlap. */
static void close_links(struct loader *l)
{
	pthread_t threads[MAX_PROBES];
	bool started[MAX_PROBES] = {false};
	for (int i = 0; i < l->nprobes; i++) {
		int fd = l->link_fds[i];
		if (fd < 0)
			continue;
		started[i] = pthread_create(&threads[i], NULL, close_fd, (void *)(intptr_t)fd) == 0;
		if (!started[i])
			close(fd);
	}
	for (int i = 0; i < l->nprobes; i++) {
		if (started[i])
			pthread_join(threads[i], NULL);
		l->link_fds[i] = -1;
	}
}

void loader_close(struct loader *l)
{
	close_links(l);
	for (int i = 0; i < l->nprobes; i++)
		close(l->prog_fds[i]);
	l->nprobes = 0;
	for (int i = 0; i < l->nmaps; i++)
		close(l->map_fds[i]);
	l->nmaps = 0;
	image_free(&l->img);
}
