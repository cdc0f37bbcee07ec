#include "filter.h"

#include <stdio.h>
#include <stdlib.h>

/* Only integers from the spec are printed, with fixed format strings:
 * nothing a user typed is ever copied into the program text. */
/* before, "var == v0 || var == v1 ...", after; nothing for no values. */
static void one_of(FILE *f, const char *before, const char *var, const uint32_t *vals, int n, const char *after)
{
	if (n == 0)
		return;
	fputs(before, f);
	for (int i = 0; i < n; i++)
		fprintf(f, "%s%s == %uU", i ? " || " : "", var, vals[i]);
	fputs(after, f);
}

/* The filter stub's test: return true (drop) unless var is one of vals. */
static void any_of(FILE *f, const char *var, const uint32_t *vals, int n)
{
	one_of(f, "if (!(", var, vals, n, "))\n\t\treturn true;\n\t");
}

static void packet_tests(FILE *f, const struct filter_spec *s)
{
	if (s->has_ifname)
		fprintf(f, "if (!(ifname_lo == 0x%llxULL && ifname_hi == 0x%llxULL))\n\t\treturn true;\n\t",
			(unsigned long long)s->ifname[0], (unsigned long long)s->ifname[1]);
	if (s->ip_family) {
		unsigned long long lo = s->ip[0], hi = s->ip[1];
		fprintf(f, "if (!(family == %uU && ((saddr_lo == 0x%llxULL && saddr_hi == 0x%llxULL) || "
			   "(daddr_lo == 0x%llxULL && daddr_hi == 0x%llxULL))))\n\t\treturn true;\n\t",
			s->ip_family, lo, hi, lo, hi);
	}
	if (s->proto == 1)
		fprintf(f, "if (!(proto == 1U || proto == 58U))\n\t\treturn true;\n\t");
	else if (s->proto)
		any_of(f, "proto", &s->proto, 1);
	if (s->nports) {
		fprintf(f, "if (!(");
		for (int i = 0; i < s->nports; i++)
			fprintf(f, "%ssport == %uU || dport == %uU", i ? " || " : "", s->ports[i], s->ports[i]);
		fprintf(f, "))\n\t\treturn true;\n\t");
	}
	if (s->events) {
		uint32_t kinds[32];
		int n = 0;
		for (uint32_t kind = 0; kind < 32; kind++)
			if (s->events & (1U << kind))
				kinds[n++] = kind;
		any_of(f, "event", kinds, n);
	}
}

/* What write() prints for s, as a malloc'd string; NULL if out of memory. */
static char *written(const struct filter_spec *s, void (*write)(FILE *, const struct filter_spec *))
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	if (!f)
		return NULL;
	write(f, s);
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

static void write_filter(FILE *f, const struct filter_spec *s)
{
	any_of(f, "pid", s->pids, s->npids);
	if (s->has_uid)
		any_of(f, "uid", &s->uid, 1);
	if (s->family)
		any_of(f, "family", &s->family, 1);
	any_of(f, "lport", s->lports, s->nlports);
	any_of(f, "rport", s->rports, s->nrports);
	any_of(f, "netns", s->netns, s->nnetns);
	if (s->has_cgroup)
		fprintf(f, "if (cgroup_id != %lluULL)\n\t\treturn true;\n\t",
			(unsigned long long)s->cgroup_id);
	if (s->names == FILTER_NAMES_PROCESS)
		fprintf(f, "if (!name_cgroup_in(cgroup_id) && !name_netns_in(netns))\n\t\treturn true;\n\t");
	else if (s->names == FILTER_NAMES_NETNS)
		fprintf(f, "if (!name_netns_in(netns))\n\t\treturn true;\n\t");
	packet_tests(f, s);
}

char *filter_text(const struct filter_spec *s)
{
	return written(s, write_filter);
}

/* A macro's term, true unless arg (in parentheses) is one of vals. */
static void none_of_macro(FILE *f, const char *arg, const uint32_t *vals, int n)
{
	one_of(f, " || !(", arg, vals, n, ")");
}

static void write_netns_macro(FILE *f, const struct filter_spec *s)
{
	fprintf(f, "#define NETNS_FILTERED(netns) (0");
	none_of_macro(f, "(netns)", s->netns, s->nnetns);
	if (s->names == FILTER_NAMES_NETNS)
		fprintf(f, " || !name_netns_in(netns)");
	fprintf(f, ")\n");
}

char *filter_netns_macro(const struct filter_spec *s)
{
	if (!s->nnetns && s->names != FILTER_NAMES_NETNS)
		return calloc(1, 1);
	return written(s, write_netns_macro);
}

static void write_ports_macro(FILE *f, const struct filter_spec *s)
{
	fprintf(f, "#define PORTS_FILTERED(family, lport, rport) (0");
	if (s->family)
		fprintf(f, " || (family) != %uU", s->family);
	none_of_macro(f, "(lport)", s->lports, s->nlports);
	none_of_macro(f, "(rport)", s->rports, s->nrports);
	fprintf(f, ")\n");
}

char *filter_ports_macro(const struct filter_spec *s)
{
	if (!s->family && !s->nlports && !s->nrports)
		return calloc(1, 1);
	return written(s, write_ports_macro);
}

bool filter_on_headers(const struct filter_spec *s)
{
	return s->family || s->ip_family || s->proto || s->nports || s->npids || s->nlports || s->nrports;
}

#define STR(x) #x
#define XSTR(x) STR(x)
const char *filter_defines(const struct filter_spec *s)
{
#define NAMES "#define NAME_FILTER 1\n#define NAME_FILTER_MAX " XSTR(FILTER_MAX_NAMED) "\n"
#define READS_CGROUP "#define FILTER_READS_CGROUP 1\n"
	/* --cgroup, and --container/--pod matched by process (write_filter) */
	bool cgroup = s->has_cgroup || s->names == FILTER_NAMES_PROCESS;
	if (s->names)
		return cgroup ? NAMES READS_CGROUP : NAMES;
	return cgroup ? READS_CGROUP : "";
#undef NAMES
#undef READS_CGROUP
}

bool filter_empty(const struct filter_spec *f)
{
	return !f->npids && !f->has_uid && !f->family && !f->nlports && !f->nrports && !f->nnetns &&
	       !f->has_cgroup && !f->names && !f->has_ifname && !f->ip_family && !f->proto && !f->nports &&
	       !f->events;
}
