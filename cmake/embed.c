/* Build-time helper: turns source files into C arrays so the tools carry
 * their BPF text and header tree inside the binary (nothing is read from the
 * source tree at run time).
 *
 *   embed text OUT SYMBOL -F FIELDS -I DIR... FILE...
 *       one string: FILEs concatenated, each #include "x" found in a DIR
 *       replaced by that file's text (once per file), so --ebpf shows a
 *       self-contained program. And FIELDS, the table of the kernel fields
 *       the text declares it reads, one comment line each beside the code:
 *         / * KFIELD OFF_NAME struct member.path SIZE header.h [optional|group:NAME] * /
 *       SIZE is the bytes the probe reads (checked against BTF at start-up;
 *       "-" for a field read only inside); optional: a kernel may lack it
 *       (OFF_NAME is then -1 and HAVE_NAME 0); group:NAME: resolved only
 *       when the tool asks for that group. The build fails when the code
 *       (outside comments) uses an OFF_ name it did not declare, or a
 *       declared one is never used.
 *   embed tree OUT SYMBOL ROOT FILE...
 *       a table of { path relative to ROOT, contents } for every FILE.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DIRS 8
#define MAX_SEEN 64

static const char *dirs[MAX_DIRS];
static int ndirs;
static char *seen[MAX_SEEN];
static int nseen;

#define MAX_FIELDS 64
#define MAX_USES 128
struct kfield {
	char macro[64], type[64], path[128], header[64], group[48], where[300];
	unsigned size;
	int optional, used;
};
static struct kfield fields[MAX_FIELDS];
static int nfields;
static char uses[MAX_USES][64];
static char use_where[MAX_USES][300];
static int nuses;
static int in_comment;

static void die(const char *what, const char *path)
{
	fprintf(stderr, "embed: %s: %s\n", what, path);
	exit(1);
}

static void put_bytes(FILE *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%d,%s", (unsigned char)s[i], (i % 24 == 23) ? "\n" : "");
}

static int already_inlined(const char *path)
{
	for (int i = 0; i < nseen; i++)
		if (strcmp(seen[i], path) == 0)
			return 1;
	if (nseen == MAX_SEEN)
		die("too many includes", path);
	seen[nseen++] = strdup(path);
	return 0;
}

static FILE *open_quoted(const char *name, char *found, size_t size)
{
	for (int i = 0; i < ndirs; i++) {
		snprintf(found, size, "%s/%s", dirs[i], name);
		FILE *f = fopen(found, "r");
		if (f)
			return f;
	}
	return NULL;
}

static void declare(const char *line, const char *where)
{
	struct kfield k = {0};
	char size[16], flag[48] = "";
	if (sscanf(line, " /* KFIELD %63s %63s %127s %15s %63s %47s", k.macro, k.type, k.path, size, k.header,
		   flag) < 5 || strncmp(k.macro, "OFF_", 4) != 0)
		die("bad KFIELD line (/* KFIELD OFF_NAME struct member SIZE header.h [optional|group:NAME] */)",
		    where);
	k.size = strcmp(size, "-") == 0 ? 0 : (unsigned)strtoul(size, NULL, 10);
	if (strcmp(size, "-") != 0 && k.size == 0)
		die("KFIELD size must be a byte count or -", where);
	if (strcmp(flag, "optional") == 0)
		k.optional = 1;
	else if (strncmp(flag, "group:", 6) == 0)
		snprintf(k.group, sizeof k.group, "%s", flag + 6);
	else if (flag[0] && strcmp(flag, "*/") != 0)
		die("unknown KFIELD flag", where);
	snprintf(k.where, sizeof k.where, "%s", where);
	for (int i = 0; i < nfields; i++)
		if (strcmp(fields[i].macro, k.macro) == 0) {
			if (strcmp(fields[i].type, k.type) || strcmp(fields[i].path, k.path) || fields[i].size != k.size)
				die("KFIELD declared twice, differently", where);
			return;
		}
	if (nfields == MAX_FIELDS)
		die("more than 64 KFIELD lines (MAX_FIELDS)", where);
	fields[nfields++] = k;
}

/* Records every OFF_ name the code (not its comments) uses. */
static void scan_uses(const char *line, const char *where)
{
	for (const char *p = line; *p;) {
		if (in_comment) {
			const char *end = strstr(p, "*/");
			if (!end)
				return;
			in_comment = 0;
			p = end + 2;
		} else if (p[0] == '/' && p[1] == '*') {
			in_comment = 1;
			p += 2;
		} else if (p[0] == '/' && p[1] == '/') {
			return;
		} else if (strncmp(p, "OFF_", 4) == 0 && (p == line || !(isalnum((unsigned char)p[-1]) || p[-1] == '_'))) {
			size_t n = 4;
			while (isalnum((unsigned char)p[n]) || p[n] == '_')
				n++;
			if (nuses == MAX_USES)
				die("more than 128 OFF_ uses (MAX_USES)", where);
			snprintf(uses[nuses], sizeof uses[0], "%.*s", (int)n, p);
			snprintf(use_where[nuses++], sizeof use_where[0], "%s", where);
			p += n;
		} else {
			p++;
		}
	}
}

