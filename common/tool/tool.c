#include "tool.h"

#include "bpftext.h"
#include "clock.h"
#include "countwindow.h"
#include "errors.h"
#include "filter.h"
#include "kfeatures.h"
#include "namefilter.h"
#include "replay.h"
#include "runloop.h"

#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#define MAX_KERNEL_FIELDS 48

struct tool_run {
	const struct tool *t;
	struct common_opts o;
	struct tool_env env;
	struct timebase tb;
	struct output out;
	struct record_kind events;
	bool shown[ROW_MAX_FIELDS];
	struct row row;
	struct loader loader;
	struct stream stream;
	bool live;
	struct identity_resolver *resolver; /* NULL: names off (--no-names, a replay) */
	struct name_filter names;
	struct metrics_run *metrics;        /* NULL: no --metrics-dir */
	struct count_window counts;
};

struct output *tool_output(struct tool_run *run) { return &run->out; }
const struct tool_env *tool_env(struct tool_run *run) { return &run->env; }

int tool_map_fd(struct tool_run *run, const char *name)
{
	return run->live ? loader_map_fd(&run->loader, name) : -1;
}

static bool counting(const struct tool_run *r)
{
	return r->t->counts && r->t->counting && *r->t->counting;
}

/* Names are read under $SOCKLENS_HOST_ROOT (a DaemonSet's /host). */
static struct identity_resolver *resolver_or_exit(void)
{
	struct identity_paths p;
	if (identity_paths_from_env(&p) != 0)
		usage_error("%s: the path is too long", IDENTITY_ROOT_ENV);
	struct identity_resolver *res = identity_resolver_new(&p, 0);
	if (!res)
		runtime_error("out of memory");
	return res;
}

/* One record, from the kernel or from a replayed stream. */
static int on_record(void *ctx, const void *data, size_t size)
{
	struct tool_run *r = ctx;
	if (size < r->t->record_size)
		return 0;
	if (r->out.format == OUT_RAW) {
		output_raw(&r->out, data, r->t->record_size);
		return 0;
	}
	row_reset(&r->row, r->shown, r->t->nfields);
	r->t->fill(&r->env, data, &r->row);
	names_fill(r->resolver, data, r->t->names_by, &r->row, r->t->name_base); /* every record begins with event_head */
	output_record(&r->out, &r->events, r->row.cells);
	return 0;
}

/* Whether a probe of the table loads BTF-typed where it can: only then is
 * the kernel asked (a probe load) and the text built with BTF_RAW_TP. */
static bool has_typed_probe(const struct probe *p)
{
	for (; p && p->fn; p++)
		if (p->typed)
			return true;
	return false;
}

/* Whether the probe text declares it reads kernel field macro (a KFIELD). */
static bool reads_field(const struct kernel_field *k, const char *macro)
{
	for (; k && k->macro; k++)
		if (strcmp(k->macro, macro) == 0)
			return true;
	return false;
}

/* filter -> text: layout of the fields the probe declares, mode defines,
 * the filter in the placeholder. --ebpf prints it and exits. *typed: the
 * tool's typed raw tracepoints load BTF-typed (BTF_RAW_TP,
 * probes/typed.bpf.h); the kernel's BTF then stays parsed for the loader
 * (layout_release() after the attach). */
