/* Writing JSON strings: every control byte escaped, invalid UTF-8 replaced
 * by U+FFFD, so a hostile comm never breaks a line or a parser. */
#ifndef SOCKLENS_JSON_H
#define SOCKLENS_JSON_H

#include "sink.h"

#include <stddef.h>

/* Writes "s" (at most len bytes, stopping at NUL) with quotes. */
void json_string(struct sink *out, const char *s, size_t len);

#endif
