#include "output.h"

#include "errors.h"
#include "fmt.h"
#include "json.h"

#include <string.h>

#include "event_common.h"

void output_init(struct output *o, enum out_format format, bool header)
{
	o->format = format;
	o->header = header;
	o->plan.kind = NULL;
	o->watch_reader = true;
	sink_init(&o->sink, stdout);
}

static bool in_text(const struct column *c) { return c->header && c->text; }

/* s for a text column: control bytes become '?', so one event stays one
 * line; padded to width (negative: left-aligned). A plain cell's len is
 * its length and it holds no control byte. */
static void text_safe(struct sink *out, const char *s, size_t len, bool plain, int width)
{
	size_t n = 0;
	if (plain)
		n = len;
	else
		while (n < len && s[n])
			n++;
	size_t w = (size_t)(width < 0 ? -width : width), pad = w > n ? w - n : 0;
	if (n + pad <= SINK_RESERVE_MAX) { /* a cell of a table: one reservation */
		char *p = sink_reserve(out, n + pad);
		char *text = width > 0 ? p + pad : p;
		memset(width > 0 ? p : p + n, ' ', pad);
		if (plain) {
			memcpy(text, s, n);
		} else {
			for (size_t i = 0; i < n; i++) {
				unsigned char c = (unsigned char)s[i];
				text[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
			}
		}
		sink_commit(out, n + pad);
		return;
	}
	if (width > 0)
		for (; pad; pad--)
			sink_putc(out, ' ');
	for (size_t i = 0; i < n;) {
		size_t chunk = n - i < SINK_RESERVE_MAX ? n - i : SINK_RESERVE_MAX;
		char *p = sink_reserve(out, chunk);
		for (size_t j = 0; j < chunk; j++) {
			unsigned char c = (unsigned char)s[i + j];
			p[j] = c < 0x20 || c == 0x7f ? '?' : (char)c;
		}
		sink_commit(out, chunk);
		i += chunk;
	}
	for (; pad; pad--)
		sink_putc(out, ' ');
}

/* The last column shown in the text table is not padded when left-aligned. */
static int last_in_text(const struct record_kind *k)
{
	int last = -1;
	for (int i = 0; i < k->ncols; i++)
		if (in_text(&k->cols[i]))
			last = i;
	return last;
}

static int text_width(const struct record_kind *k, int i, int last)
{
	return i == last && k->cols[i].width < 0 ? 0 : k->cols[i].width;
}

void output_header(struct output *o, const struct record_kind *k)
{
	if (!o->header || !(k->rows & FORMAT_BIT(o->format)))
		return;
	const char *sep = "";
	int last = last_in_text(k);
	for (int i = 0; i < k->ncols; i++) {
		const struct column *c = &k->cols[i];
		if (o->format == OUT_TEXT && in_text(c)) {
			sink_put(&o->sink, sep, strlen(sep));
			text_safe(&o->sink, c->header, strlen(c->header), false, text_width(k, i, last));
		} else if (o->format == OUT_CSV && c->key) {
			sink_put(&o->sink, sep, strlen(sep));
			sink_put(&o->sink, c->key, strlen(c->key));
		} else {
			continue;
		}
		sep = o->format == OUT_CSV ? "," : " ";
	}
	if (o->format == OUT_TEXT || o->format == OUT_CSV) {
		sink_putc(&o->sink, '\n');
		sink_end_line(&o->sink);
	}
}

void output_raw_header(struct output *o, const char *tool, size_t record_size, uint64_t wall_minus_mono_ns)
{
	struct raw_stream_header h = {.version = RAW_VERSION, .record_size = (__u32)record_size,
				      .wall_minus_mono_ns = wall_minus_mono_ns};
	memcpy(h.magic, RAW_MAGIC, sizeof h.magic);
	strncpy(h.tool, tool, sizeof h.tool - 1);
	sink_put(&o->sink, (const char *)&h, sizeof h);
}

/* A number, in decimal; negative with its sign. */
static void put_number(struct sink *out, const struct cell *c)
{
	char *p = sink_reserve(out, 21);
	if (c->type == CELL_U64) {
		sink_commit(out, fmt_u64(p, c->u));
	} else if (c->i < 0) {
		*p = '-';
		sink_commit(out, 1 + fmt_u64(p + 1, 0 - (uint64_t)c->i));
	} else {
		sink_commit(out, fmt_u64(p, (uint64_t)c->i));
	}
}

static void text_cell(struct sink *out, const struct cell *c, int width)
{
	char num[24];
	if (c->type == CELL_NULL || c->type == CELL_ABSENT) {
		text_safe(out, "-", 1, true, width);
		return;
	}
	if (c->type == CELL_STR) {
		text_safe(out, c->s, c->len, c->plain, width);
		return;
	}
	if (c->type == CELL_BOOL) {
		text_safe(out, c->u ? "yes" : "no", c->u ? 3 : 2, true, width);
		return;
	}
	size_t n;
	if (c->type == CELL_U64) {
		n = fmt_u64(num, c->u);
	} else if (c->i < 0) {
		num[0] = '-';
		n = 1 + fmt_u64(num + 1, 0 - (uint64_t)c->i);
	} else {
		n = fmt_u64(num, (uint64_t)c->i);
	}
	text_safe(out, num, n, true, width);
}

static void json_plain(struct sink *out, const char *s, size_t n)
{
	char *p = sink_reserve(out, n + 2);
	p[0] = '"';
	memcpy(p + 1, s, n);
	p[n + 1] = '"';
	sink_commit(out, n + 2);
}

static void json_cell(struct sink *out, const struct cell *c)
{
	if (c->type == CELL_NULL)
		sink_put(out, "null", 4);
	else if (c->type == CELL_STR && c->plain && c->len <= SINK_RESERVE_MAX - 2)
		json_plain(out, c->s, c->len);
	else if (c->type == CELL_STR)
		json_string(out, c->s, c->len);
	else if (c->type == CELL_BOOL)
		sink_put(out, c->u ? "true" : "false", c->u ? 4 : 5);
	else
		put_number(out, c);
}

/* RFC 4180 quoting; control bytes become '?' so a record stays one line. */
static void csv_cell(struct sink *out, const struct cell *c)
{
	if (c->type == CELL_NULL || c->type == CELL_ABSENT)
		return; /* an empty field */
	if (c->type != CELL_STR) {
		json_cell(out, c);
		return;
	}
	if (c->plain) {
		sink_put(out, c->s, c->len);
		return;
	}
	size_t n = 0;
	bool quote = false;
	while (n < c->len && c->s[n]) {
		quote |= c->s[n] == ',' || c->s[n] == '"';
		n++;
	}
	if (quote)
		sink_putc(out, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)c->s[i];
		if (ch == '"')
			sink_putc(out, '"');
		sink_putc(out, ch < 0x20 || ch == 0x7f ? '?' : (char)ch);
	}
	if (quote)
		sink_putc(out, '"');
}

