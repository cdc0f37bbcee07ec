#include "opts.h"

#include "errors.h"
#include "nsid.h"
#include "parse.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#ifndef SOCKLENS_VERSION
#define SOCKLENS_VERSION "0.1.0"
#endif

#define PID_MAX_LIMIT 4194304    /* the kernel's upper bound on pid_max */
#define UID_MAX 4294967294ULL    /* (uid_t)-1 is "no uid" */
#define MAX_TOOL_OPTIONS 24
#define RATE_LIMIT_MAX 10000000  /* records per second: far above what a reader keeps up with */

enum {
	OPT_NETNS = 1000, OPT_CGROUP, OPT_DURATION, OPT_MAX_EVENTS, OPT_EBPF, OPT_VERSION,
	OPT_BUFFER_PAGES, OPT_PERF_BUFFER, OPT_NO_KPROBES, OPT_NO_TP_BTF, OPT_NO_CACHE, OPT_READ, OPT_CONTAINER, OPT_POD, OPT_NAMES,
	OPT_NO_NAMES, OPT_METRICS_DIR, OPT_METRICS_INTERVAL, OPT_METRICS_MAX_SERIES, OPT_METRICS_ONLY,
	OPT_METRICS_RADDR, OPT_RATE_LIMIT,
};

/* -i: shorter windows than this would be mostly the map's read */
#define MIN_INTERVAL 0.1

static const struct tool_option common_options[] = {
	{"pid", 'p', "PID[,PID...]", "only processes with these ids"},
	{"uid", 'u', "UID", "only this user id"},
	{"ipv4", '4', NULL, "IPv4 only"},
	{"ipv6", '6', NULL, "IPv6 only"},
	{"netns", OPT_NETNS, "PATH", "only this network namespace (/proc/PID/ns/net, /run/netns/NAME)"},
	{"cgroup", OPT_CGROUP, "PATH", "only processes in this cgroup v2 directory"},
	{"container", OPT_CONTAINER, "NAME|ID-PREFIX", "only this container (followed as it starts and restarts)"},
	{"pod", OPT_POD, "[NAMESPACE/]NAME", "only this pod (followed as it starts and restarts)"},
	{"names", OPT_NAMES, NULL, "text: add the POD and CONTAINER columns"},
	{"no-names", OPT_NO_NAMES, NULL, "do not name containers and pods (no name keys in JSON and CSV)"},
	{"timestamp", 't', NULL, "text: add TIME(s), seconds since start"},
	{"time", 'T', NULL, "text: add TIME, wall clock HH:MM:SS"},
	{"json", 'j', NULL, "NDJSON output, one object per line (same as -o json)"},
	{"output", 'o', "FORMAT", "output format: text, json, csv or raw"},
	{"no-header", 'H', NULL, "no header line (text and csv)"},
	{"metrics-dir", OPT_METRICS_DIR, "DIR",
	 "write Prometheus metrics to DIR/TOOL.prom for node_exporter's textfile collector"},
	{"metrics-interval", OPT_METRICS_INTERVAL, "SECONDS", "rewrite the metrics file this often (default 15)"},
	{"metrics-max-series", OPT_METRICS_MAX_SERIES, "N",
	 "at most N label sets per metric; the others are counted as overflow (default 2000)"},
	{"metrics-only", OPT_METRICS_ONLY, NULL, "with --metrics-dir: no event records, only the metrics"},
	{"metrics-raddr", OPT_METRICS_RADDR, NULL,
	 "label the metrics with the remote address too (capped by --metrics-max-series)"},
	{"duration", OPT_DURATION, "SECONDS", "stop after this many seconds"},
	{"max-events", OPT_MAX_EVENTS, "N", "stop after N events"},
	{"rate-limit", OPT_RATE_LIMIT, "N", "at most N events per second leave the kernel; the rest are counted"},
	{"interval", 'i', "SECONDS", "count (-c), printing each window of SECONDS; an argument COUNT "
				      "after the options ends the run after COUNT windows"},
	{"buffer-pages", OPT_BUFFER_PAGES, "N", "kernel buffer size in 4 KiB pages, a power of 2 (default 256)"},
	{"perf-buffer", OPT_PERF_BUFFER, NULL, "use the per-CPU perf buffer even where a ring buffer exists"},
	{"no-kprobes", OPT_NO_KPROBES, NULL, "tracepoints only, even where the kernel has kprobes"},
	{"no-tp-btf", OPT_NO_TP_BTF, NULL,
	 "plain raw tracepoints, even where the kernel loads them BTF-typed (tp_btf)"},
	{"no-cache", OPT_NO_CACHE, NULL, "compile the BPF program, neither using nor storing a cached one"},
	{"read", OPT_READ, "FILE", "format a stream recorded with -o raw ('-': stdin); no kernel, no root"},
	{"verbose", 'v', NULL, "say on stderr which probes are attached"},
	{"ebpf", OPT_EBPF, NULL, "print the BPF program and exit (needs no privilege)"},
	{"help", 'h', NULL, "show this help and exit"},
	{"version", OPT_VERSION, NULL, "show the version and exit"},
	{0},
};

