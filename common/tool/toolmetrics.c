#include "toolmetrics.h"

#include "cache.h"
#include "errors.h"
#include "textfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct metrics_run {
	const struct tool_metrics *tm;
	void *priv;
	const char *tool;
	struct metric_registry *registry;
	struct metric_textfile *file;
	struct identity_resolver *names;   /* NULL: --no-names */
	struct identity_cache *kept;       /* cgroup id -> its names, once found */
	struct metric_family *lost, *rate_limited;
	double interval, last_write;
	size_t max_series;
	char last_error[512];              /* said once until it changes */
	char label[METRICS_NNAME_LABELS][256];
	const char *labels[METRICS_NNAME_LABELS];
};

char *metrics_defines(const struct tool_metrics *tm)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		runtime_error("out of memory");
	fprintf(f, "#define METRICS 1\n");
	/* <macro>(v): a chain of comparisons with the bounds in kernel units;
	 * a value past the last bound is the +Inf bucket, nbounds */
	for (const struct metrics_histogram *h = tm->histograms; h && h->macro; h++) {
		fprintf(f, "#define %s(v) (", h->macro);
		for (size_t i = 0; i < h->nbounds; i++)
			fprintf(f, "(v) <= %lluULL ? %zu : ",
				(unsigned long long)(h->bounds[i] * h->kernel_units + 0.5), i);
		fprintf(f, "%zu)\n", h->nbounds);
	}
	if (fclose(f) != 0 || !text)
		runtime_error("out of memory");
	return text;
}

struct metrics_run *metrics_open(const struct tool_metrics *tm, const char *tool, const struct common_opts *o,
				 void *priv)
{
	struct metrics_run *m = calloc(1, sizeof *m);
	char err[512];
	if (!m || !(m->registry = metric_registry_new()) || !(m->kept = identity_cache_new(METRICS_NAMES_KEPT)))
		runtime_error("out of memory");
	m->file = metric_textfile_open(o->metrics_dir, tool, err, sizeof err);
	if (!m->file)
		usage_error("--metrics-dir: %s", err);
	m->tm = tm;
	m->priv = priv;
	m->tool = tool;
	m->interval = o->metrics_interval > 0 ? o->metrics_interval : METRICS_DEFAULT_INTERVAL;
	m->max_series = o->metrics_max_series ? o->metrics_max_series : METRICS_DEFAULT_MAX_SERIES;
	m->last_write = -1e9;
	m->lost = metric_counter(m->registry, "socklens_events_lost_total",
				 "Events the tool could not deliver or keep, by reason (as in its lost records).",
				 (const char *const[]){"tool", "reason", NULL}, 64);
	m->rate_limited = metric_counter(m->registry, "socklens_events_rate_limited_total",
					 "Events --rate-limit kept from the output (the metrics still count them).",
					 (const char *const[]){"tool", NULL}, 1);
	if (!m->lost || !m->rate_limited)
		runtime_error("internal error: the stream's families cannot be registered");
	tm->setup(m, m->registry, o, priv);
	return m;
}

void metrics_set_resolver(struct metrics_run *m, struct identity_resolver *names)
{
	m->names = names;
}

double metrics_interval(const struct metrics_run *m)
{
	return m->interval;
}

size_t metrics_max_series(const struct metrics_run *m)
{
	return m->max_series;
}

/* Kubernetes' words: the container's name, else its id as runtimes print
 * it (12 digits); the pod and its namespace. */
static const char *const *labels_of(struct metrics_run *m, const struct container_identity *id)
{
	for (int i = 0; i < METRICS_NNAME_LABELS; i++) {
		m->label[i][0] = '\0';
		m->labels[i] = m->label[i];
	}
	if (!id)
		return m->labels;
	snprintf(m->label[0], sizeof m->label[0], "%s", id->pod_name);
	snprintf(m->label[1], sizeof m->label[1], "%s", id->pod_namespace);
	if (identity_is_container(id))
		snprintf(m->label[2], sizeof m->label[2], "%.*s", id->container_name[0] ? 255 : 12,
			 id->container_name[0] ? id->container_name : id->container_id);
	return m->labels;
}

const char *const *metrics_cgroup_names(struct metrics_run *m, uint64_t cgroup_id)
{
	if (!m->names || !cgroup_id)
		return labels_of(m, NULL);
	struct cache_entry *e = identity_cache_get(m->kept, cgroup_id, 0);
	if (e)
		return labels_of(m, &e->id);
	const struct container_identity *id = identity_of_cgroup(m->names, cgroup_id, 0);
	if (id && identity_is_container(id)) {
		/* a container's cgroup id is never reused: its names are kept */
		e = identity_cache_put(m->kept, cgroup_id, 0);
		e->found = 1;
		e->id = *id;
	}
	return labels_of(m, id);
}

const char *const *metrics_netns_names(struct metrics_run *m, uint64_t netns)
{
	/* namespaces' inodes are reused: resolved anew (the resolver caches) */
	return labels_of(m, m->names && netns ? identity_of_netns(m->names, netns) : NULL);
}

static void stream_counters(struct metrics_run *m, const struct stream *s)
{
	metric_family_zero(m->lost);
	for (int i = 0; s && i < s->ncounters; i++)
		if (s->counters[i].kind == COUNTER_LOST)
			metric_counter_add(metric_series(m->lost, (const char *const[]){m->tool, s->counters[i].reason}),
					   s->counters[i].seen);
	metric_counter_set(metric_series(m->rate_limited, (const char *const[]){m->tool}),
			   s ? stream_total(s, COUNTER_RATE_LIMITED) : 0);
}

void metrics_tick(struct metrics_run *m, struct tool_run *run, const struct stream *s, double now_s, bool force)
{
	if (!m || (!force && now_s - m->last_write < m->interval))
		return;
	m->last_write = now_s;
	m->tm->update(m, run, m->priv);
	stream_counters(m, s);
	char err[512];
	if (metric_textfile_write(m->file, m->registry, err, sizeof err) != 0) {
		if (strcmp(err, m->last_error) != 0)
			note("writing metrics failed: %s; retrying every %g s", err, m->interval);
		snprintf(m->last_error, sizeof m->last_error, "%s", err);
	} else {
		m->last_error[0] = '\0';
	}
}

void metrics_close(struct metrics_run *m)
{
	if (!m)
		return;
	metric_textfile_close(m->file);
	metric_registry_free(m->registry);
	identity_cache_free(m->kept);
	free(m);
}
