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
	sink_init(&o->sink, stdout);
}

static bool in_text(const struct column *c) { return c->header && c->text; }

/* s for a text column: control bytes become '?', so one event stays one
 * line; padded to width (negative: left-aligned). */
static void text_safe(struct sink *out, const char *s, size_t len, int width)
{
	size_t n = 0;
	while (n < len && s[n])
		n++;
	size_t w = (size_t)(width < 0 ? -width : width), pad = w > n ? w - n : 0;
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
			text_safe(&o->sink, c->header, strlen(c->header), text_width(k, i, last));
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
		text_safe(out, "-", 1, width);
		return;
	}
	if (c->type == CELL_STR) {
		text_safe(out, c->s, c->len, width);
		return;
	}
	if (c->type == CELL_BOOL) {
		text_safe(out, c->u ? "yes" : "no", 3, width);
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
	text_safe(out, num, n, width);
}

static void json_cell(struct sink *out, const struct cell *c)
{
	if (c->type == CELL_NULL)
		sink_put(out, "null", 4);
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

static void json_key(struct sink *out, const char *sep, const char *key)
{
	size_t n = strlen(key);
	char *p = sink_reserve(out, n + 4);
	size_t at = 0;
	if (*sep)
		p[at++] = ',';
	p[at++] = '"';
	memcpy(p + at, key, n);
	at += n;
	p[at++] = '"';
	p[at++] = ':';
	sink_commit(out, at);
}

static void row(struct output *o, const struct record_kind *k, const struct cell *cells)
{
	struct sink *out = &o->sink;
	const char *sep = "";
	int last = o->format == OUT_TEXT ? last_in_text(k) : -1;
	if (o->format == OUT_JSON)
		sink_putc(out, '{');
	for (int i = 0; i < k->ncols; i++) {
		const struct column *c = &k->cols[i];
		if (o->format == OUT_TEXT ? !in_text(c) : !c->key)
			continue;
		if (o->format == OUT_JSON && cells[c->field].type == CELL_ABSENT)
			continue; /* the key is left out */
		if (o->format == OUT_TEXT) {
			if (*sep)
				sink_putc(out, ' ');
			text_cell(out, &cells[c->field], text_width(k, i, last));
		} else if (o->format == OUT_JSON) {
			json_key(out, sep, c->key);
			json_cell(out, &cells[c->field]);
		} else {
			if (*sep)
				sink_putc(out, ',');
			csv_cell(out, &cells[c->field]);
		}
		sep = ",";
	}
	if (o->format == OUT_JSON)
		sink_putc(out, '}');
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
