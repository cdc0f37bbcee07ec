#include "attach.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The number after prefix in a one-line sysfs or tracefs file ("42",
 * "config:9"); -1 if unreadable. */
static long read_number(const char *path, const char *prefix)
{
	FILE *f = fopen(path, "r");
	char line[64];
	long v = -1;
	if (f) {
		size_t n = strlen(prefix);
		if (fgets(line, sizeof line, f) && strncmp(line, prefix, n) == 0) {
			char *end;
			v = strtol(line + n, &end, 10);
			if (end == line + n || v < 0)
				v = -1;
		}
		fclose(f);
	}
	return v;
}

/* Opens the perf event and hands it the program; closing it detaches. */
static int perf_with_prog(struct perf_event_attr *attr, int prog_fd)
{
	attr->size = sizeof *attr;
	attr->sample_period = 1;
	attr->wakeup_events = 1;
	int fd = (int)syscall(__NR_perf_event_open, attr, -1 /* any process */, 0 /* cpu */, -1,
			      PERF_FLAG_FD_CLOEXEC);
	if (fd < 0)
		return -1;
	if (ioctl(fd, PERF_EVENT_IOC_SET_BPF, prog_fd) != 0 || ioctl(fd, PERF_EVENT_IOC_ENABLE, 0) != 0) {
		int err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

int attach_tracepoint(int prog_fd, const char *target)
{
	static const char *const roots[] = {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"};
	const char *colon = strchr(target, ':');
	if (!colon) {
		errno = EINVAL;
		return -1;
	}
	long id = -1;
	for (size_t i = 0; i < sizeof roots / sizeof *roots && id < 0; i++) {
		char path[256];
		snprintf(path, sizeof path, "%s/events/%.*s/%s/id", roots[i], (int)(colon - target), target, colon + 1);
		id = read_number(path, "");
	}
	if (id < 0) {
		errno = ENOENT;
		return -1;
	}
	struct perf_event_attr attr = {.type = PERF_TYPE_TRACEPOINT, .config = (uint64_t)id};
	return perf_with_prog(&attr, prog_fd);
}

int attach_raw_tracepoint(int prog_fd, const char *name, bool typed)
{
	/* a typed program names its tracepoint in its load (attach_btf_id) */
	int fd = bpf_raw_tracepoint_open(typed ? NULL : name, prog_fd);
	if (fd < 0) {
		errno = -fd;
		return -1;
	}
	return fd;
}

int attach_kprobe(int prog_fd, const char *func, bool ret)
{
	long type = read_number("/sys/bus/event_source/devices/kprobe/type", "");
	long bit = ret ? read_number("/sys/bus/event_source/devices/kprobe/format/retprobe", "config:") : 0;
	if (type < 0 || bit < 0 || bit > 63) {
		errno = EOPNOTSUPP;
		return -1;
	}
	struct perf_event_attr attr = {.type = (uint32_t)type};
	attr.config = ret ? 1ULL << bit : 0;
	attr.config1 = (uint64_t)(uintptr_t)func; /* the function's name */
	return perf_with_prog(&attr, prog_fd);
}