/* A tool may give a common option its own meaning (podnet's --pid), or
 * not take it at all. */
static bool overridden(const struct tool_option *c, const struct tool_desc *tool)
{
	for (const struct tool_option *t = tool->options; t->long_name; t++)
		if (strcmp(t->long_name, c->long_name) == 0 || t->key == c->key)
			return true;
	for (const char *const *w = tool->without; w && *w; w++)
		if (strcmp(*w, c->long_name) == 0)
			return true;
	return false;
}

static void print_options(const struct tool_option *opts, const struct tool_desc *except)
{
	for (const struct tool_option *t = opts; t->long_name; t++) {
		if (except && overridden(t, except))
			continue;
		char left[64];
		int n = (t->key < 256) ? snprintf(left, sizeof left, "-%c, --%s", t->key, t->long_name)
				       : snprintf(left, sizeof left, "    --%s", t->long_name);
		if (t->arg)
			snprintf(left + n, sizeof left - (size_t)n, " %s", t->arg);
		printf("  %-30s %s\n", left, t->help);
	}
}

/* The examples are written with the tool's own name; a user reads them with
 * the name the tool was run by (the Debian package's tcpconnect-socklens), so
 * that a copied line runs this tool and not another package's tcpconnect. */
static void print_examples(const char *examples, const char *name, const char *invoked)
{
	size_t n = strlen(name);
	for (const char *line = examples; *line;) {
		const char *end = strchrnul(line, '\n');
		const char *word = line + strspn(line, " ");
		if (strncmp(word, name, n) == 0 && (word[n] == ' ' || word + n == end))
			printf("%.*s%s%.*s", (int)(word - line), line, invoked, (int)(end - word - n), word + n);
		else
			printf("%.*s", (int)(end - line), line);
		if (*end)
			putchar('\n');
		line = *end ? end + 1 : end;
	}
}

static void print_help(const struct tool_desc *tool)
{
	printf("Usage: %s [OPTIONS]\n%s\n\nOptions of %s:\n", tool_name, tool->summary, tool_name);
	print_options(tool->options, NULL);
	printf("\nCommon options:\n");
	print_options(common_options, tool);
	printf("\nExit status: 0 done, 1 runtime failure, 2 usage error.\n\nEXAMPLES:\n");
	print_examples(tool->examples, tool->name, tool_name);
}

static void add_getopt(struct option *longs, int *nl, char *shorts, size_t *ns,
		       const struct tool_option *t)
{
	longs[*nl] = (struct option){t->long_name, t->arg ? required_argument : no_argument, NULL, t->key};
	(*nl)++;
	if (t->key < 256) {
		shorts[(*ns)++] = (char)t->key;
		if (t->arg)
			shorts[(*ns)++] = ':';
	}
}

static void add_pids(struct filter_spec *f, const char *arg)
{
	int n = parse_list("-p", "PID", arg, 1, PID_MAX_LIMIT, f->pids + f->npids,
			   FILTER_MAX_PIDS - f->npids);
	for (int i = f->npids; i < f->npids + n; i++)
		if (kill((pid_t)f->pids[i], 0) != 0 && errno == ESRCH)
			usage_error("-p: no process %u", f->pids[i]);
	f->npids += n;
}

void add_ports(const char *opt, const char *arg, uint32_t *ports, int *n)
{
	*n += parse_list(opt, "port", arg, 1, 65535, ports + *n, FILTER_MAX_PORTS - *n);
}