static char *render_text(const struct tool_run *r, bool *real_headers, bool *ring, bool *typed)
{
	const struct tool *t = r->t;
	const struct common_opts *o = &r->o;
	struct kernel_field all[MAX_KERNEL_FIELDS + 1] = {{0}};
	int n = 0;
	for (const struct kernel_field *k = t->fields; k && k->macro; k++) {
		if (n == MAX_KERNEL_FIELDS)
			runtime_error("internal error: more than %d kernel fields (MAX_KERNEL_FIELDS)",
				      MAX_KERNEL_FIELDS);
		all[n++] = *k;
	}
	char *tool_defines = t->defines ? t->defines(o, t->priv) : strdup("");
	if (o->metrics_dir && tool_defines) {
		char *with = NULL, *m = metrics_defines(t->metrics);
		if (asprintf(&with, "%s%s%s%s", tool_defines, m, o->metrics_only ? "#define NO_EVENTS 1\n" : "",
			     o->metrics_raddr ? "#define METRICS_RADDR 1\n" : "") < 0)
			runtime_error("out of memory");
		free(m);
		free(tool_defines);
		tool_defines = with;
	}
	struct layout layout;
	layout_resolve(all, &layout);
	*real_headers = !layout.from_btf;
	*typed = !o->no_tp_btf && has_typed_probe(t->probes) && layout.from_btf && kernel_has_btf_raw_tracepoints();
	if (!*typed)
		layout_release(); /* else the loader still asks it the tracepoints' BTF ids */
	*ring = !o->perf_buffer && kernel_has_ringbuf();

	char *filter = filter_text(&o->filter), *ports = filter_ports_macro(&o->filter);
	char *defines = NULL;
	char rate[64] = "";
	if (o->rate_limit) /* probes/ratelimit.bpf.h: each CPU's share of the limit */
		snprintf(rate, sizeof rate, "#define RATE_LIMIT %uU\n#define NCPUS %d\n", o->rate_limit,
			 possible_cpus());
	/* kprobe functions are compiled only where they can be attached */
	bool kprobes = !o->no_kprobes && kernel_has_kprobes();
	/* probes/fd.bpf.h walks to the current task's files in plain loads
	 * where the kernel types the current task */
	bool task_btf = reads_field(t->fields, "OFF_TASK_FILES") && KERNEL_HAS_TRACEPOINT_HELPER(get_current_task_btf);
	if (!filter || !ports || !tool_defines ||
	    asprintf(&defines, "%s%s%s%s#define BUFFER_PAGES %u\n%s%s%s%s%s", *ring ? "#define USE_RINGBUF 1\n" : "",
		     kprobes ? "#define HAVE_KPROBES 1\n" : "", *typed ? "#define BTF_RAW_TP 1\n" : "",
		     task_btf ? "#define HAVE_TASK_BTF 1\n" : "",
		     o->buffer_pages, rate, filter_defines(&o->filter),
		     ports, tool_defines, layout.defines) < 0)
		runtime_error("out of memory");
	char *text = bpf_text_build(defines, t->bpf_text, filter);
	free(filter);
	free(ports);
	free(defines);
	free(tool_defines);
	free(layout.defines);
	if (o->ebpf) {
		fputs(text, stdout);
		exit(0);
	}
	return text;
}

/* privileges -> compiled program (cache or compiler) -> attach -> notes.
 * False: the kernel refused a BTF-typed program (said on stderr), and
 * nothing is loaded. */
static bool start(struct tool_run *r, const char *text, bool real_headers, bool typed)
{
	require_bpf_privileges();
	const struct program_source src = {r->t->name, text, real_headers, !r->o.no_cache, r->o.verbose, typed};
	loader_prepare(&r->loader, &src);
	/* -t's zero and --duration's start: before the first probe is
	 * attached, so no record is older than the start (and shown as 0) */
	clock_timebase(&r->tb);
	if (!loader_attach(&r->loader, r->t->probes, !r->o.no_kprobes, r->o.verbose)) {
		loader_release_compiler(&r->loader);
		return false;
	}
	layout_release(); /* the loader's last BTF question was answered (if it had one) */
	loader_release_compiler(&r->loader);
	if (r->t->notes)
		r->t->notes(&r->o, r->t->priv);
	return true;
}

