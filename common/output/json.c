#include "json.h"

#include "utf8.h"

void json_string(FILE *f, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = 0;
	while (n < len && s[n])
		n++;
	fputc('"', f);
	for (size_t i = 0; i < n;) {
		unsigned c = s[i];
		if (c == '"' || c == '\\') {
			fputc('\\', f);
			fputc((int)c, f);
		} else if (c == '\n') {
			fputs("\\n", f);
		} else if (c == '\t') {
			fputs("\\t", f);
		} else if (c == '\r') {
			fputs("\\r", f);
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(f, "\\u%04x", c);
		} else if (c >= 0x80) {
			size_t k = utf8_len(s + i, n - i);
			if (k == 0) {
				fputs("\\ufffd", f);
				i++;
				continue;
			}
			fwrite(s + i, 1, k, f);
			i += k;
			continue;
		} else {
			fputc((int)c, f);
		}
		i++;
	}
	fputc('"', f);
}
