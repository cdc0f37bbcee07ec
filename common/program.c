#include "program.h"

#include "bpftext.h"
#include "errors.h"
#include "kfeatures.h"
#include "filter.h"
#include "fmt.h"
#include "runloop.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_KERNEL_FIELDS 32

/* Fields every program reads through common.bpf.h. */
static const struct kernel_field common_fields[] = {
	{"OFF_SOCK_NET", "sock", "__sk_common.skc_net.net", "net/sock.h"},
	{"OFF_NET_INUM", "net", "ns.inum", "net/net_namespace.h"},
	{0},
};

void program_build(struct program *p, const char *tool, const struct common_opts *o,
		   const char *tool_defines, const struct kernel_field *fields,
		   const char *template_text)
{
	memset(p, 0, sizeof *p);
	p->tool = tool;
	/* One pass over the BTF for the common fields and the tool's. */
	struct kernel_field all[MAX_KERNEL_FIELDS + 1] = {{0}};
	int n = 0;
	for (const struct kernel_field *k = common_fields; k->macro; k++)
		all[n++] = *k;
	for (const struct kernel_field *k = fields; k->macro; k++) {
		if (n == MAX_KERNEL_FIELDS)
			runtime_error("internal error: more than %d kernel fields (MAX_KERNEL_FIELDS)",
				      MAX_KERNEL_FIELDS);
		all[n++] = *k;
	}
	struct layout layout;
	layout_resolve(all, &layout);
	p->real_headers = !layout.from_btf;
	p->ring = !o->perf_buffer && kernel_has_ringbuf();

	char *filter = filter_text(&o->filter);
	char *defines = NULL;
	/* kprobe functions are compiled only where they can be attached */
	bool kprobes = !o->no_kprobes && kernel_has_kprobes();
	if (!filter || asprintf(&defines, "%s%s#define BUFFER_PAGES %u\n%s%s",
				p->ring ? "#define USE_RINGBUF 1\n" : "",
				kprobes ? "#define HAVE_KPROBES 1\n" : "", o->buffer_pages,
				tool_defines, layout.defines) < 0)
		runtime_error("out of memory");
	p->text = bpf_text_build(defines, template_text, filter);
	free(filter);
	free(defines);
	free(layout.defines);
	if (o->ebpf) {
		fputs(p->text, stdout);
		exit(0);
	}
}

void program_start(struct program *p, const struct probe *probes, const struct common_opts *o,
		   record_fn fn, void *ctx)
{
	require_bpf_privileges();
	loader_compile(&p->loader, p->text, p->real_headers);
	loader_attach(&p->loader, probes, !o->no_kprobes, o->verbose);
	stream_open(&p->stream, &p->loader, p->ring, o->buffer_pages, o->max_events, fn, ctx);
	loader_release_compiler(&p->loader);
	signals_install();
}

void program_run(struct program *p, struct output *out, const struct common_opts *o,
		 size_t record_size, const char *what)
{
	clock_init();
	output_begin(out, p->tool, record_size);
	announce_tracing(what);
	run_until_done(&p->stream, out, o);
}

int program_map_fd(struct program *p, const char *name)
{
	return loader_map_fd(&p->loader, name);
}

void program_close(struct program *p)
{
	report_loss_summary(&p->stream);
	stream_close(&p->stream);
	loader_close(&p->loader);
	free(p->text);
	p->text = NULL;
}
