#include "statefile.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* json-c's default depth is 32; state files are far shallower. */
#define JSON_DEPTH 32

char *statefile_read(const char *path, size_t max, size_t *len)
{
	/* O_NONBLOCK: a FIFO put where a file should be must not hang the tool */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return NULL;
	struct stat st;
	char *buf = NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > max)
		goto out;
	/* read to EOF, not st_size: the file may change under us */
	size_t cap = (size_t)st.st_size + 1, used = 0;
	buf = malloc(cap + 1);
	for (ssize_t n; buf; used += (size_t)n) {
		if (used == cap) {
			if (cap > max) { /* grew past the cap while we read */
				free(buf);
				buf = NULL;
				break;
			}
			char *bigger = realloc(buf, cap * 2 + 1);
			if (!bigger) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = bigger;
			cap *= 2;
		}
		n = read(fd, buf + used, cap - used);
		if (n < 0) {
			free(buf);
			buf = NULL;
		}
		if (n <= 0)
			break;
	}
	if (buf && used > max) {
		free(buf);
		buf = NULL;
	}
	if (buf) {
		buf[used] = '\0';
		if (len)
			*len = used;
	}
out:
	close(fd);
	return buf;
}

struct json_object *statefile_json_text(const char *text, size_t len)
{
	if (len > (size_t)INT32_MAX)
		return NULL;
	struct json_tokener *tok = json_tokener_new_ex(JSON_DEPTH);
	if (!tok)
		return NULL;
	struct json_object *obj = json_tokener_parse_ex(tok, text, (int)len);
	size_t used = json_tokener_get_parse_end(tok);
	int ok = obj && json_tokener_get_error(tok) == json_tokener_success;
	/* only white space may follow; a NUL inside the file is damage too */
	for (size_t i = used; ok && i < len; i++)
		ok = strchr(" \t\r\n", text[i]) != NULL && text[i] != '\0';
	json_tokener_free(tok);
	if (!ok) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

struct json_object *statefile_json(const char *path, size_t max)
{
	size_t len;
	char *text = statefile_read(path, max, &len);
	if (!text)
		return NULL;
	struct json_object *obj = statefile_json_text(text, len);
	free(text);
	return obj;
}

const char *json_str(struct json_object *obj, const char *key)
{
	struct json_object *v;
	if (!obj || !json_object_is_type(obj, json_type_object) || !json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

int valid_name(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > max || !strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", s[0]))
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

int take_name(char *out, size_t max, const char *s)
{
	out[0] = '\0';
	if (!valid_name(s, max))
		return 0;
	memcpy(out, s, strlen(s) + 1);
	return 1;
}
