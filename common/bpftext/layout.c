#include "layout.h"

#include "errors.h"

#include <bpf/btf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define VMLINUX_BTF "/sys/kernel/btf/vmlinux"

/* The running kernel's BTF, parsed once for all the start-up questions
 * (enum names, tracepoint arguments, offsets), in any order, and freed by
 * layout_release() when the program text is built. NULL without BTF. */
static struct btf *kernel;

static struct btf *kernel_btf(void)
{
	if (!kernel)
		kernel = btf__parse(VMLINUX_BTF, NULL);
	return kernel;
}

void layout_release(void)
{
	btf__free(kernel);
	kernel = NULL;
}

/* Follows typedefs and qualifiers to the struct or union underneath. */
static const struct btf_type *strip(const struct btf *btf, __u32 *id)
{
	*id = (__u32)btf__resolve_type(btf, *id);
	return btf__type_by_id(btf, *id);
}

/* Finds member name in the struct/union type_id, looking inside anonymous
 * members too (the kernel nests many fields in unnamed unions). Returns the
 * bit offset and sets *member_type, or -1. */
static long find_member(const struct btf *btf, __u32 type_id, const char *name, __u32 *member_type)
{
	const struct btf_type *t = strip(btf, &type_id);
	if (!t || !(btf_is_struct(t) || btf_is_union(t)))
		return -1;
	const struct btf_member *m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, m++) {
		const char *mname = btf__name_by_offset(btf, m->name_off);
		long bit = (long)btf_member_bit_offset(t, (__u32)i);
		if (mname && *mname) {
			if (strcmp(mname, name) == 0) {
				if (btf_member_bitfield_size(t, (__u32)i))
					return -1; /* probes read whole bytes only */
				*member_type = m->type;
				return bit;
			}
			continue;
		}
		long inner = find_member(btf, m->type, name, member_type);
		if (inner >= 0)
			return bit + inner;
	}
	return -1;
}

static long offset_and_size(const struct btf *btf, const char *type_name, const char *path, long *size)
{
	__s32 id = btf__find_by_name_kind(btf, type_name, BTF_KIND_STRUCT);
	if (id < 0)
		return -1;
	char buf[256];
	snprintf(buf, sizeof buf, "%s", path);
	__u32 type = (__u32)id;
	long bits = 0;
	for (char *save = NULL, *part = strtok_r(buf, ".", &save); part;
	     part = strtok_r(NULL, ".", &save)) {
		long b = find_member(btf, type, part, &type);
		if (b < 0)
			return -1;
		bits += b;
	}
	if (size)
		*size = btf__resolve_size(btf, type);
	return bits / 8;
}

static long offset_in(const struct btf *btf, const char *type_name, const char *path)
{
	return offset_and_size(btf, type_name, path, NULL);
}

bool layout_has_member(const char *type_name, const char *path)
{
	struct btf *btf = kernel_btf();
	return btf && offset_in(btf, type_name, path) >= 0;
}

bool layout_has_function(const char *name)
{
	struct btf *btf = kernel_btf();
	return btf && btf__find_by_name_kind(btf, name, BTF_KIND_FUNC) > 0;
}

long layout_btf_offset(const char *btf_path, const char *type_name, const char *path)
{
	struct btf *btf = btf__parse(btf_path, NULL);
	if (!btf)
		return -1;
	long off = offset_in(btf, type_name, path);
	btf__free(btf);
	return off;
}

int layout_enum_names(const char *enum_name, const char *prefix, const char ***names)
{
	*names = NULL;
	struct btf *btf = kernel_btf();
	if (!btf)
		return 0;
	__s32 id = btf__find_by_name_kind(btf, enum_name, BTF_KIND_ENUM);
	const struct btf_type *t = id < 0 ? NULL : btf__type_by_id(btf, (__u32)id);
	int slots = 0;
	const struct btf_enum *e = t ? btf_enum(t) : NULL;
	for (int i = 0; t && i < btf_vlen(t); i++)
		if (e[i].val >= 0 && e[i].val < 65536 && e[i].val + 1 > slots)
			slots = e[i].val + 1;
	const char **table = slots ? calloc((size_t)slots, sizeof *table) : NULL;
	size_t plen = strlen(prefix);
	for (int i = 0; table && i < btf_vlen(t); i++) {
		const char *name = btf__name_by_offset(btf, e[i].name_off);
		if (!name || e[i].val < 0 || e[i].val >= slots)
			continue;
		table[e[i].val] = strdup(strncmp(name, prefix, plen) == 0 ? name + plen : name);
	}
	*names = table;
	return table ? slots : 0;
}

