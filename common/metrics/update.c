/* Setting a series' value. A NULL series (refused by the cap) and a series
 * of another type are ignored: an update never fails, so the poll loop has
 * no error path for it. */
#include "family.h"

static bool is(const struct metric_series *s, enum metric_type type)
{
	return s && s->family->type == type;
}

void metric_counter_add(struct metric_series *s, uint64_t n)
{
	if (is(s, METRIC_COUNTER))
		s->counter += n;
}

void metric_counter_set(struct metric_series *s, uint64_t total)
{
	if (is(s, METRIC_COUNTER))
		s->counter = total;
}

void metric_gauge_set(struct metric_series *s, double v)
{
	if (is(s, METRIC_GAUGE))
		s->gauge = v;
}

void metric_histogram_observe(struct metric_series *s, double v)
{
	if (!is(s, METRIC_HISTOGRAM))
		return;
	size_t i = 0, n = s->family->nbounds;
	/* NaN passes every bound test as false and lands in +Inf, as in Go's client */
	while (i < n && !(v <= s->family->bounds[i]))
		i++;
	s->buckets[i]++;
	s->sum += v;
}

void metric_histogram_set(struct metric_series *s, const uint64_t *per_bucket, double sum)
{
	if (!is(s, METRIC_HISTOGRAM))
		return;
	for (size_t i = 0; i <= s->family->nbounds; i++)
		s->buckets[i] = per_bucket[i];
	s->sum = sum;
}

void metric_histogram_add(struct metric_series *s, const uint64_t *per_bucket, double sum)
{
	if (!is(s, METRIC_HISTOGRAM))
		return;
	for (size_t i = 0; i <= s->family->nbounds; i++)
		s->buckets[i] += per_bucket[i];
	s->sum += sum;
}

void metric_family_zero(struct metric_family *f)
{
	/* the cap's refusals are part of the snapshot too: counted again as
	 * the snapshot is added again (registry.h) */
	if (f && f->overflow)
		f->overflow->counter = 0;
	for (size_t i = 0; f && i < f->nseries; i++) {
		struct metric_series *s = f->series[i];
		s->counter = 0;
		s->gauge = 0;
		s->sum = 0;
		if (f->type == METRIC_HISTOGRAM)
			for (size_t b = 0; b <= f->nbounds; b++)
				s->buckets[b] = 0;
	}
}
