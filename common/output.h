/* Event output: columns described once (text header and width, JSON/CSV
 * key), rendered as a text table, NDJSON, CSV, or raw records. */
#ifndef SOCKLENS_OUTPUT_H
#define SOCKLENS_OUTPUT_H

#include "opts.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum cell_type {
	CELL_STR, CELL_U64, CELL_I64,
	CELL_NULL, /* unknown: null, "-" in text */
	CELL_BOOL, /* true/false in JSON and CSV, yes/no in text */
};

struct cell {
	enum cell_type type;
	const char *s;       /* CELL_STR: may hold any bytes; rendered safely */
	size_t len;          /* CELL_STR: at most this many bytes (stops at NUL) */
	uint64_t u;
	int64_t i;
};

static inline struct cell cell_str(const char *s) { return (struct cell){.type = CELL_STR, .s = s, .len = (size_t)-1}; }
static inline struct cell cell_strn(const char *s, size_t n) { return (struct cell){.type = CELL_STR, .s = s, .len = n}; }
static inline struct cell cell_u64(uint64_t u) { return (struct cell){.type = CELL_U64, .u = u}; }
static inline struct cell cell_i64(int64_t i) { return (struct cell){.type = CELL_I64, .i = i}; }
static inline struct cell cell_null(void) { return (struct cell){.type = CELL_NULL}; }
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

struct output {
	enum out_format format;
	bool header;         /* print the header line (text, csv) */
	const struct column *cols;
	int ncols;
	FILE *f;
};

void output_init(struct output *o, enum out_format format, bool header,
		 const struct column *cols, int ncols);
/* The header line (text/csv) or the raw stream header. */
void output_begin(struct output *o, const char *tool, size_t record_size);
/* One event: column c shows cells[c.field]. */
void output_row(struct output *o, const struct cell *cells);
/* One raw record, exactly as the kernel wrote it. */
void output_raw(struct output *o, const void *rec, size_t size);
/* The start of every tool's record handler: true when nothing is left to
 * format (raw output, written as it is; or a record shorter than the tool's). */
bool output_raw_or_short(struct output *o, const void *rec, size_t size, size_t record_size);
/* Events lost: in-stream for JSON, on stderr otherwise. */
void output_lost(struct output *o, uint64_t lost, const char *what);

/* Writes s for a text column: control bytes become '?', so one event stays
 * one line. */
void text_safe(FILE *f, const char *s, size_t len, int width);

#endif