bool layout_has_enum_value(const char *enum_name, const char *value)
{
	struct btf *btf = access(VMLINUX_BTF, R_OK) == 0 ? kernel_btf() : NULL;
	__s32 id = btf ? btf__find_by_name_kind(btf, enum_name, BTF_KIND_ENUM) : -1;
	const struct btf_type *t = id < 0 ? NULL : btf__type_by_id(btf, (__u32)id);
	const struct btf_enum *e = t ? btf_enum(t) : NULL;
	for (int i = 0; t && i < btf_vlen(t); i++) {
		const char *name = btf__name_by_offset(btf, e[i].name_off);
		if (name && strcmp(name, value) == 0)
			return true;
	}
	return false;
}

int layout_tracepoint_btf_id(const char *name)
{
	char typedef_name[128];
	snprintf(typedef_name, sizeof typedef_name, "btf_trace_%s", name);
	struct btf *btf = kernel_btf();
	__s32 id = btf ? btf__find_by_name_kind(btf, typedef_name, BTF_KIND_TYPEDEF) : -1;
	return id > 0 ? id : -1;
}

int layout_tracepoint_nargs(const char *name)
{
	struct btf *btf = kernel_btf();
	if (!btf)
		return -1;
	int nargs = -1;
	__s32 id = layout_tracepoint_btf_id(name);
	const struct btf_type *t = id < 0 ? NULL : btf__type_by_id(btf, (__u32)id);
	if (t)   /* typedef -> pointer -> func proto (void *ctx, the tracepoint's args...) */
		t = btf__type_by_id(btf, t->type);
	if (t && btf_is_ptr(t))
		t = btf__type_by_id(btf, t->type);
	if (t && btf_is_func_proto(t))
		nargs = btf_vlen(t) - 1;
	return nargs;
}

bool layout_optional(const struct kernel_field *fields, const char *group, char **defines)
{
	struct btf *btf = access(VMLINUX_BTF, R_OK) == 0 ? kernel_btf() : NULL;
	size_t size = 0;
	FILE *f = open_memstream(defines, &size);
	if (!f)
		runtime_error("out of memory");
	bool all = btf != NULL;
	for (const struct kernel_field *k = fields; all && k->macro; k++) {
		if (!k->group || strcmp(k->group, group) != 0)
			continue;
		long size = 0;
		long off = offset_and_size(btf, k->type, k->path, &size);
		all = off >= 0 && (!k->size || size == (long)k->size);
		fprintf(f, "#define %s %ld\n", k->macro, off);
	}
	fclose(f);
	if (!all)
		(*defines)[0] = '\0';
	return all;
}

/* HAVE_SOCK_ERR for OFF_SOCK_ERR */
static const char *have_name(const char *macro)
{
	return strncmp(macro, "OFF_", 4) == 0 ? macro + 4 : macro;
}

static void from_headers(const struct kernel_field *fields, FILE *f)
{
	for (const struct kernel_field *k = fields; k->macro; k++)
		if (!k->group)
			fprintf(f, "#include <%s>\n", k->header);
	for (const struct kernel_field *k = fields; k->macro; k++) {
		if (k->group)
			continue;
		fprintf(f, "#define %s offsetof(struct %s, %s)\n", k->macro, k->type, k->path);
		if (k->optional)   /* the kernel's own headers: assumed to have it */
			fprintf(f, "#define HAVE_%s 1\n", have_name(k->macro));
	}
}

void layout_resolve(const struct kernel_field *fields, struct layout *out)
{
	size_t size = 0;
	out->defines = NULL;
	FILE *f = open_memstream(&out->defines, &size);
	if (!f)
		runtime_error("out of memory");
	out->from_btf = access(VMLINUX_BTF, R_OK) == 0;
	if (!out->from_btf) {
		from_headers(fields, f);
		fclose(f);
		return;
	}
	struct btf *btf = kernel_btf();
	if (!btf)
		runtime_error("cannot read the kernel's BTF (%s): %s", VMLINUX_BTF, strerror(errno));
	fprintf(f, "/* kernel struct offsets, from %s */\n", VMLINUX_BTF);
	for (const struct kernel_field *k = fields; k->macro; k++) {
		if (k->group)
			continue;   /* asked for by the tool: layout_optional() */
		long size = 0;
		long off = offset_and_size(btf, k->type, k->path, &size);
		if (off < 0 && k->optional) {
			fprintf(f, "#define %s -1\n#define HAVE_%s 0\n", k->macro, have_name(k->macro));
			continue;
		}
		if (off < 0)
			runtime_error("this kernel's struct %s has no field %s (BTF): this tool does not "
				      "support it yet", k->type, k->path);
		if (k->size && size != (long)k->size)
			runtime_error("this kernel's struct %s field %s is %ld bytes, the probe reads %u (%s): "
				      "this tool does not support it yet", k->type, k->path, size, k->size, k->macro);
		fprintf(f, "#define %s %ld\n", k->macro, off);
		if (k->optional)
			fprintf(f, "#define HAVE_%s 1\n", have_name(k->macro));
	}
	fclose(f);
}
