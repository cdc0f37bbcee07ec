/* One event renders as one line in every format, whatever its comm holds;
 * raw records and the stream header keep the sizes the headers promise. */
#include "check.h"
#include "output.h"
#include "podnet.h"
#include "tcpaccept.h"
#include "tcpclose.h"
#include "tcpconnect.h"

#include <stdlib.h>

static const struct column cols[] = {
	{"PID", -7, "pid", true, 0},
	{"COMM", -16, "comm", true, 1},
	{NULL, 0, "ts_ns", false, 2},   /* data only */
	{"LAT", 5, NULL, true, 3},      /* text only, right-aligned */
	{"X", -4, "x", true, 5},        /* fields need not follow column order */
};

static const struct record_kind events = {cols, 5, ALL_FORMATS & ~FORMAT_BIT(OUT_RAW), 0, NULL};

static char *render(enum out_format fmt, const struct cell *row)
{
	char *buf = NULL;
	size_t size = 0;
	struct output o;
	output_init(&o, fmt, true);
	o.sink.f = open_memstream(&buf, &size);
	output_header(&o, &events);
	output_record(&o, &events, row);
	output_flush(&o);
	fclose(o.sink.f);
	return buf;
}

/* The row in each format as a text table, NDJSON and CSV; the failure
 * message shows both renderings, which tell the case apart. */
static void check_formats(const struct cell *row, const char *text, const char *json, const char *csv)
{
	static const enum out_format formats[] = {OUT_TEXT, OUT_JSON, OUT_CSV};
	const char *want[] = {text, json, csv};
	for (int i = 0; i < 3; i++) {
		char *s = render(formats[i], row);
		CHECK_STR(s, want[i]);
		free(s);
	}
}

int main(void)
{
	struct cell row[] = {cell_u64(42), cell_strn("a\"b\\c\nd", 16), cell_u64(7),
			     cell_i64(-3), cell_str("unused"), cell_str("last")};
	struct cell unknown[] = {cell_u64(1), cell_str("x"), cell_null(), cell_null(), cell_str(""),
				 cell_null()};
	check_formats(row, "PID     COMM               LAT X\n"
			   "42      a\"b\\c?d             -3 last\n",
		      "{\"pid\":42,\"comm\":\"a\\\"b\\\\c\\nd\",\"ts_ns\":7,\"x\":\"last\"}\n",
		      "pid,comm,ts_ns,x\n42,\"a\"\"b\\c?d\",7,last\n");

	/* unknown values: "-" in text, null in JSON, empty in CSV */
	check_formats(unknown, "PID     COMM               LAT X\n1       x                    - -\n",
		      "{\"pid\":1,\"comm\":\"x\",\"ts_ns\":null,\"x\":null}\n", "pid,comm,ts_ns,x\n1,x,,\n");

	/* yes/no facts: yes/no in text, true/false in JSON and CSV */
	struct cell flags[] = {cell_u64(1), cell_str("x"), cell_bool(false), cell_bool(true), cell_str(""),
			       cell_bool(true)};
	check_formats(flags, "PID     COMM               LAT X\n1       x                  yes yes\n",
		      "{\"pid\":1,\"comm\":\"x\",\"ts_ns\":false,\"x\":true}\n",
		      "pid,comm,ts_ns,x\n1,x,false,true\n");

	/* lost records: a JSON line in-stream; nothing on stdout in text */
	struct output o;
	char *buf = NULL;
	size_t size = 0;
	output_init(&o, OUT_JSON, true);
	o.sink.f = open_memstream(&buf, &size);
	output_lost(&o, 3, "buffer full");
	output_flush(&o);
	fclose(o.sink.f);
	CHECK_STR(buf, "{\"type\":\"lost\",\"lost\":3,\"reason\":\"buffer full\"}\n");
	free(buf);

	/* records held back by --rate-limit: the same, with their own type */
	buf = NULL;
	output_init(&o, OUT_JSON, true);
	o.sink.f = open_memstream(&buf, &size);
	output_rate_limited(&o, 41);
	output_flush(&o);
	fclose(o.sink.f);
	CHECK_STR(buf, "{\"type\":\"rate_limited\",\"suppressed\":41}\n");
	free(buf);

	/* in text they go to stderr only: stdout stays the table */
	buf = NULL;
	output_init(&o, OUT_TEXT, true);
	o.sink.f = open_memstream(&buf, &size);
	output_rate_limited(&o, 41);
	output_flush(&o);
	fclose(o.sink.f);
	CHECK_STR(buf, "");
	free(buf);

	/* raw: 40-byte header with the clock anchor, then records as they are */
	buf = NULL;
	output_init(&o, OUT_RAW, true);
	o.sink.f = open_memstream(&buf, &size);
	struct tcpconnect_event e = {.head.pid = 99};
	output_raw_header(&o, "tcpconnect", sizeof e, 12345);
	output_raw(&o, &e, sizeof e);
	output_flush(&o);
	fclose(o.sink.f);
	CHECK_EQ(size, sizeof(struct raw_stream_header) + sizeof e);
	const struct raw_stream_header *h = (const void *)buf;
	CHECK(memcmp(h->magic, RAW_MAGIC, 8) == 0);
	CHECK_EQ(h->record_size, sizeof e);
	CHECK_STR(h->tool, "tcpconnect");
	CHECK_EQ(h->version, RAW_VERSION);
	CHECK_EQ(h->wall_minus_mono_ns, 12345);
	CHECK_EQ(((const struct tcpconnect_event *)(buf + sizeof *h))->head.pid, 99);
	free(buf);

	/* every record the kernel writes is a multiple of 8 bytes */
	CHECK_EQ(sizeof(struct raw_stream_header) % 8, 0);
	CHECK_EQ(sizeof(struct event_head) % 8, 0);
	CHECK_EQ(sizeof(struct tcp_tuple) % 8, 0);
	CHECK_EQ(sizeof(struct tcpconnect_event) % 8, 0);
	CHECK_EQ(sizeof(struct tcpconnect_count_key) % 8, 0);
	CHECK_EQ(sizeof(struct tcpaccept_event) % 8, 0);
	CHECK_EQ(sizeof(struct tcpclose_event) % 8, 0);
	CHECK_EQ(sizeof(struct podnet_event) % 8, 0);
	return CHECK_DONE();
}
