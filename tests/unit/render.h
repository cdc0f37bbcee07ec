/* The exposition text of a registry as a string (free it): what the metrics
 * tests compare against. */
#ifndef SOCKLENS_TEST_RENDER_H
#define SOCKLENS_TEST_RENDER_H

#include "metrics/exposition.h"

#include <stdio.h>
#include <stdlib.h>

/* The head of the family every registry has (registry.h). */
#define OVERFLOW_HEAD                                                                                   \
	"# HELP socklens_series_overflow_total Updates refused because their family had reached its cap " \
	"on distinct series (each refused update counts 1).\n"                                             \
	"# TYPE socklens_series_overflow_total counter\n"

static inline char *render(const struct metric_registry *r)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	if (!f || metric_write_text(f, r) != 0) {
		fprintf(stderr, "render: cannot write the exposition text\n");
		exit(1);
	}
	fclose(f);
	return buf;
}

#endif
