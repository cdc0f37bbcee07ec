#include "compiler.h"

#include "errors.h"
#include "khdr.h"
#include "ksymstub.h"
#include "memtrim.h"

#include <bcc/bcc_common.h>
#include <bcc/bcc_elf.h>
#include <bpf/bpf.h>
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define LIBBCC "libbcc.so.0"

/* libbcc's functions, typed from its own header. */
static struct {
	void *lib;
	__typeof__(&bpf_module_create_c_from_string) create;
	__typeof__(&bpf_module_destroy) destroy;
	__typeof__(&bpf_module_license) license;
	__typeof__(&bpf_module_kern_version) kern_version;
	__typeof__(&bpf_num_functions) num_functions;
	__typeof__(&bpf_function_name) function_name;
	__typeof__(&bpf_function_start_id) function_start;
	__typeof__(&bpf_function_size_id) function_size;
	__typeof__(&bpf_num_tables) num_tables;
	__typeof__(&bpf_table_fd_id) table_fd;
	__typeof__(&bpf_table_name) table_name;
	__typeof__(&bcc_free_memory) free_memory;
} bcc;

static void *sym(const char *name)
{
	void *p = dlsym(bcc.lib, name);
	if (!p)
		runtime_error("%s has no %s: libbcc 0.26 or later is needed (%s)", LIBBCC, name, dlerror());
	return p;
}

static void open_libbcc(void)
{
	if (bcc.lib)
		return;
	bcc.lib = dlopen(LIBBCC, RTLD_NOW | RTLD_LOCAL);
	if (!bcc.lib)
		runtime_error("cannot load the BPF compiler (%s): install libbpfcc", dlerror());
	*(void **)&bcc.create = sym("bpf_module_create_c_from_string");
	*(void **)&bcc.destroy = sym("bpf_module_destroy");
	*(void **)&bcc.license = sym("bpf_module_license");
	*(void **)&bcc.kern_version = sym("bpf_module_kern_version");
	*(void **)&bcc.num_functions = sym("bpf_num_functions");
	*(void **)&bcc.function_name = sym("bpf_function_name");
	*(void **)&bcc.function_start = sym("bpf_function_start_id");
	*(void **)&bcc.function_size = sym("bpf_function_size_id");
	*(void **)&bcc.num_tables = sym("bpf_num_tables");
	*(void **)&bcc.table_fd = sym("bpf_table_fd_id");
	*(void **)&bcc.table_name = sym("bpf_table_name");
	*(void **)&bcc.free_memory = sym("bcc_free_memory");
}

/* The maps libbcc created, as the kernel describes them. */
static void take_maps(void *mod, struct prog_image *img, int *fds)
{
	size_t n = bcc.num_tables(mod);
	for (size_t id = 0; id < n; id++) {
		int fd = bcc.table_fd(mod, id);
		if (fd < 0)
			continue;
		if (img->nmaps == IMAGE_MAX_MAPS)
			runtime_error("internal error: the program has more than %d maps", IMAGE_MAX_MAPS);
		const char *name = bcc.table_name(mod, id);
		struct image_map *m = &img->maps[img->nmaps];
		struct bpf_map_info info = {0};
		uint32_t len = sizeof info;
		if (strlen(name) >= sizeof m->name)
			runtime_error("internal error: map name '%s' longer than %zu bytes", name, sizeof m->name - 1);
		if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0)
			runtime_error("cannot read map %s: %s", name, strerror(errno));
		if (info.type == BPF_MAP_TYPE_ARRAY_OF_MAPS || info.type == BPF_MAP_TYPE_HASH_OF_MAPS)
			runtime_error("internal error: map %s holds maps, which the loader cannot recreate", name);
		*m = (struct image_map){info.type, info.key_size, info.value_size, info.max_entries, info.map_flags, ""};
		snprintf(m->name, sizeof m->name, "%s", name);
		fds[img->nmaps++] = fd;
	}
}

/* One function's instructions, with each map fd libbcc patched in turned
 * into a relocation. */
