#include "loader.h"

#include "errors.h"
#include "kfeatures.h"
#include "khdr.h"
#include "ksymstub.h"
#include "memtrim.h"

#include <bcc/bcc_common.h>
#include <bcc/bcc_elf.h>
#include <bcc/libbpf.h>
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

void loader_compile(struct loader *l, const char *text, bool real_headers)
{
	memset(l, 0, sizeof *l);
	ensure_tracefs();
	if (!real_headers)
		setenv("BCC_KERNEL_SOURCE", khdr_write(), 1);
	ksymstub_begin();
	l->mod = bpf_module_create_c_from_string(text, 0, NULL, 0, true, NULL);
	ksymstub_end();
	khdr_remove();
	if (!l->mod)
		runtime_error("the BPF program did not compile (see the compiler's message above)%s",
			      real_headers ? "; this kernel has no BTF: install its linux-headers package" : "");
}

static const char *kind_name(enum probe_kind k)
{
	static const char *names[] = {"tracepoint", "raw_tracepoint", "kprobe", "kretprobe"};
	return names[k];
}

static int prog_type(enum probe_kind k)
{
	switch (k) {
	case PROBE_TRACEPOINT: return BPF_PROG_TYPE_TRACEPOINT;
	case PROBE_RAW_TRACEPOINT: return BPF_PROG_TYPE_RAW_TRACEPOINT;
	default: return BPF_PROG_TYPE_KPROBE;
	}
}

static int attach_one(const struct probe *p, int prog_fd, char *kprobe_event, size_t size)
{
	char category[64];
	const char *colon;
	switch (p->kind) {
	case PROBE_TRACEPOINT:
		colon = strchr(p->target, ':');
		snprintf(category, sizeof category, "%.*s", (int)(colon - p->target), p->target);
		return bpf_attach_tracepoint(prog_fd, category, colon + 1);
	case PROBE_RAW_TRACEPOINT:
		return bpf_attach_raw_tracepoint(prog_fd, p->target);
	case PROBE_KPROBE:
	case PROBE_KRETPROBE: {
		if (!kernel_has_kprobes()) {
			errno = EOPNOTSUPP; /* asking libbcc would only print its own error */
			return -1;
		}
		snprintf(kprobe_event, size, "socklens_%d_%s", getpid(), p->target);
		return bpf_attach_kprobe(prog_fd, p->kind == PROBE_KPROBE ? BPF_PROBE_ENTRY : BPF_PROBE_RETURN,
					 kprobe_event, p->target, 0, 0);
	}
	}
	return -1;
}

/* Our own dup of every map, so they outlive the module. */
static void keep_maps(struct loader *l)
{
	size_t n = bpf_num_tables(l->mod);
	for (size_t id = 0; id < n; id++) {
		int fd = bpf_table_fd_id(l->mod, id);
		if (fd < 0)
			continue;
		if (l->nmaps == MAX_MAPS)
			runtime_error("internal error: the program has more than %d maps (MAX_MAPS)", MAX_MAPS);
		fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		if (fd < 0)
			runtime_error("dup: %s", strerror(errno));
		const char *name = bpf_table_name(l->mod, id);
		if (strlen(name) >= sizeof l->map_names[0])
			runtime_error("internal error: map name '%s' longer than %zu bytes", name,
				      sizeof l->map_names[0] - 1);
		snprintf(l->map_names[l->nmaps], sizeof l->map_names[0], "%s", name);
		l->map_fds[l->nmaps++] = fd;
	}
}

void loader_attach(struct loader *l, const struct probe *probes, bool use_kprobes, bool verbose)
{
	static char log[1 << 16];
	for (const struct probe *p = probes; p->fn; p++) {
		void *start = bpf_function_start(l->mod, p->fn);
		if (!start)
			continue; /* not part of this mode's program */
		if (!use_kprobes && (p->kind == PROBE_KPROBE || p->kind == PROBE_KRETPROBE)) {
			if (verbose)
				note("not using kprobe:%s (--no-kprobes)", p->target);
			continue;
		}
		if (l->nprobes == MAX_PROBES)
			runtime_error("internal error: more than %d probes", MAX_PROBES);
		log[0] = '\0';
		int fd = bcc_func_load(l->mod, prog_type(p->kind), p->fn, start,
				       (int)bpf_function_size(l->mod, p->fn), bpf_module_license(l->mod),
				       bpf_module_kern_version(l->mod), 0, log, sizeof log, NULL, -1);
		char *kev = l->kprobe_events[l->nprobes];
		kev[0] = '\0';
		int link = fd >= 0 ? attach_one(p, fd, kev, sizeof l->kprobe_events[0]) : -1;
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
			if (log[0])
				fprintf(stderr, "%s\n", log);
			runtime_error("cannot %s %s:%s: %s", fd < 0 ? "load the program for" : "attach",
				      kind_name(p->kind), p->target, strerror(err));
		}
		l->prog_fds[l->nprobes] = fd;
		l->link_fds[l->nprobes++] = link;
		if (verbose)
			note("attached %s:%s", kind_name(p->kind), p->target);
	}
	bcc_free_memory();
	keep_maps(l);
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
	if (!l->mod)
		return;
	bpf_module_destroy(l->mod);
	l->mod = NULL;
	memtrim_release();
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
	for (int i = 0; i < l->nprobes; i++) {
		/* Kernels without the kprobe PMU keep kprobe_events entries past close. */
		if (l->kprobe_events[i][0])
			bpf_detach_kprobe(l->kprobe_events[i]);
		close(l->prog_fds[i]);
	}
	l->nprobes = 0;
	for (int i = 0; i < l->nmaps; i++)
		close(l->map_fds[i]);
	l->nmaps = 0;
	if (l->mod)
		bpf_module_destroy(l->mod);
	l->mod = NULL;
}
