/* Reading the runtimes' JSON state files safely: a file is read only up
 * to a size cap (a larger one is refused, not cut), parsed with json-c to
 * a bounded depth, and every value taken from it is checked for its type
 * and for the characters a name may hold. Any failure is "unresolved". */
#ifndef SOCKLENS_IDENTITY_STATEFILE_H
#define SOCKLENS_IDENTITY_STATEFILE_H

#include <json-c/json.h>
#include <stddef.h>

/* Caps, in bytes. A runc state.json is ~35 KB, a bundle's config.json ~10 KB,
 * Docker's config.v2.json a few KB; containers/storage's containers.json
 * grows by ~500 bytes per container. */
#define STATEFILE_MAX (1u << 20)
#define STATEFILE_LIST_MAX (16u << 20)

/* The whole file, NUL-terminated, malloc'd; NULL if it cannot be read, is
 * not a regular file, or is larger than max bytes. *len gets its length. */
char *statefile_read(const char *path, size_t max, size_t *len);

/* The file parsed as one JSON value (nothing after it but white space);
 * NULL on any error. Free with json_object_put(). */
struct json_object *statefile_json(const char *path, size_t max);
/* The same from text in memory. */
struct json_object *statefile_json_text(const char *text, size_t len);

/* obj[key] if obj is an object and the value is a string, else NULL. */
const char *json_str(struct json_object *obj, const char *key);

/* Is s a name a runtime or Kubernetes could have given: 1 to max bytes of
 * [A-Za-z0-9._-], starting with a letter or digit? */
int valid_name(const char *s, size_t max);

/* Copies s into out (size max + 1) if valid_name(s, max); returns 1 then,
 * else leaves out "" and returns 0. */
int take_name(char *out, size_t max, const char *s);

#endif
