/* The one way out for every record kind (event, lost, rate limited,
 * skipped, count):
 * columns described once (text header and width, JSON/CSV key), and per
 * kind the formats in which it is a row on stdout and those in which it is
 * a line on stderr. Events also go out raw, as the kernel wrote them. */
#ifndef SOCKLENS_OUTPUT_H
#define SOCKLENS_OUTPUT_H

#include "format.h"
#include "sink.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum cell_type {
	CELL_NULL, /* unknown: null, "-" in text (a zeroed cell) */
	CELL_STR, CELL_U64, CELL_I64,
	CELL_BOOL, /* true/false in JSON and CSV, yes/no in text */
	CELL_ABSENT, /* nothing to say: the JSON key is left out; an empty CSV field, "-" in text */
};

/* 16 bytes, so that a cell is made in two registers and stored: a larger
 * one was built on the stack and copied, and those copies stalled on the
 * stores just made (store forwarding): a quarter of a live record's time. */
struct cell {
	uint8_t type;        /* enum cell_type */
	bool plain;          /* CELL_STR made by us (cell_plain): goes out as it is */
	uint32_t len;        /* CELL_STR: at most this many bytes (stops at NUL); plain: exactly */
	union {
		const char *s;   /* CELL_STR: may hold any bytes; rendered safely */
		uint64_t u;      /* CELL_U64, CELL_BOOL */
		int64_t i;       /* CELL_I64 */
	};
};
_Static_assert(sizeof(struct cell) == 16, "a cell fits two registers");

static inline struct cell cell_str(const char *s) { return (struct cell){.type = CELL_STR, .len = UINT32_MAX, .s = s}; }
static inline struct cell cell_strn(const char *s, size_t n)
{
	return (struct cell){.type = CELL_STR, .len = n < UINT32_MAX ? (uint32_t)n : UINT32_MAX, .s = s};
}
/* Text the tool made itself, of exactly n bytes of printable ASCII without
 * '"', '\\' or ',' (a time, an address, a name from a table): needs no
 * escaping, quoting or length scan in any format. */
static inline struct cell cell_plain(const char *s, size_t n)
{
	return (struct cell){.type = CELL_STR, .plain = true, .len = (uint32_t)n, .s = s};
}
static inline struct cell cell_u64(uint64_t u) { return (struct cell){.type = CELL_U64, .u = u}; }
static inline struct cell cell_i64(int64_t i) { return (struct cell){.type = CELL_I64, .i = i}; }
static inline struct cell cell_null(void) { return (struct cell){.type = CELL_NULL}; }
static inline struct cell cell_absent(void) { return (struct cell){.type = CELL_ABSENT}; }
static inline struct cell cell_bool(bool b) { return (struct cell){.type = CELL_BOOL, .u = b}; }

/* A column shows one field of the row. The array's order is the order of
 * the text table and of the JSON keys; the field says which cell it shows,
 * so tools share field numbering (tcpfields.h) but order columns freely. */
struct column {
	const char *header;  /* text header; NULL: never in text */
	int width;           /* text width; negative: left-aligned */
	const char *key;     /* JSON and CSV key; NULL: text only */
	bool text;           /* in the text table (tools switch optional columns) */
	int field;           /* index of its cell in the row */
};

/* A kind of record and its rules, defined once: in the formats of rows it
 * is a row on stdout (text table row, NDJSON object, CSV row) of cols; in
 * the formats of notes, note() writes its stderr line from the same cells. */
struct record_kind {
	const struct column *cols;
	int ncols;
	unsigned rows;       /* FORMAT_BIT()s */
	unsigned notes;      /* FORMAT_BIT()s */
	void (*note)(const struct cell *cells);
};

/* How a kind's row is written in one format (output.c, plan_of). */
#define PLAN_MAX_COLUMNS 96
struct plan_col {
	int field, width;
	unsigned char keylen;
	char key[40];        /* JSON: ,"key": */
};
struct output_plan {
	const struct record_kind *kind;
	const struct column *cols;
	int ncols, n;
	struct plan_col col[PLAN_MAX_COLUMNS];
};

struct output {
	enum out_format format;
	bool header;         /* print header lines (text, csv) */
	struct sink sink;    /* stdout, through our own buffer */
	struct output_plan plan; /* of the kind written last */
	bool watch_reader;   /* records go to stdout: end when its reader is gone
	                      * (false for --metrics-only, whose stdout is unused) */
};

void output_init(struct output *o, enum out_format format, bool header);
/* The header line of a kind's rows (text, csv; nothing in other formats or
 * with -H). */
void output_header(struct output *o, const struct record_kind *k);
/* The raw stream header (-o raw): tool, record size and the clock anchor. */
void output_raw_header(struct output *o, const char *tool, size_t record_size, uint64_t wall_minus_mono_ns);
/* One record of kind k: column c shows cells[c.field]. */
void output_record(struct output *o, const struct record_kind *k, const struct cell *cells);
/* One raw record, exactly as the kernel wrote it. */
void output_raw(struct output *o, const void *rec, size_t size);

/* One record's cells and the text they point into. A row filler computes
 * only the cells of shown fields (row_shown); the others stay null. */
#define ROW_MAX_FIELDS 64
#define ROW_TEXT_BYTES 4096
struct row {
	struct cell cells[ROW_MAX_FIELDS];
	const bool *shown;   /* per field; NULL: every field */
	char text[ROW_TEXT_BYTES];
	size_t used;
};

/* Clears the cells of fields 0..nfields-1 (null) for the next record. */
void row_reset(struct row *r, const bool *shown, int nfields);
static inline bool row_shown(const struct row *r, int field) { return !r->shown || r->shown[field]; }
/* size bytes inside r->text for a cell's text (exits if the row is full). */
char *row_text(struct row *r, size_t size);
/* Which fields a kind's columns show in this output's format (for
 * row.shown): a text column in text, a keyed one in JSON and CSV. */
void output_fields_shown(const struct output *o, const struct record_kind *k, bool *shown, int nfields);

/* Side records every tool has. lost: cells type, lost, reason. */
enum { LOST_TYPE, LOST_COUNT, LOST_REASON, LOST_NFIELDS };
extern const struct record_kind record_lost;
/* Events lost: in-stream for JSON, on stderr otherwise. */
void output_lost(struct output *o, uint64_t lost, const char *reason);
/* rate_limited: cells type, suppressed (events --rate-limit held back in
 * the kernel since the last such record). */
enum { RATE_LIMITED_TYPE, RATE_LIMITED_COUNT, RATE_LIMITED_NFIELDS };
extern const struct record_kind record_rate_limited;
/* Events held back by --rate-limit: in-stream for JSON, on stderr otherwise. */
void output_rate_limited(struct output *o, uint64_t suppressed);

/* Flushes the output; a closed pipe ends the tool quietly with status 0. */
void output_flush(struct output *o);
/* Ends the tool quietly with status 0 if records go to a pipe whose
 * reader is gone (watch_reader), even when it has nothing to write. */
void output_check_reader(const struct output *o);

#endif
