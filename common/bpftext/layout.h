/* Kernel struct layout: the offset of every kernel field a probe reads,
 * resolved from the running kernel's BTF and handed to the BPF text as
 * #defines. Where the kernel has no BTF, the defines become offsetof()
 * against the real kernel headers instead. */
#ifndef SOCKLENS_LAYOUT_H
#define SOCKLENS_LAYOUT_H

#include <stdbool.h>

/* One field a probe reads, as the probe declares it beside its code
 * (a KFIELD line, extracted at build time by cmake/embed.c). */
struct kernel_field {
	const char *macro;    /* e.g. "OFF_SOCK_ERR" */
	const char *type;     /* struct name, e.g. "sock" */
	const char *path;     /* member path, e.g. "__sk_common.skc_net.net" */
	const char *header;   /* kernel header that defines the struct (no-BTF case) */
	unsigned size;        /* bytes the probe reads: checked against BTF; 0: not checked */
	bool optional;        /* missing: the define is -1 and HAVE_<name> 0, the probe copes */
	const char *group;    /* NULL, or a group resolved only on request (layout_optional) */
};

struct layout {
	char *defines;        /* "#define OFF_... 123\n" lines (or #includes + offsetof) */
	bool from_btf;        /* false: the text needs real kernel headers */
};

/* Resolves every field (terminated by a zeroed entry): "#define OFF_X n",
 * and for an optional one "#define HAVE_X 1" (or OFF_X -1 and HAVE_X 0
 * where the kernel lacks it). Exits with a runtime error naming the field
 * when the kernel lacks a required one, or its size differs from the
 * declared one. */
void layout_resolve(const struct kernel_field *fields, struct layout *out);

/* Frees the parsed BTF every question above shares (asked in any order);
 * a later question parses it again. */
void layout_release(void);

/* An optional group of fields (code that is compiled only where the kernel
 * has them all): when the running kernel's BTF has every field of the group
 * (at its declared size), sets *defines to their "#define" lines and returns
 * true; else (a field is missing, or the kernel has no BTF) sets *defines
 * to "" and returns false. Free *defines. */
bool layout_optional(const struct kernel_field *fields, const char *group, char **defines);

/* Whether the running kernel's BTF has struct type_name with member path
 * (dotted, anonymous members looked into); false without BTF. */
bool layout_has_member(const char *type_name, const char *path);

/* Whether the running kernel's BTF has the function name; false without BTF. */
bool layout_has_function(const char *name);

/* Byte offset of path inside struct type_name in the BTF at btf_path, or
 * -1 when the struct or member does not exist (exposed for tests). */
long layout_btf_offset(const char *btf_path, const char *type_name, const char *path);

/* The names of a kernel enum's values, from BTF, with prefix removed
 * (e.g. "SKB_DROP_REASON_"): names[value], NULL where a value has none.
 * Returns how many slots names has; 0 (names NULL) without BTF or enum. */
int layout_enum_names(const char *enum_name, const char *prefix, const char ***names);

/* Whether the kernel's enum enum_name has the value named value (e.g.
 * "bpf_func_id", "BPF_FUNC_task_storage_get"); false without BTF. */
bool layout_has_enum_value(const char *enum_name, const char *value);

/* How many arguments the raw tracepoint passes (from its btf_trace_<name>
 * typedef in BTF), or -1 when the kernel has no BTF or no such tracepoint.
 * Tracepoints gain arguments across kernel versions. */
int layout_tracepoint_nargs(const char *name);

/* The BTF id of the raw tracepoint's btf_trace_<name> typedef in the
 * kernel's BTF (what a BTF-typed raw tracepoint program is loaded
 * against), or -1 without BTF or such a tracepoint. */
int layout_tracepoint_btf_id(const char *name);

#endif
