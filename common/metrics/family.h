/* Private to common/metrics: the registry's layout, shared by the registry
 * (registry.c), series lookup (series.c) and the exposition writer
 * (exposition.c). Callers use registry.h. */
#ifndef SOCKLENS_METRICS_FAMILY_H
#define SOCKLENS_METRICS_FAMILY_H

#include "registry.h"

struct metric_series {
	const struct metric_family *family; /* its type and bounds, for updates */
	char **values;       /* nlabels strings, in the family's label order */
	uint64_t hash;
	uint64_t counter;    /* METRIC_COUNTER */
	double gauge;        /* METRIC_GAUGE */
	double sum;          /* METRIC_HISTOGRAM: sum of observations */
	uint64_t buckets[];  /* METRIC_HISTOGRAM: nbounds + 1 per-bucket counts */
};

struct metric_family {
	struct metric_registry *registry;
	enum metric_type type;
	char *name, *help;
	char *labels[METRIC_MAX_LABELS];
	size_t nlabels;
	double bounds[METRIC_MAX_BUCKETS];
	size_t nbounds;
	size_t max_series;
	struct metric_series **series;  /* creation order */
	size_t nseries, series_cap;
	struct metric_series **table;   /* open addressing by hash; power of two slots */
	size_t table_size;
	struct metric_series *overflow; /* this family's socklens_series_overflow_total */
};

struct metric_registry {
	struct metric_family **families; /* sorted by name: the exposition's order */
	size_t nfamilies;
	struct metric_family *overflow;
};

void metric_series_free_all(struct metric_family *f);

#endif
