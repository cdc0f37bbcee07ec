#include "naming.h"

#include <string.h>

#define PREFIX "socklens_"

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* [a-z0-9_] only, first byte a letter or '_', no "__", no trailing '_'. */
static bool snake_case(const char *s)
{
	if (!(*s == '_' || (*s >= 'a' && *s <= 'z')))
		return false;
	for (const char *p = s; *p; p++) {
		bool ok = *p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9');
		if (!ok || (p[0] == '_' && p[1] == '_'))
			return false;
	}
	return !ends_with(s, "_");
}

/* A word of the name that spells a scaled unit instead of the base one. */
static bool has_scaled_unit(const char *name)
{
	static const char *const scaled[] = {
		"ms", "us", "ns", "msec", "usec", "nsec", "milliseconds", "microseconds",
		"nanoseconds", "minutes", "hours", "kb", "mb", "gb", "kib", "mib", "gib",
		"kilobytes", "megabytes", "gigabytes", "bits",
	};
	char words[256];
	if (strlen(name) >= sizeof words)
		return true; /* no legitimate name is that long */
	strcpy(words, name);
	char *save = NULL;
	for (char *w = strtok_r(words, "_", &save); w; w = strtok_r(NULL, "_", &save))
		for (size_t i = 0; i < sizeof scaled / sizeof *scaled; i++)
			if (strcmp(w, scaled[i]) == 0)
				return true;
	return false;
}

bool metric_name_valid(const char *name, enum metric_type type)
{
	if (!name || strncmp(name, PREFIX, strlen(PREFIX)) != 0 || strlen(name) == strlen(PREFIX))
		return false;
	if (!snake_case(name) || has_scaled_unit(name))
		return false;
	bool total = ends_with(name, "_total");
	if (type == METRIC_COUNTER)
		return total;
	if (total)
		return false;
	return type != METRIC_HISTOGRAM ||
	       !(ends_with(name, "_bucket") || ends_with(name, "_sum") || ends_with(name, "_count"));
}

bool metric_label_name_valid(const char *name, enum metric_type type)
{
	if (!name || !*name || strncmp(name, "__", 2) == 0)
		return false;
	if (type == METRIC_HISTOGRAM && strcmp(name, "le") == 0)
		return false;
	/* snake_case() refuses "__" anywhere: harmless for label names */
	return snake_case(name);
}