/* --container, --pod: checked now, matched at run time (nothing running
 * yet is not an error: the tool waits for it). */
static void add_query(struct common_opts *o, enum identity_query_kind kind, const char *opt, const char *arg)
{
	char err[400];
	if (o->nqueries == MAX_NAME_QUERIES)
		usage_error("%s: at most %d --container and --pod options", opt, MAX_NAME_QUERIES);
	if (identity_query_parse(&o->queries[o->nqueries], kind, arg, err, sizeof err) != 0)
		usage_error("%s: %s", opt, err);
	o->nqueries++;
	o->filter.names = FILTER_NAMES_PROCESS; /* podnet's lifecycle makes it FILTER_NAMES_NETNS */
}

static const char *format_names[] = {"text", "json", "csv", "raw"};
static const char *format_given; /* the option that chose the format: -j or -o */

/* -j, -o and a tool's shortcut name one format between them: a second,
 * different one is an error, not a silent choice of the last. */
void choose_format(struct common_opts *o, const char *opt, enum out_format f)
{
	if (format_given && o->format != f)
		usage_error("%s %s: the output is already %s (%s); give one format", opt, format_names[f],
			    format_names[o->format], format_given);
	o->format = f;
	format_given = opt;
}

static void set_format(struct common_opts *o, const char *arg)
{
	for (unsigned i = 0; i < sizeof format_names / sizeof *format_names; i++)
		if (strcmp(arg, format_names[i]) == 0) {
			choose_format(o, "-o", (enum out_format)i);
			return;
		}
	usage_error("-o: unknown output format '%s' (expected text, json, csv or raw)", arg);
}

/* -t and -T: one time column. */
static void choose_time(struct common_opts *o, const char *opt, enum time_column t)
{
	if (o->time != TIME_NONE && o->time != t)
		usage_error("%s: -t (seconds since start) and -T (time of day) are two time columns; give one", opt);
	o->time = t;
}

static bool buffer_pages_given; /* --buffer-pages, whatever its value */

static void handle_common(struct common_opts *o, int key, const char *arg)
{
	switch (key) {
	case 'p': add_pids(&o->filter, arg); break;
	case 'u':
		given_once(o->filter.has_uid, "-u", "user id");
		o->filter.has_uid = true;
		o->filter.uid = (uint32_t)parse_one("-u", "UID", arg, 0, UID_MAX);
		break;
	case '4': o->filter.family = (o->filter.family == 10) ? 1 : 2; break;
	case '6': o->filter.family = (o->filter.family == 2) ? 1 : 10; break;
	case OPT_NETNS:
		if (o->filter.nnetns == FILTER_MAX_NETNS)
			usage_error("--netns: at most %d namespaces", FILTER_MAX_NETNS);
		o->filter.netns[o->filter.nnetns++] = netns_inode_of("--netns", arg);
		break;
	case OPT_CGROUP:
		given_once(o->filter.has_cgroup, "--cgroup", "cgroup");
		o->filter.has_cgroup = true;
		o->filter.cgroup_id = cgroup_id_of("--cgroup", arg);
		break;
	case OPT_CONTAINER: add_query(o, QUERY_CONTAINER, "--container", arg); break;
	case OPT_POD: add_query(o, QUERY_POD, "--pod", arg); break;
	case OPT_NAMES: o->names_text = true; break;
	case OPT_NO_NAMES: o->no_names = true; break;
	case 't': choose_time(o, "-t", TIME_SINCE_START); break;
	case 'T': choose_time(o, "-T", TIME_OF_DAY); break;
	case 'j': choose_format(o, "-j", OUT_JSON); break;
	case 'o': set_format(o, arg); break;
	case 'H': o->no_header = true; break;
	case OPT_METRICS_DIR:
		given_once(o->metrics_dir != NULL, "--metrics-dir", "directory");
		if (!*arg)
			usage_error("--metrics-dir: give a directory");
		o->metrics_dir = arg;
		break;
	case OPT_METRICS_INTERVAL:
		given_once(o->metrics_interval > 0, "--metrics-interval", "interval");
		o->metrics_interval = parse_seconds("--metrics-interval", arg);
		if (o->metrics_interval < 1)
			usage_error("--metrics-interval: %s is under 1 second (the file is checked once a second)", arg);
		break;
	case OPT_METRICS_MAX_SERIES:
		given_once(o->metrics_max_series > 0, "--metrics-max-series", "series count");
		o->metrics_max_series = parse_one("--metrics-max-series", "series count", arg, 1, 1000000);
		break;
	case OPT_METRICS_ONLY: o->metrics_only = true; break;
	case OPT_METRICS_RADDR: o->metrics_raddr = true; break;
	case OPT_DURATION:
		given_once(o->duration > 0, "--duration", "duration");
		o->duration = parse_seconds("--duration", arg);
		break;
	case 'i':
		given_once(o->interval > 0, "-i", "interval");
		o->interval = parse_seconds("-i", arg);
		if (o->interval < MIN_INTERVAL)
			usage_error("-i: interval %s below the shortest, %g seconds", arg, MIN_INTERVAL);
		break;
	case OPT_MAX_EVENTS:
		given_once(o->max_events > 0, "--max-events", "count");
		o->max_events = parse_one("--max-events", "count", arg, 1, UINT64_MAX);
		break;
	case OPT_RATE_LIMIT:
		given_once(o->rate_limit > 0, "--rate-limit", "rate");
		o->rate_limit = (uint32_t)parse_one("--rate-limit", "rate", arg, 1, RATE_LIMIT_MAX);
		break;
	case OPT_BUFFER_PAGES:
		given_once(buffer_pages_given, "--buffer-pages", "page count");
		o->buffer_pages = (unsigned)parse_one("--buffer-pages", "page count", arg, 1, 262144);
		buffer_pages_given = true;
		if (o->buffer_pages & (o->buffer_pages - 1))
			usage_error("--buffer-pages: %s is not a power of 2", arg);
		break;
	case OPT_PERF_BUFFER: o->perf_buffer = true; break;
	case OPT_NO_KPROBES: o->no_kprobes = true; break;
	case OPT_NO_TP_BTF: o->no_tp_btf = true; break;
	case OPT_NO_CACHE: o->no_cache = true; break;
	case 'v': o->verbose = true; break;
	case OPT_EBPF: o->ebpf = true; break;
	case OPT_READ:
		given_once(o->read != NULL, "--read", "file");
		o->read = arg;
		break;
	}
}

