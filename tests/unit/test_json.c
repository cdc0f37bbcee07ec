/* JSON strings stay valid whatever bytes a comm holds. */
#include "check.h"
#include "json.h"

#include <stdlib.h>

static void escaped(const char *in, size_t len, const char *want)
{
	char *buf = NULL;
	size_t size = 0;
	static struct sink out;
	sink_init(&out, open_memstream(&buf, &size));
	json_string(&out, in, len);
	sink_flush(&out);
	fclose(out.f);
	CHECK_STR(buf, want);
	free(buf);
}

int main(void)
{
	escaped("curl", 16, "\"curl\"");
	escaped("a\"b\\c", 16, "\"a\\\"b\\\\c\"");
	escaped("l1\nl2\tx\r", 16, "\"l1\\nl2\\tx\\r\"");
	escaped("\x01\x1f\x7f", 16, "\"\\u0001\\u001f\\u007f\"");
	escaped("\x1b[31m", 16, "\"\\u001b[31m\"");
	/* valid UTF-8 passes through; invalid bytes become U+FFFD */
	escaped("caf\xc3\xa9", 16, "\"caf\xc3\xa9\"");
	escaped("\xe2\x82\xac", 16, "\"\xe2\x82\xac\"");
	escaped("\xf0\x9f\x98\x80", 16, "\"\xf0\x9f\x98\x80\"");
	escaped("a\xff" "b", 16, "\"a\\ufffdb\"");
	escaped("\xc3", 16, "\"\\ufffd\"");                 /* truncated sequence */
	escaped("\xc0\xaf", 16, "\"\\ufffd\\ufffd\"");      /* overlong '/' */
	escaped("\xed\xa0\x80", 16, "\"\\ufffd\\ufffd\\ufffd\""); /* surrogate */
	/* stops at len even without a NUL, and at a NUL before len */
	escaped("abcdef", 3, "\"abc\"");
	escaped("ab\0cd", 5, "\"ab\"");
	return CHECK_DONE();
}
