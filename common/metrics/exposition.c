#include "exposition.h"

#include "family.h"
#include "utf8.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Escapes '\\' and '\n' always, '"' in label values (quoted); invalid UTF-8
 * becomes U+FFFD: Prometheus refuses a scrape with an invalid label value. */
static void escaped(FILE *f, const char *str, bool quoted)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str);
	for (size_t i = 0; i < n;) {
		size_t k = utf8_len(s + i, n - i);
		if (k == 0) {
			fputs("\xef\xbf\xbd", f);
			i++;
		} else if (s[i] == '\\' || (quoted && s[i] == '"')) {
			fputc('\\', f);
			fputc(s[i++], f);
		} else if (s[i] == '\n') {
			fputs("\\n", f);
			i++;
		} else {
			fwrite(s + i, 1, k, f);
			i += k;
		}
	}
}

/* The shortest of %.15g..%.17g that reads back as v: 0.01 stays "0.01". */
static void number(FILE *f, double v)
{
	if (isnan(v)) {
		fputs("NaN", f);
		return;
	}
	if (isinf(v)) {
		fputs(v > 0 ? "+Inf" : "-Inf", f);
		return;
	}
	char buf[32];
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, sizeof buf, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	fputs(buf, f);
}

/* {l1="v1",...}, with le="<bound>" last when le is not NULL; nothing for a
 * family without labels outside a bucket line. */
static void labels(FILE *f, const struct metric_family *fam, const struct metric_series *s, const double *le)
{
	if (!fam->nlabels && !le)
		return;
	fputc('{', f);
	for (size_t i = 0; i < fam->nlabels; i++) {
		fprintf(f, "%s%s=\"", i ? "," : "", fam->labels[i]);
		escaped(f, s->values[i], true);
		fputc('"', f);
	}
	if (le) {
		fprintf(f, "%sle=\"", fam->nlabels ? "," : "");
		number(f, *le);
		fputc('"', f);
	}
	fputc('}', f);
}

static void histogram(FILE *f, const struct metric_family *fam, const struct metric_series *s)
{
	uint64_t cumulative = 0;
	for (size_t i = 0; i <= fam->nbounds; i++) {
		double le = i < fam->nbounds ? fam->bounds[i] : INFINITY;
		cumulative += s->buckets[i];
		fprintf(f, "%s_bucket", fam->name);
		labels(f, fam, s, &le);
		fprintf(f, " %" PRIu64 "\n", cumulative);
	}
	fprintf(f, "%s_sum", fam->name);
	labels(f, fam, s, NULL);
	fputc(' ', f);
	number(f, s->sum);
	fprintf(f, "\n%s_count", fam->name);
	labels(f, fam, s, NULL);
	fprintf(f, " %" PRIu64 "\n", cumulative);
}

static size_t sort_nlabels; /* qsort has no context argument in C11 */

static int by_values(const void *a, const void *b)
{
	const struct metric_series *x = *(struct metric_series *const *)a;
	const struct metric_series *y = *(struct metric_series *const *)b;
	for (size_t i = 0; i < sort_nlabels; i++) {
		int c = strcmp(x->values[i], y->values[i]);
		if (c)
			return c;
	}
	return 0;
}

static const char *const type_names[] = {
	[METRIC_COUNTER] = "counter", [METRIC_GAUGE] = "gauge", [METRIC_HISTOGRAM] = "histogram"};

static int family(FILE *f, const struct metric_family *fam)
{
	if (!fam->nseries)
		return 0;
	struct metric_series **order = malloc(fam->nseries * sizeof *order);
	if (!order) {
		errno = ENOMEM;
		return -1;
	}
	memcpy(order, fam->series, fam->nseries * sizeof *order);
	sort_nlabels = fam->nlabels;
	qsort(order, fam->nseries, sizeof *order, by_values);

	fprintf(f, "# HELP %s ", fam->name);
	escaped(f, fam->help, false);
	fprintf(f, "\n# TYPE %s %s\n", fam->name, type_names[fam->type]);
	for (size_t i = 0; i < fam->nseries; i++) {
		const struct metric_series *s = order[i];
		if (fam->type == METRIC_HISTOGRAM) {
			histogram(f, fam, s);
			continue;
		}
		fputs(fam->name, f);
		labels(f, fam, s, NULL);
		fputc(' ', f);
		if (fam->type == METRIC_COUNTER)
			fprintf(f, "%" PRIu64, s->counter);
		else
			number(f, s->gauge);
		fputc('\n', f);
	}
	free(order);
	return 0;
}

int metric_write_text(FILE *f, const struct metric_registry *r)
{
	errno = 0; /* so a failed write without errno still reports EIO */
	for (size_t i = 0; i < r->nfamilies; i++)
		if (family(f, r->families[i]) != 0)
			return -1;
	if (fflush(f) != 0 || ferror(f)) {
		if (!errno)
			errno = EIO;
		return -1;
	}
	return 0;
}
