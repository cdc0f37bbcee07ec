/* libFuzzer target: arbitrary command lines through the option parser and
 * the filter generator. Whatever the input, the generated filter text may
 * hold only the tokens the generator writes (keywords, the stub's variable
 * names, numbers, operators): nothing a user typed can become code. */
#include "errors.h"
#include "filter.h"
#include "opts.h"
#include "packetopts.h"
#include "parse.h"

#include <ctype.h>
#include <getopt.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static jmp_buf done;

static void no_exit(int status)
{
	longjmp(done, status + 1);
}

/* The option handlers of the tools, in one table: ports for each role and
 * podnet's packet filters. */
static void handle(int key, const char *arg, struct common_opts *o, void *ctx)
{
	(void)ctx;
	struct filter_spec *f = &o->filter;
	switch (key) {
	case 'P': f->nrports += parse_list("-P", "port", arg, 1, 65535, f->rports + f->nrports, FILTER_MAX_PORTS - f->nrports); break;
	case 'L': f->nlports += parse_list("-L", "port", arg, 1, 65535, f->lports + f->nlports, FILTER_MAX_PORTS - f->nlports); break;
	case 2001: f->nports += parse_list("--port", "port", arg, 1, 65535, f->ports + f->nports, FILTER_MAX_PORTS - f->nports); break;
	case 2002: filter_set_ifname(f, "--ifname", arg); break;
	case 2003: filter_set_ip(f, "--ip", arg); break;
	case 2004: filter_set_proto(f, "--proto", arg); break;
	case 2005: f->events |= 1U << 6; break;
	case 2006: f->events |= 1U << parse_one("--events", "event", arg, 1, 8); break;
	}
}

static const struct tool_option options[] = {
	{"port-remote", 'P', "P", ""}, {"port-local", 'L', "P", ""}, {"port", 2001, "P", ""},
	{"ifname", 2002, "N", ""}, {"ip", 2003, "A", ""}, {"proto", 2004, "P", ""},
	{"drops", 2005, NULL, ""}, {"events", 2006, "E", ""}, {0},
};

static const char *const allowed_words[] = {
	"if", "return", "true", "pid", "uid", "family", "lport", "rport", "netns", "cgroup_id",
	"ifname_lo", "ifname_hi", "proto", "saddr_lo", "saddr_hi", "daddr_lo", "daddr_hi", "sport",
	"dport", "event", "EVENT_DROP",
	/* --container, --pod: the sets user space keeps in BPF maps */
	"name_cgroup_in", "name_netns_in", NULL,
};

static int allowed_word(const char *w, size_t n)
{
	for (const char *const *a = allowed_words; *a; a++)
		if (strlen(*a) == n && strncmp(*a, w, n) == 0)
			return 1;
	return 0;
}

/* Checks the text token by token; aborts (a finding) on anything else. */
static void check_filter_text(const char *text)
{
	for (const char *p = text; *p;) {
		if (isspace((unsigned char)*p) || strchr("()!=|&;", *p)) {
			p++;
		} else if (isalpha((unsigned char)*p) || *p == '_') {
			size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_");
			if (!allowed_word(p, n)) {
				fprintf(stderr, "unexpected word in filter text: %.*s\n%s\n", (int)n, p, text);
				abort();
			}
			p += n;
		} else if (p[0] == '0' && p[1] == 'x') {
			p += 2 + strspn(p + 2, "0123456789abcdef");
			if (strncmp(p, "ULL", 3) != 0)
				abort();
			p += 3;
		} else if (isdigit((unsigned char)*p)) {
			p += strspn(p, "0123456789");
			p += strncmp(p, "ULL", 3) == 0 ? 3 : (*p == 'U' ? 1 : 0);
			if (isalnum((unsigned char)*p))
				abort();
		} else {
			fprintf(stderr, "unexpected byte 0x%02x in filter text\n%s\n", (unsigned char)*p, text);
			abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* argv: the input split at NUL bytes */
	char *buf = malloc(size + 1);
	memcpy(buf, data, size);
	buf[size] = '\0';
	char *argv[64] = {"fuzz"};
	int argc = 1;
	for (size_t i = 0; i <= size && argc < 63;) {
		argv[argc++] = buf + i;
		i += strlen(buf + i) + 1;
	}
	argv[argc] = NULL;

	static struct common_opts o;
	/* the tools' handlers write into the same spec as the common options */
	struct tool_desc desc = {"fuzz", "", "", options, NULL, handle, &o.filter};
	tool_exit = no_exit;
	optind = 0; /* reset getopt between runs */
	FILE *devnull = fopen("/dev/null", "w");
	FILE *saved_out = stdout, *saved_err = stderr;
	stdout = stderr = devnull;
	if (setjmp(done) == 0) {
		parse_options(argc, argv, &desc, &o);
		char *text = filter_text(&o.filter);
		check_filter_text(text);
		free(text);
	}
	stdout = saved_out;
	stderr = saved_err;
	fclose(devnull);
	free(buf);
	return 0;
}
