#include "filter.h"

#include <stdio.h>
#include <stdlib.h>

/* Only integers from the spec are printed, with fixed format strings:
 * nothing a user typed is ever copied into the program text. */
static void any_of(FILE *f, const char *var, const uint32_t *vals, int n)
{
	if (n == 0)
		return;
	fprintf(f, "if (!(");
	for (int i = 0; i < n; i++)
		fprintf(f, "%s%s == %uU", i ? " || " : "", var, vals[i]);
	fprintf(f, "))\n\t\treturn true;\n\t");
}

char *filter_text(const struct filter_spec *s)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	if (!f)
		return NULL;
	any_of(f, "pid", s->pids, s->npids);
	if (s->has_uid)
		any_of(f, "uid", &s->uid, 1);
	if (s->family)
		any_of(f, "family", &s->family, 1);
	any_of(f, "lport", s->lports, s->nlports);
	any_of(f, "rport", s->rports, s->nrports);
	if (s->has_netns)
		any_of(f, "netns", &s->netns, 1);
	if (s->has_cgroup)
		fprintf(f, "if (cgroup_id != %lluULL)\n\t\treturn true;\n\t",
			(unsigned long long)s->cgroup_id);
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}
