#include "parse.h"

#include "errors.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	if (!s || !*s || strspn(s, "0123456789") != strlen(s))
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, NULL, 10);
	if (errno == ERANGE || v < min || v > max)
		return -2;
	*out = v;
	return 0;
}

uint64_t parse_one(const char *opt, const char *what, const char *s, uint64_t min, uint64_t max)
{
	uint64_t v = 0;
	switch (parse_u64(s, min, max, &v)) {
	case -1:
		usage_error("%s: '%s' is not a valid %s (a whole number %llu-%llu)", opt, s, what,
			    (unsigned long long)min, (unsigned long long)max);
	case -2:
		usage_error("%s: %s %s out of range %llu-%llu", opt, what, s,
			    (unsigned long long)min, (unsigned long long)max);
	}
	return v;
}

int parse_list(const char *opt, const char *what, const char *s, uint64_t min, uint64_t max,
	       uint32_t *vals, int max_n)
{
	int n = 0;
	const char *p = s;
	for (;;) {
		size_t len = strcspn(p, ",");
		char item[32];
		if (len == 0)
			usage_error("%s: empty item in list '%s' (expected %s[,%s...])", opt, s, what, what);
		if (len >= sizeof item)
			usage_error("%s: '%.*s' is not a valid %s (a whole number %llu-%llu)", opt,
				    (int)len, p, what, (unsigned long long)min, (unsigned long long)max);
		memcpy(item, p, len);
		item[len] = '\0';
		if (n == max_n)
			usage_error("%s: too many values in '%s' (at most %d)", opt, s, max_n);
		vals[n++] = (uint32_t)parse_one(opt, what, item, min, max);
		p += strcspn(p, ",");
		if (*p == '\0')
			return n;
		p++; /* a trailing comma leaves "" and is reported as an empty item */
	}
}

double parse_seconds(const char *opt, const char *s)
{
	char *end = NULL;
	errno = 0;
	double v = (s && *s && strspn(s, "0123456789.") == strlen(s)) ? strtod(s, &end) : NAN;
	if (errno || !end || *end || !(v > 0) || v > 31536000.0)
		usage_error("%s: '%s' is not a valid duration (seconds, greater than 0, at most 31536000)",
			    opt, s);
	return v;
}

void given_once(bool given, const char *opt, const char *what)
{
	if (given)
		usage_error("%s: given twice; it takes one %s", opt, what);
}