static void emit_text(FILE *out, FILE *in, const char *path)
{
	char line[4096];
	int lineno = 0;
	while (fgets(line, sizeof line, in)) {
		char where[300];
		snprintf(where, sizeof where, "%s:%d", path, ++lineno);
		if (strstr(line, "/* KFIELD ") && !in_comment)
			declare(line, where);
		else
			scan_uses(line, where);
		char name[256], found[1024];
		if (sscanf(line, " #include \"%255[^\"]\"", name) == 1) {
			FILE *inc = open_quoted(name, found, sizeof found);
			if (!inc)
				die("include not found", name);
			if (!already_inlined(found))
				emit_text(out, inc, found);
			fclose(inc);
			continue;
		}
		put_bytes(out, line, strlen(line));
	}
}

/* Every use declared, every declaration used; then the table. */
static void write_fields(FILE *out, const char *sym)
{
	int bad = 0;
	for (int u = 0; u < nuses; u++) {
		int found = 0;
		for (int i = 0; i < nfields; i++)
			if (strcmp(fields[i].macro, uses[u]) == 0)
				found = fields[i].used = 1;
		if (!found) {
			fprintf(stderr, "%s: error: %s is read but not declared: add a line "
				"/* KFIELD %s struct member SIZE header.h */ beside the code\n", use_where[u], uses[u], uses[u]);
			bad = 1;
		}
	}
	for (int i = 0; i < nfields; i++)
		if (!fields[i].used) {
			fprintf(stderr, "%s: error: %s is declared but never read: remove its KFIELD line\n",
				fields[i].where, fields[i].macro);
			bad = 1;
		}
	if (bad)
		exit(1);
	fprintf(out, "#include \"layout.h\"\nconst struct kernel_field %s[] = {\n", sym);
	for (int i = 0; i < nfields; i++) {
		const struct kfield *k = &fields[i];
		fprintf(out, "\t{\"%s\", \"%s\", \"%s\", \"%s\", %u, %s, %s%s%s},\n", k->macro, k->type, k->path,
			k->header, k->size, k->optional ? "true" : "false", k->group[0] ? "\"" : "",
			k->group[0] ? k->group : "NULL", k->group[0] ? "\"" : "");
	}
	fprintf(out, "\t{0},\n};\n");
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		die("cannot read", path);
	fseek(f, 0, SEEK_END);
	*len = (size_t)ftell(f);
	rewind(f);
	char *buf = malloc(*len + 1);
	if (!buf || fread(buf, 1, *len, f) != *len)
		die("cannot read", path);
	fclose(f);
	return buf;
}

int main(int argc, char **argv)
{
	if (argc < 5)
		die("usage", "embed text|tree OUT SYMBOL ...");
	FILE *out = fopen(argv[2], "w");
	if (!out)
		die("cannot write", argv[2]);
	const char *sym = argv[3];
	fprintf(out, "/* generated by cmake/embed.c: do not edit */\n#include <stddef.h>\n");

	if (strcmp(argv[1], "text") == 0) {
		int i = 4;
		const char *fields_sym = NULL;
		if (i + 1 < argc && strcmp(argv[i], "-F") == 0) {
			fields_sym = argv[i + 1];
			i += 2;
		}
		for (; i + 1 < argc && strcmp(argv[i], "-I") == 0; i += 2)
		{
			if (ndirs == MAX_DIRS)
				die("more than 8 include directories (MAX_DIRS)", argv[i + 1]);
			dirs[ndirs++] = argv[i + 1];
		}
		fprintf(out, "const char %s[] = {\n", sym);
		for (; i < argc; i++) {
			FILE *in = fopen(argv[i], "r");
			if (!in)
				die("cannot read", argv[i]);
			already_inlined(argv[i]);
			emit_text(out, in, argv[i]);
			fclose(in);
		}
		fprintf(out, "0};\n");
		if (fields_sym)
			write_fields(out, fields_sym);
	} else if (strcmp(argv[1], "tree") == 0) {
		const char *root = argv[4];
		size_t rootlen = strlen(root);
		fprintf(out, "#include \"embedded.h\"\n");
		for (int i = 5; i < argc; i++) {
			size_t len;
			char *buf = slurp(argv[i], &len);
			fprintf(out, "static const char f%d[] = {\n", i);
			put_bytes(out, buf, len);
			fprintf(out, "0};\n");
			free(buf);
		}
		fprintf(out, "const struct embedded_file %s[] = {\n", sym);
		for (int i = 5; i < argc; i++) {
			const char *rel = argv[i];
			if (strncmp(rel, root, rootlen) == 0 && rel[rootlen] == '/')
				rel += rootlen + 1;
			fprintf(out, "\t{\"%s\", f%d, sizeof f%d - 1},\n", rel, i, i);
		}
		fprintf(out, "\t{NULL, NULL, 0}\n};\n");
	} else {
		die("unknown mode", argv[1]);
	}
	if (fclose(out) != 0)
		die("cannot write", argv[2]);
	return 0;
}
