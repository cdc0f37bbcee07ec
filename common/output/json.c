#include "json.h"

#include "utf8.h"

/* Bytes that go out as they are: printable ASCII but the quote and the
 * backslash. */
static inline bool plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

void json_string(struct sink *out, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	sink_putc(out, '"');
	for (size_t i = 0; i < len && s[i];) {
		size_t run = i;
		while (run < len && plain(s[run]))
			run++;
		if (run > i) { /* most strings are one run: one copy */
			sink_put(out, str + i, run - i);
			i = run;
			continue;
		}
		unsigned c = s[i];
		if (!c)
			break;
		char *p = sink_reserve(out, 6);
		if (c == '"' || c == '\\') {
			p[0] = '\\';
			p[1] = (char)c;
			sink_commit(out, 2);
		} else if (c == '\n' || c == '\t' || c == '\r') {
			p[0] = '\\';
			p[1] = c == '\n' ? 'n' : c == '\t' ? 't' : 'r';
			sink_commit(out, 2);
		} else if (c < 0x20 || c == 0x7f) {
			static const char hex[] = "0123456789abcdef";
			memcpy(p, "\\u00", 4);
			p[4] = hex[c >> 4];
			p[5] = hex[c & 15];
			sink_commit(out, 6);
		} else { /* c >= 0x80 */
			size_t n = 0;
			while (i + n < len && s[i + n])
				n++;
			size_t k = utf8_len(s + i, n);
			if (k == 0) {
				memcpy(p, "\\ufffd", 6);
				sink_commit(out, 6);
				i++;
				continue;
			}
			sink_put(out, str + i, k);
			i += k;
			continue;
		}
		i++;
	}
	sink_putc(out, '"');
}
