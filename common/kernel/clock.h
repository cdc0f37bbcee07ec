/* The clocks of a live run: the time base records are shown against, and
 * the elapsed time --duration is measured with. */
#ifndef SOCKLENS_CLOCK_H
#define SOCKLENS_CLOCK_H

#include "fmt.h"

#include <stdint.h>

uint64_t clock_mono_ns(void);
/* Now, as a time base: start = now, and the wall clock's offset. */
void clock_timebase(struct timebase *tb);
/* Seconds since tb->start_mono_ns. */
double clock_elapsed(const struct timebase *tb);

#endif
