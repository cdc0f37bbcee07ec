#include "errors.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

const char *tool_name = "socklens";
void (*tool_exit)(int status) = exit;
void (*output_pending)(void);

/* One line, whatever bytes a user's value brought into the message. */
static void vsay(const char *fmt, va_list ap)
{
	char msg[1024];
	vsnprintf(msg, sizeof msg, fmt, ap);
	for (char *p = msg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	if (output_pending)
		output_pending();
	fflush(stdout);
	fprintf(stderr, "%s: %s\n", tool_name, msg);
}

void usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
	tool_exit(EXIT_USAGE);
	abort(); /* tool_exit must not return */
}

/* Probes are detached by the kernel when our file descriptors close at exit. */
void runtime_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
	tool_exit(EXIT_RUNTIME);
	abort();
}

void note(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
}