static bool listed(const char *const *names, const char *name)
{
	for (; names && *names; names++)
		if (strcmp(*names, name) == 0)
			return true;
	return false;
}

/* Keeps, as typed, the first option given that shapes only event records
 * or only what is printed: a mode with nothing of that refuses it
 * (tool.c), where it would be ignored. */
static void note_shapes(struct common_opts *o, const struct tool_desc *tool, const struct tool_option *t)
{
	static const char *const event_columns[] = {"names", "timestamp", "time", NULL};
	static const char *const output_shapers[] = {"json", "output", "no-header", NULL};
	char *into = NULL;
	if (listed(event_columns, t->long_name) || listed(tool->event_columns, t->long_name))
		into = o->shapes_events;
	else if (listed(output_shapers, t->long_name) || listed(tool->output_shapers, t->long_name))
		into = o->shapes_output;
	if (!into || into[0])
		return;
	if (t->key > 0 && t->key < 256)
		snprintf(into, sizeof o->shapes_events, "-%c", t->key);
	else
		snprintf(into, sizeof o->shapes_events, "--%s", t->long_name);
}

void parse_options(int argc, char **argv, const struct tool_desc *tool, struct common_opts *o)
{
	struct option longs[sizeof common_options / sizeof *common_options + MAX_TOOL_OPTIONS + 1];
	char shorts[3 * (sizeof longs / sizeof *longs) + 2] = ":";
	size_t ns = 1;
	int nl = 0;

	/* Messages and --help name the command as it was typed: the package
	 * installs the tools as <tool>-socklens. */
	const char *slash = argc > 0 && argv[0] ? strrchr(argv[0], '/') : NULL;
	tool_name = slash ? slash + 1 : argc > 0 && argv[0] && *argv[0] ? argv[0] : tool->name;
	/* 256 pages (1 MiB): a ring buffer's pages are mapped twice into the
	 * reader and count twice in its RSS, so 4 MiB cost 8 MB; 1 MiB keeps the
	 * bench's full single-core storm free of loss (bench/README.md). */
	*o = (struct common_opts){.buffer_pages = 256};
	for (const struct tool_option *t = common_options; t->long_name; t++)
		if (!overridden(t, tool))
			add_getopt(longs, &nl, shorts, &ns, t);
	int ntool = 0;
	while (tool->options[ntool].long_name)
		ntool++;
	if (ntool > MAX_TOOL_OPTIONS)
		runtime_error("internal error: %d options, more than MAX_TOOL_OPTIONS (%d)", ntool,
			      MAX_TOOL_OPTIONS);
	for (const struct tool_option *t = tool->options; t->long_name; t++)
		add_getopt(longs, &nl, shorts, &ns, t);
	longs[nl] = (struct option){0};
	shorts[ns] = '\0';

	opterr = 0;
	int key;
	while ((key = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		if (key == '?') {
			if (optopt && optopt < 256)
				usage_error("unknown option '-%c' (see --help)", optopt);
			usage_error("unknown option '%s' (see --help)", argv[optind - 1]);
		}
		if (key == ':')
			usage_error("option '%s' needs a value (see --help)", argv[optind - 1]);
		if (key == 'h') {
			print_help(tool);
			tool_exit(0);
		}
		if (key == OPT_VERSION) {
			printf("%s (socklens) %s\n", tool_name, SOCKLENS_VERSION);
			tool_exit(0);
		}
		const struct tool_option *given = NULL;
		for (const struct tool_option *t = tool->options; !given && t->long_name; t++)
			if (t->key == key)
				given = t;
		int mine = given != NULL;
		for (const struct tool_option *t = common_options; !given && t->long_name; t++)
			if (t->key == key)
				given = t;
		if (given)
			note_shapes(o, tool, given);
		if (mine)
			tool->handle(key, optarg, o, tool->ctx);
		else
			handle_common(o, key, optarg);
	}
	/* bcc's top tools: "interval count"; getopt moved the arguments last */
	if (optind < argc && o->interval > 0)
		o->interval_count = parse_one("-i", "window count", argv[optind++], 1, UINT64_MAX);
	if (optind < argc)
		usage_error("unexpected argument '%s' (see --help)", argv[optind]);
	if (o->interval > 0 && o->format == OUT_RAW)
		usage_error("-i cannot be combined with -o raw: counts are not event records");
	if (o->interval > 0 && o->read)
		usage_error("--read: a recorded stream holds events, not counts (-i)");
	if (o->filter.family == 1)
		usage_error("-4 and -6 exclude each other: give at most one");
	if (o->read && !filter_empty(&o->filter))
		usage_error("--read: filters run in the kernel and cannot apply to a recorded stream "
			    "(filter the output instead, e.g. with jq)");
	if (o->names_text && o->no_names)
		usage_error("--names and --no-names exclude each other");
	if (o->read && o->names_text)
		usage_error("--read: names are resolved from this node's live state, not from a recording "
			    "(--names)");
	if ((o->metrics_interval || o->metrics_max_series || o->metrics_only || o->metrics_raddr) && !o->metrics_dir)
		usage_error("%s needs --metrics-dir (the directory of the metrics file)",
			    o->metrics_interval ? "--metrics-interval" : o->metrics_max_series ? "--metrics-max-series"
				    : o->metrics_only ? "--metrics-only" : "--metrics-raddr");
	if (o->metrics_only && (o->format == OUT_RAW || o->max_events || o->rate_limit))
		usage_error("--metrics-only writes no events: -o raw, --max-events and --rate-limit have nothing "
			    "to act on");
	if (o->read && o->metrics_dir)
		usage_error("--read: metrics are counted in the kernel, not from a recording (--metrics-dir)");
	if (o->read && o->rate_limit)
		usage_error("--read: a recorded stream is not rate limited (--rate-limit runs in the kernel)");
	if (o->read && (o->duration || buffer_pages_given || o->perf_buffer || o->no_kprobes || o->no_tp_btf ||
			o->no_cache))
		usage_error("--read replays a recorded stream: --duration, --buffer-pages, --perf-buffer, "
			    "--no-kprobes, --no-tp-btf and --no-cache apply to tracing only");
	if (o->read && o->ebpf)
		usage_error("--read replays a recorded stream: there is no BPF program to print (--ebpf)");
}
