#include "family.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static void family_free(struct metric_family *f)
{
	if (!f)
		return;
	metric_series_free_all(f);
	for (size_t i = 0; i < f->nlabels; i++)
		free(f->labels[i]);
	free(f->name);
	free(f->help);
	free(f);
}

void metric_registry_free(struct metric_registry *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nfamilies; i++)
		family_free(r->families[i]);
	free(r->families);
	free(r);
}

static bool labels_valid(const char *const *labels, enum metric_type type)
{
	size_t n = 0;
	for (; labels && labels[n]; n++) {
		if (n == METRIC_MAX_LABELS || !metric_label_name_valid(labels[n], type))
			return false;
		for (size_t j = 0; j < n; j++)
			if (strcmp(labels[j], labels[n]) == 0)
				return false;
	}
	return true;
}

static bool bounds_valid(const double *bounds, size_t n)
{
	if (n > METRIC_MAX_BUCKETS || (n && !bounds))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isfinite(bounds[i]) || (i && bounds[i] <= bounds[i - 1]))
			return false;
	return true;
}

static struct metric_family *find(const struct metric_registry *r, const char *name, size_t *at)
{
	size_t lo = 0, hi = r->nfamilies;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(r->families[mid]->name, name);
		if (c == 0) {
			*at = mid;
			return r->families[mid];
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*at = lo;
	return NULL;
}

/* Copies everything and inserts in name order; NULL with errno on failure. */
static struct metric_family *add_family(struct metric_registry *r, enum metric_type type, const char *name,
					const char *help, const char *const *labels, const double *bounds,
					size_t nbounds, size_t max_series)
{
	if (!r || !metric_name_valid(name, type) || !labels_valid(labels, type) || max_series == 0 ||
	    !bounds_valid(bounds, nbounds)) {
		errno = EINVAL;
		return NULL;
	}
	size_t at;
	if (find(r, name, &at)) {
		errno = EEXIST;
		return NULL;
	}
	struct metric_family *f = calloc(1, sizeof *f);
	struct metric_family **grown = realloc(r->families, (r->nfamilies + 1) * sizeof *grown);
	if (grown)
		r->families = grown;
	if (!f || !grown)
		goto oom;
	f->registry = r;
	f->type = type;
	f->max_series = max_series;
	f->name = strdup(name);
	f->help = strdup(help ? help : "");
	if (!f->name || !f->help)
		goto oom;
	for (; labels && labels[f->nlabels]; f->nlabels++)
		if (!(f->labels[f->nlabels] = strdup(labels[f->nlabels])))
			goto oom;
	if (nbounds)
		memcpy(f->bounds, bounds, nbounds * sizeof *bounds);
	f->nbounds = nbounds;
	if (r->overflow) {
		f->overflow = metric_series(r->overflow, (const char *const[]){name});
		if (!f->overflow)
			goto oom;
	}
	memmove(r->families + at + 1, r->families + at, (r->nfamilies - at) * sizeof *r->families);
	r->families[at] = f;
	r->nfamilies++;
	return f;
oom:
	family_free(f);
	errno = ENOMEM;
	return NULL;
}

struct metric_registry *metric_registry_new(void)
{
	struct metric_registry *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	/* One series per family, made at registration: never capped. */
	r->overflow = add_family(r, METRIC_COUNTER, METRIC_OVERFLOW_FAMILY,
				 "Updates refused because their family had reached its cap on distinct series "
				 "(each refused update counts 1).",
				 (const char *const[]){"family", NULL}, NULL, 0, SIZE_MAX);
	if (!r->overflow) {
		metric_registry_free(r);
		return NULL;
	}
	return r;
}

struct metric_family *metric_counter(struct metric_registry *r, const char *name, const char *help,
				     const char *const *labels, size_t max_series)
{
	return add_family(r, METRIC_COUNTER, name, help, labels, NULL, 0, max_series);
}

struct metric_family *metric_gauge(struct metric_registry *r, const char *name, const char *help,
				   const char *const *labels, size_t max_series)
{
	return add_family(r, METRIC_GAUGE, name, help, labels, NULL, 0, max_series);
}

struct metric_family *metric_histogram(struct metric_registry *r, const char *name, const char *help,
				       const char *const *labels, const double *bounds, size_t nbounds,
				       size_t max_series)
{
	return add_family(r, METRIC_HISTOGRAM, name, help, labels, bounds, nbounds, max_series);
}
