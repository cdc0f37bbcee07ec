/* One-line diagnostics on stderr, prefixed with the tool's name.
 * Exit status: 0 done, 1 runtime failure, 2 usage error. */
#ifndef SOCKLENS_ERRORS_H
#define SOCKLENS_ERRORS_H

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2

extern const char *tool_name;

/* How the tool ends: exit() normally; a test harness (the fuzzer) may set
 * a function that does not return to the caller, e.g. longjmp. */
extern void (*tool_exit)(int status);

/* Writes out what the output stage holds for stdout, so that data printed
 * before a message reaches a terminal before it (set by the output stage). */
extern void (*output_pending)(void);

void usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
void runtime_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
