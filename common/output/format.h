/* The output choices the command line makes and the output stage reads:
 * shared by both without either including the other's header. */
#ifndef SOCKLENS_FORMAT_H
#define SOCKLENS_FORMAT_H

enum out_format { OUT_TEXT, OUT_JSON, OUT_CSV, OUT_RAW };
enum time_column { TIME_NONE, TIME_SINCE_START, TIME_OF_DAY };

/* A set of formats, for the rules of a record kind (output.h). */
#define FORMAT_BIT(f) (1u << (f))
#define ALL_FORMATS (FORMAT_BIT(OUT_TEXT) | FORMAT_BIT(OUT_JSON) | FORMAT_BIT(OUT_CSV) | FORMAT_BIT(OUT_RAW))

#endif
