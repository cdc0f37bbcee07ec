#include "output.h"

#include "errors.h"
#include "json.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "event_common.h"

void output_init(struct output *o, enum out_format format, bool header)
{
	*o = (struct output){.format = format, .header = header, .f = stdout};
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
static bool last_in_text(const struct record_kind *k, int i)
{
	for (int j = i + 1; j < k->ncols; j++)
		if (in_text(&k->cols[j]))
			return false;
	return true;
}

static int text_width(const struct record_kind *k, int i)
{
	return last_in_text(k, i) && k->cols[i].width < 0 ? 0 : k->cols[i].width;
}

void output_header(struct output *o, const struct record_kind *k)
{
	if (!o->header || !(k->rows & FORMAT_BIT(o->format)))
		return;
	const char *sep = "";
	for (int i = 0; i < k->ncols; i++) {
		const struct column *c = &k->cols[i];
		if (o->format == OUT_TEXT && in_text(c)) {
			fputs(sep, o->f);
			text_safe(o->f, c->header, strlen(c->header), text_width(k, i));
		} else if (o->format == OUT_CSV && c->key) {
			fprintf(o->f, "%s%s", sep, c->key);
		} else {
			continue;
		}
		sep = o->format == OUT_CSV ? "," : " ";
	}
	if (o->format == OUT_TEXT || o->format == OUT_CSV)
		fputc('\n', o->f);
}

void output_raw_header(struct output *o, const char *tool, size_t record_size, uint64_t wall_minus_mono_ns)
{
	struct raw_stream_header h = {.version = RAW_VERSION, .record_size = (__u32)record_size,
				      .wall_minus_mono_ns = wall_minus_mono_ns};
	memcpy(h.magic, RAW_MAGIC, sizeof h.magic);
	strncpy(h.tool, tool, sizeof h.tool - 1);
	fwrite(&h, sizeof h, 1, o->f);
}

static void text_cell(FILE *f, const struct cell *c, int width)
{
	char num[32];
	if (c->type == CELL_NULL || c->type == CELL_ABSENT) {
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

/* A number without printf: the JSON rows' keys and numbers are most of a
 * record, and a format string parsed per key cost more than the record's
 * other work (bench/names). */
static void put_u64(FILE *f, uint64_t v, bool negative)
{
	char buf[24];
	char *p = buf + sizeof buf;
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	if (negative)
		*--p = '-';
	fwrite(p, 1, (size_t)(buf + sizeof buf - p), f);
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
		put_u64(f, c->u, 0);
	else
		put_u64(f, c->i < 0 ? 0 - (uint64_t)c->i : (uint64_t)c->i, c->i < 0);
}

/* RFC 4180 quoting; control bytes become '?' so a record stays one line. */
static void csv_cell(FILE *f, const struct cell *c)
{
	if (c->type == CELL_NULL || c->type == CELL_ABSENT)
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

static void row(struct output *o, const struct record_kind *k, const struct cell *cells)
{
	const char *sep = "";
	if (o->format == OUT_JSON)
		fputc('{', o->f);
	for (int i = 0; i < k->ncols; i++) {
		const struct column *c = &k->cols[i];
		if (o->format == OUT_TEXT ? !in_text(c) : !c->key)
			continue;
		if (o->format == OUT_JSON && cells[c->field].type == CELL_ABSENT)
			continue; /* the key is left out */
		fputs(sep, o->f);
		if (o->format == OUT_TEXT) {
			text_cell(o->f, &cells[c->field], text_width(k, i));
		} else if (o->format == OUT_JSON) {
			fputc('"', o->f);
			fputs(c->key, o->f);
			fputs("\":", o->f);
			json_cell(o->f, &cells[c->field]);
		} else {
			csv_cell(o->f, &cells[c->field]);
		}
		sep = o->format == OUT_TEXT ? " " : ",";
	}
	fputs(o->format == OUT_JSON ? "}\n" : "\n", o->f);
}

void output_record(struct output *o, const struct record_kind *k, const struct cell *cells)
{
	unsigned f = FORMAT_BIT(o->format);
	if ((k->rows & f) && o->format != OUT_RAW)
		row(o, k, cells);
	if ((k->notes & f) && k->note)
		k->note(cells);
}

void output_raw(struct output *o, const void *rec, size_t size)
{
	fwrite(rec, size, 1, o->f);
}

static void lost_note(const struct cell *c)
{
	note("lost %llu events (%s)", (unsigned long long)c[LOST_COUNT].u, c[LOST_REASON].s);
}

static const struct column lost_columns[] = {
	{NULL, 0, "type", false, LOST_TYPE},
	{NULL, 0, "lost", false, LOST_COUNT},
	{NULL, 0, "reason", false, LOST_REASON},
};

const struct record_kind record_lost = {
	lost_columns, 3, FORMAT_BIT(OUT_JSON),
	FORMAT_BIT(OUT_TEXT) | FORMAT_BIT(OUT_CSV) | FORMAT_BIT(OUT_RAW), lost_note,
};

void output_lost(struct output *o, uint64_t lost, const char *reason)
{
	struct cell c[LOST_NFIELDS] = {cell_str("lost"), cell_u64(lost), cell_str(reason)};
	output_record(o, &record_lost, c);
}

static void rate_limited_note(const struct cell *c)
{
	note("suppressed %llu events (over --rate-limit)", (unsigned long long)c[RATE_LIMITED_COUNT].u);
}

static const struct column rate_limited_columns[] = {
	{NULL, 0, "type", false, RATE_LIMITED_TYPE},
	{NULL, 0, "suppressed", false, RATE_LIMITED_COUNT},
};

/* Like lost: a row in JSON, a stderr line where stdout is a table or raw. */
const struct record_kind record_rate_limited = {
	rate_limited_columns, RATE_LIMITED_NFIELDS, FORMAT_BIT(OUT_JSON),
	FORMAT_BIT(OUT_TEXT) | FORMAT_BIT(OUT_CSV) | FORMAT_BIT(OUT_RAW), rate_limited_note,
};

void output_rate_limited(struct output *o, uint64_t suppressed)
{
	struct cell c[RATE_LIMITED_NFIELDS] = {cell_str("rate_limited"), cell_u64(suppressed)};
	output_record(o, &record_rate_limited, c);
}

void row_reset(struct row *r, const bool *shown)
{
	memset(r->cells, 0, sizeof r->cells);
	r->shown = shown;
	r->used = 0;
}

char *row_text(struct row *r, size_t size)
{
	if (size > sizeof r->text - r->used)
		runtime_error("internal error: a row's text exceeds %d bytes (ROW_TEXT_BYTES)", ROW_TEXT_BYTES);
	char *p = r->text + r->used;
	r->used += size;
	p[0] = '\0';
	return p;
}

void output_fields_shown(const struct output *o, const struct record_kind *k, bool *shown, int nfields)
{
	memset(shown, 0, (size_t)nfields * sizeof *shown);
	for (int i = 0; i < k->ncols; i++) {
		const struct column *c = &k->cols[i];
		if (c->field < nfields && (o->format == OUT_TEXT ? in_text(c) : c->key != NULL))
			shown[c->field] = true;
	}
}

void output_flush(struct output *o)
{
	if (fflush(o->f) == 0)
		return;
	if (errno == EPIPE)
		_exit(0); /* the reader is gone (| head): nothing more to say */
	runtime_error("cannot write output: %s", strerror(errno));
}