static void init_output(struct tool_run *r)
{
	const struct tool *t = r->t;
	if (t->nfields > ROW_MAX_FIELDS)
		runtime_error("internal error: %d fields, more than ROW_MAX_FIELDS (%d)", t->nfields,
			      ROW_MAX_FIELDS);
	if (t->choose_columns)
		t->choose_columns(t->columns, t->ncols, &r->o, t->priv);
	/* a recording holds no names: its containers were on another node, maybe */
	names_columns(t->columns, t->ncols, t->name_base, t->names_by, !r->o.no_names && !r->env.replay,
		      r->o.names_text);
	r->events = (struct record_kind){t->columns, t->ncols, ALL_FORMATS & ~FORMAT_BIT(OUT_RAW), 0, NULL};
	output_init(&r->out, r->o.format, !r->o.no_header);
	output_fields_shown(&r->out, &r->events, r->shown, t->nfields);
}

/* Each --metrics-interval: the metrics file. */
static void on_metrics_tick(void *ctx)
{
	struct tool_run *r = ctx;
	metrics_tick(r->metrics, r, &r->stream, clock_elapsed(&r->tb), true);
}
/* --read: the records of a stream recorded with -o raw, shown as live;
 * -t counts from the first record, the wall clock from the header's anchor. */
static void replay_run(struct tool_run *r)
{
	struct replay in;
	replay_open(&in, r->o.read, r->t->name, r->t->record_size);
	signal(SIGPIPE, SIG_IGN); /* | head: a write fails with EPIPE, and the tool ends with 0 */
	r->env.replay = true;
	r->tb.wall_minus_mono_ns = in.wall_minus_mono_ns;
	init_output(r);
	if (r->out.format == OUT_RAW)
		output_raw_header(&r->out, r->t->name, r->t->record_size, in.wall_minus_mono_ns);
	else
		output_header(&r->out, &r->events);
	char *buf = malloc(r->t->record_size);
	if (!buf)
		runtime_error("out of memory");
	for (uint64_t n = 0; (!r->o.max_events || n < r->o.max_events) && replay_next(&in, buf); n++) {
		if (n == 0) /* every record begins with struct event_head: ts_ns first */
			memcpy(&r->tb.start_mono_ns, buf, sizeof r->tb.start_mono_ns);
		on_record(r, buf, r->t->record_size);
	}
	free(buf);
	replay_close(&in);
	output_flush(&r->out);
}

