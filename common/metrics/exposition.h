/* Prometheus text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/), the format
 * node_exporter's textfile collector reads.
 *
 * What is written, for each family with at least one series, families in
 * name order and series in order of their label values (byte order, first
 * label first), so the same registry always gives the same bytes:
 *     # HELP <name> <help, with \ and newline escaped>
 *     # TYPE <name> counter|gauge|histogram
 *     <name>{<label>="<value>",...} <value>
 * and for a histogram, per series, its buckets made cumulative, the +Inf
 * bucket last (equal to _count), then _sum and _count:
 *     <name>_bucket{...,le="0.01"} 3
 *     <name>_bucket{...,le="+Inf"} 5
 *     <name>_sum{...} 2.0575
 *     <name>_count{...} 5
 * Label values are escaped (\\, \", \n) and invalid UTF-8 becomes U+FFFD, so
 * any bytes (a comm, a container name) keep the file parseable. Counters are
 * written as exact integers; other numbers in the shortest form that reads
 * back as the same double, "+Inf", "-Inf" or "NaN". No timestamps: the
 * textfile collector refuses them. A family without series is left out. */
#ifndef SOCKLENS_METRICS_EXPOSITION_H
#define SOCKLENS_METRICS_EXPOSITION_H

#include "registry.h"

#include <stdio.h>

/* Writes all of r to f. 0, or -1 with errno when writing failed (f's error
 * flag set) or memory ran out (ENOMEM). */
int metric_write_text(FILE *f, const struct metric_registry *r);

#endif
