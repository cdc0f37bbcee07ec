#include "output.h"

#include "errors.h"
#include "json.h"

#include <string.h>

#include "event_common.h"

void output_init(struct output *o, enum out_format format, bool header,
		 const struct column *cols, int ncols)
{
	*o = (struct output){.format = format, .header = header, .cols = cols, .ncols = ncols, .f = stdout};
}

static bool in_text(const struct column *c) { return c->header && c->text; }

void text_safe(FILE *f, const char *s, size_t len, int width)
{
	size_t n = 0;
	while (n < len && s[n])
		n++;
	int pad = (width < 0 ? -width : width) - (int)n;
	if (width > 0)
		for (; pad > 0; pad--)
			fputc(' ', f);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		fputc(c < 0x20 || c == 0x7f ? '?' : c, f);
	}
	for (; pad > 0; pad--)
		fputc(' ', f);
}

/* Is column i the last one shown in the text table? It is not padded. */
static bool last_in_text(const struct output *o, int i)
{
	for (int j = i + 1; j < o->ncols; j++)
		if (in_text(&o->cols[j]))
			return false;
	return true;
}

static int text_width(const struct output *o, int i)
{
	return last_in_text(o, i) && o->cols[i].width < 0 ? 0 : o->cols[i].width;
}

static void text_header(struct output *o)
{
	const char *sep = "";
	for (int i = 0; i < o->ncols; i++) {
		if (!in_text(&o->cols[i]))
			continue;
		fputs(sep, o->f);
		text_safe(o->f, o->cols[i].header, strlen(o->cols[i].header), text_width(o, i));
		sep = " ";
	}
	fputc('\n', o->f);
}

static void csv_header(struct output *o)
{
	const char *sep = "";
	for (int i = 0; i < o->ncols; i++)
		if (o->cols[i].key) {
			fprintf(o->f, "%s%s", sep, o->cols[i].key);
			sep = ",";
		}
	fputc('\n', o->f);
}

void output_begin(struct output *o, const char *tool, size_t record_size)
{
	if (o->format == OUT_RAW) {
		struct raw_stream_header h = {.version = RAW_VERSION, .record_size = (__u32)record_size};
		memcpy(h.magic, RAW_MAGIC, sizeof h.magic);
		strncpy(h.tool, tool, sizeof h.tool - 1);
		fwrite(&h, sizeof h, 1, o->f);
	} else if (o->header && o->format == OUT_TEXT) {
		text_header(o);
	} else if (o->header && o->format == OUT_CSV) {
		csv_header(o);
	}
}

static void text_cell(FILE *f, const struct cell *c, int width)
{
	char num[32];
	if (c->type == CELL_NULL) {
		text_safe(f, "-", 1, width);
		return;
	}
	if (c->type == CELL_STR) {
		text_safe(f, c->s, c->len, width);
		return;
	}
	if (c->type == CELL_BOOL) {
		text_safe(f, c->u ? "yes" : "no", 3, width);
		return;
	}
	if (c->type == CELL_U64)
		snprintf(num, sizeof num, "%llu", (unsigned long long)c->u);
	else
		snprintf(num, sizeof num, "%lld", (long long)c->i);
	text_safe(f, num, sizeof num, width);
}

static void json_cell(FILE *f, const struct cell *c)
{
	if (c->type == CELL_NULL)
		fputs("null", f);
	else if (c->type == CELL_STR)
		json_string(f, c->s, c->len);
	else if (c->type == CELL_BOOL)
		fputs(c->u ? "true" : "false", f);
	else if (c->type == CELL_U64)
		fprintf(f, "%llu", (unsigned long long)c->u);
	else
		fprintf(f, "%lld", (long long)c->i);
}

/* RFC 4180 quoting; control bytes become '?' so a record stays one line. */
static void csv_cell(FILE *f, const struct cell *c)
{
	if (c->type == CELL_NULL)
		return; /* an empty field */
	if (c->type != CELL_STR) {
		json_cell(f, c);
		return;
	}
	size_t n = 0;
	while (n < c->len && c->s[n])
		n++;
	bool quote = strcspn(c->s, ",\"") < n;
	if (quote)
		fputc('"', f);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)c->s[i];
		if (ch == '"')
			fputc('"', f);
		fputc(ch < 0x20 || ch == 0x7f ? '?' : ch, f);
	}
	if (quote)
		fputc('"', f);
}

void output_row(struct output *o, const struct cell *cells)
{
	const char *sep = "";
	switch (o->format) {
	case OUT_TEXT:
		for (int i = 0; i < o->ncols; i++) {
			if (!in_text(&o->cols[i]))
				continue;
			fputs(sep, o->f);
			text_cell(o->f, &cells[o->cols[i].field], text_width(o, i));
			sep = " ";
		}
		fputc('\n', o->f);
		break;
	case OUT_JSON:
		fputc('{', o->f);
		for (int i = 0; i < o->ncols; i++) {
			if (!o->cols[i].key)
				continue;
			fprintf(o->f, "%s\"%s\":", sep, o->cols[i].key);
			json_cell(o->f, &cells[o->cols[i].field]);
			sep = ",";
		}
		fputs("}\n", o->f);
		break;
	case OUT_CSV:
		for (int i = 0; i < o->ncols; i++) {
			if (!o->cols[i].key)
				continue;
			fputs(sep, o->f);
			csv_cell(o->f, &cells[o->cols[i].field]);
			sep = ",";
		}
		fputc('\n', o->f);
		break;
	case OUT_RAW:
		break;
	}
}

void output_raw(struct output *o, const void *rec, size_t size)
{
	fwrite(rec, size, 1, o->f);
}

bool output_raw_or_short(struct output *o, const void *rec, size_t size, size_t record_size)
{
	if (size < record_size)
		return true;
	if (o->format != OUT_RAW)
		return false;
	output_raw(o, rec, record_size);
	return true;
}

void output_lost(struct output *o, uint64_t lost, const char *what)
{
	if (o->format == OUT_JSON)
		fprintf(o->f, "{\"type\":\"lost\",\"lost\":%llu,\"reason\":\"%s\"}\n",
			(unsigned long long)lost, what);
	else
		note("lost %llu events (%s)", (unsigned long long)lost, what);
}