int tool_main(const struct tool *t, int argc, char **argv)
{
	static struct tool_run run;
	struct tool_run *r = &run;
	r->t = t;
	r->env = (struct tool_env){.o = &r->o, .tb = &r->tb, .priv = t->priv};
	const struct tool_desc desc = {t->name,	   t->summary,	t->examples,	     t->options,
				       t->without, t->handle,	t->priv,	     t->event_columns,
				       t->output_shapers};
	parse_options(argc, argv, &desc, &r->o);
	if (r->o.interval > 0 && !t->counting) /* a tool without counts does not list -i */
		usage_error("-i: %s has no counting mode", t->name);
	/* the option the user typed, for the messages below */
	const char *count_opt = t->counting && !*t->counting && r->o.interval > 0 ? "-i" : "-c";
	r->o.count_option = count_opt;
	if (r->o.interval > 0) /* a window of counts is counting */
		*t->counting = true;
	if (t->validate)
		t->validate(&r->o, t->priv);
	if (counting(r) && r->o.format == OUT_RAW)
		usage_error("%s cannot be combined with -o raw: counts are not event records", count_opt);
	if (counting(r) && r->o.rate_limit)
		usage_error("%s cannot be combined with --rate-limit: counts are never rate limited", count_opt);
	if (counting(r) && r->o.max_events)
		usage_error("%s cannot be combined with --max-events: counts are not events (--duration or "
			    "-i with a window count end a count)", count_opt);
	/* an option with nothing to shape in this mode is refused, not ignored */
	if ((counting(r) || r->o.metrics_only) && r->o.shapes_events[0])
		usage_error("%s: %s prints no event records for it to shape", r->o.shapes_events,
			    counting(r) ? count_opt : "--metrics-only");
	if (r->o.metrics_only && r->o.shapes_output[0])
		usage_error("%s: --metrics-only prints nothing for it to shape", r->o.shapes_output);
	if (r->o.read) {
		if (counting(r))
			usage_error("--read: a recorded stream holds events, not counts (-c)");
		replay_run(r);
		return 0;
	}

	if (r->o.metrics_dir && !t->metrics)
		usage_error("--metrics-dir: %s has no metrics yet", t->name);
	if (r->o.metrics_only)
		r->o.buffer_pages = 1; /* nothing is ever written to it */
	if (r->o.metrics_dir && !r->o.ebpf) /* a bad directory fails before anything is attached */
		r->metrics = metrics_open(t->metrics, t->name, &r->o, t->priv);
	if (t->names_by == NAMES_BY_NETNS && r->o.filter.names)
		r->o.filter.names = FILTER_NAMES_NETNS; /* a packet has no process: its namespace */
	bool real_headers, ring, typed;
	char *text = render_text(r, &real_headers, &ring, &typed);
	if (!start(r, text, real_headers, typed)) {
		/* a kernel whose verifier refused a typed program: the same
		 * probes as plain raw tracepoints, as with --no-tp-btf */
		free(text);
		r->o.no_tp_btf = true;
		text = render_text(r, &real_headers, &ring, &typed);
		start(r, text, real_headers, typed);
	}
	free(text);
	r->live = true;
	init_output(r);
	r->out.watch_reader = !r->o.metrics_only;
	struct tick ticks[3];
	int nticks = 0;
	if (!r->o.no_names || r->o.nqueries)
		r->resolver = resolver_or_exit();
	if (r->o.nqueries) {
		name_filter_start(&r->names, r->o.queries, r->o.nqueries, r->o.filter.names, r->resolver,
				  tool_map_fd(r, "name_cgroups"), tool_map_fd(r, "name_netns"));
		ticks[nticks++] = (struct tick){name_filter_refresh, &r->names, 1.0, 0};
	}
	if (r->metrics) {
		metrics_set_resolver(r->metrics, r->o.no_names ? NULL : r->resolver);
		ticks[nticks++] = (struct tick){on_metrics_tick, r, metrics_interval(r->metrics), 0};
	}
	stream_open(&r->stream, &r->loader, ring, r->o.buffer_pages, r->o.max_events, t->loss_maps, on_record, r);
	signals_install();

	if (r->out.format == OUT_RAW)
		output_raw_header(&r->out, t->name, t->record_size, r->tb.wall_minus_mono_ns);
	else if (!counting(r) && !r->o.metrics_only)
		output_header(&r->out, &r->events);
	char what[128];
	snprintf(what, sizeof what, "%s%s", t->what_of ? t->what_of(&r->o) : t->what,
		 r->o.metrics_only ? " (metrics only)" : counting(r) ? " (counting)" : "");
	if (counting(r)) {
		count_window_start(&r->counts, t->counts, &r->env, &r->out, tool_map_fd(r, t->counts->map),
				   r->o.interval, r->o.interval_count, r->resolver);
		if (r->o.interval > 0)
			ticks[nticks++] = (struct tick){count_window_tick, &r->counts, r->o.interval, 0};
	}
	metrics_tick(r->metrics, r, &r->stream, 0, true); /* the file exists from the start */
	announce_tracing(what);
	run_until_done(&r->stream, &r->out, r->o.duration, r->o.max_events, &r->tb, ticks, nticks);
	metrics_tick(r->metrics, r, &r->stream, clock_elapsed(&r->tb), true); /* the last values stay */
	if (counting(r))
		count_window_end(&r->counts);
	if (t->at_end)
		t->at_end(r);
	output_flush(&r->out);

	report_loss_summary(&r->stream, r->o.rate_limit);
	stream_close(&r->stream);
	loader_close(&r->loader);
	name_filter_free(&r->names);
	metrics_close(r->metrics);
	count_window_free(&r->counts);
	identity_resolver_free(r->resolver);
	return 0;
}