static void take_prog(void *mod, size_t id, struct prog_image *img, const int *fds)
{
	const char *name = bcc.function_name(mod, id);
	const struct bpf_insn *start = bcc.function_start(mod, id);
	size_t size = bcc.function_size(mod, id);
	if (img->nprogs == IMAGE_MAX_PROGS)
		runtime_error("internal error: the program has more than %d functions", IMAGE_MAX_PROGS);
	struct image_prog *p = &img->progs[img->nprogs++];
	if (strlen(name) >= sizeof p->name)
		runtime_error("internal error: function name '%s' too long", name);
	snprintf(p->name, sizeof p->name, "%s", name);
	p->ninsns = (uint32_t)(size / sizeof *start);
	p->insns = malloc(size);
	p->relocs = malloc(p->ninsns * sizeof *p->relocs);
	if (!p->insns || !p->relocs)
		runtime_error("out of memory");
	memcpy(p->insns, start, size);
	for (uint32_t i = 0; i + 1 < p->ninsns; i++) {
		struct bpf_insn *insn = &p->insns[i];
		if (insn->code != (BPF_LD | BPF_IMM | BPF_DW))
			continue;
		if (insn->src_reg == BPF_PSEUDO_MAP_FD) {
			uint32_t m = 0;
			while (m < img->nmaps && fds[m] != insn->imm)
				m++;
			if (m == img->nmaps)
				runtime_error("internal error: %s refers to map fd %d, not one of the program's", name,
					      insn->imm);
			p->relocs[p->nrelocs++] = (struct image_reloc){i, m};
			insn->imm = -1; /* the stored form holds no fd */
		}
		i++;
	}
	if (image_check_prog(p, img->nmaps) != 0)
		runtime_error("internal error: %s holds a reference the loader cannot relocate", name);
}

/* libbcc and the clang/LLVM libraries it brought in: their files. */
static int add_dep(struct dl_phdr_info *info, size_t size, void *ctx)
{
	(void)size;
	struct prog_image *img = ctx;
	const char *base = strrchr(info->dlpi_name, '/');
	struct stat st;
	if (!base || img->ndeps == IMAGE_MAX_DEPS)
		return 0;
	base++;
	if (strncmp(base, "libbcc", 6) != 0 && strncmp(base, "libLLVM", 7) != 0 &&
	    strncmp(base, "libclang", 8) != 0)
		return 0;
	if (stat(info->dlpi_name, &st) != 0 || strlen(info->dlpi_name) >= sizeof img->deps[0].path)
		return 0;
	struct image_dep *d = &img->deps[img->ndeps++];
	snprintf(d->path, sizeof d->path, "%s", info->dlpi_name);
	d->size = (uint64_t)st.st_size;
	d->ino = (uint64_t)st.st_ino;
	d->mtime_ns = (uint64_t)st.st_mtim.tv_sec * 1000000000u + (uint64_t)st.st_mtim.tv_nsec;
	return 0;
}

void compiler_compile(const char *text, bool real_headers, struct prog_image *img)
{
	memset(img, 0, sizeof *img);
	open_libbcc();
	if (!real_headers)
		setenv("BCC_KERNEL_SOURCE", khdr_write(), 1);
	ksymstub_begin();
	void *mod = bcc.create(text, 0, NULL, 0, true, NULL);
	ksymstub_end();
	khdr_remove();
	if (!mod)
		runtime_error("the BPF program did not compile (see the compiler's message above)%s",
			      real_headers ? "; this kernel has no BTF: install its linux-headers package" : "");
	snprintf(img->license, sizeof img->license, "%s", bcc.license(mod));
	img->kern_version = bcc.kern_version(mod);
	int fds[IMAGE_MAX_MAPS];
	take_maps(mod, img, fds);
	size_t n = bcc.num_functions(mod);
	for (size_t id = 0; id < n; id++)
		take_prog(mod, id, img, fds);
	dl_iterate_phdr(add_dep, img);
	bcc.destroy(mod); /* closes libbcc's maps: the loader makes its own */
}

void compiler_release(void)
{
	if (!bcc.lib)
		return;
	bcc.free_memory();
	memtrim_release();
}