/* The columns a kind shows in this output's format, worked out at its
 * first record: which cell, the text width, and in JSON the key's
 * ',"key":' ready to copy. Walking every column and measuring every key
 * per record cost a fifth of a JSON record. A kind's columns are chosen
 * before its first record and do not change after it. */
static const struct output_plan *plan_of(struct output *o, const struct record_kind *k)
{
	struct output_plan *pl = &o->plan;
	if (pl->kind == k && pl->cols == k->cols && pl->ncols == k->ncols)
		return pl;
	int last = o->format == OUT_TEXT ? last_in_text(k) : -1;
	pl->n = 0;
	for (int i = 0; i < k->ncols; i++) {
		const struct column *c = &k->cols[i];
		if (o->format == OUT_TEXT ? !in_text(c) : !c->key)
			continue;
		struct plan_col *pc = &pl->col[pl->n];
		if (pl->n == PLAN_MAX_COLUMNS || (c->key && strlen(c->key) + 4 > sizeof pc->key))
			runtime_error("internal error: more than %d columns or a key longer than %zu bytes",
				      PLAN_MAX_COLUMNS, sizeof pc->key - 4);
		pc->field = c->field;
		pc->width = o->format == OUT_TEXT ? text_width(k, i, last) : 0;
		memset(pc->key, 0, sizeof pc->key);
		pc->keylen = c->key ? (unsigned char)snprintf(pc->key, sizeof pc->key, ",\"%s\":", c->key) : 0;
		pl->n++;
	}
	pl->kind = k;
	pl->cols = k->cols;
	pl->ncols = k->ncols;
	return pl;
}

static void row(struct output *o, const struct record_kind *k, const struct cell *cells)
{
	struct sink *out = &o->sink;
	const struct output_plan *pl = plan_of(o, k);
	if (o->format == OUT_JSON) {
		sink_putc(out, '{');
		bool first = true;
		for (int i = 0; i < pl->n; i++) {
			const struct plan_col *pc = &pl->col[i];
			if (cells[pc->field].type == CELL_ABSENT)
				continue; /* the key is left out */
			char *p = sink_reserve(out, sizeof pc->key);
			memcpy(p, pc->key + first, sizeof pc->key - 1); /* fixed size: a few moves */
			sink_commit(out, pc->keylen - first);
			first = false;
			json_cell(out, &cells[pc->field]);
		}
		sink_putc(out, '}');
	} else {
		for (int i = 0; i < pl->n; i++) {
			const struct plan_col *pc = &pl->col[i];
			if (i)
				sink_putc(out, o->format == OUT_TEXT ? ' ' : ',');
			if (o->format == OUT_TEXT)
				text_cell(out, &cells[pc->field], pc->width);
			else
				csv_cell(out, &cells[pc->field]);
		}
	}
	sink_putc(out, '\n');
	sink_end_line(out);
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
	sink_put(&o->sink, rec, size);
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
	/* "events" even for 1: a fixed form that scripts (and the tests) match */
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

void row_reset(struct row *r, const bool *shown, int nfields)
{
	/* only the record's fields: clearing all ROW_MAX_FIELDS cost a tenth of a record */
	memset(r->cells, 0, (size_t)nfields * sizeof *r->cells);
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
	sink_flush(&o->sink);
}

void output_check_reader(const struct output *o)
{
	if (o->watch_reader)
		sink_check_reader(&o->sink);
}
