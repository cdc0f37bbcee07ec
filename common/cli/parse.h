/* Strict parsing of numbers and lists from the command line.
 * Every value that later reaches BPF text passes through here. */
#ifndef SOCKLENS_PARSE_H
#define SOCKLENS_PARSE_H

#include <stdbool.h>
#include <stdint.h>

/* Decimal only, no sign, no spaces, no trailing bytes. 0 on success,
 * -1 when s is not a number, -2 when it is outside [min, max]. */
int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* "what" names the value in messages ("port", "PID"). Exits with a usage
 * error naming the option, the bad value and the rule. */
uint64_t parse_one(const char *opt, const char *what, const char *s, uint64_t min, uint64_t max);

/* A comma-separated list of at most max_n values; returns how many. */
int parse_list(const char *opt, const char *what, const char *s, uint64_t min, uint64_t max,
	       uint32_t *vals, int max_n);

/* An option that takes one value (opt, naming a "what"), given again when
 * given already: a usage error, as a second value would silently replace
 * the first (bcc's tools keep the last). */
void given_once(bool given, const char *opt, const char *what);

/* Positive seconds, decimals allowed ("0.5"), at most a year. */
double parse_seconds(const char *opt, const char *s);

#endif
