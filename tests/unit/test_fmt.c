/* Addresses and times as users read them. */
#include "check.h"
#include "fmt.h"

#include <stdlib.h>

int main(void)
{
	char buf[64];
	uint8_t v4[16] = {127, 0, 0, 1};
	fmt_addr(buf, sizeof buf, 2, v4);
	CHECK_STR(buf, "127.0.0.1");
	uint8_t v6[16] = {[15] = 1};
	fmt_addr(buf, sizeof buf, 10, v6);
	CHECK_STR(buf, "::1");
	uint8_t mapped[16] = {[10] = 0xff, [11] = 0xff, [12] = 10, [13] = 1, [14] = 2, [15] = 3};
	fmt_addr(buf, sizeof buf, 10, mapped);
	CHECK_STR(buf, "::ffff:10.1.2.3");
	uint8_t full[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x42};
	fmt_addr(buf, sizeof buf, 10, full);
	CHECK_STR(buf, "2001:db8::42");
	fmt_addr(buf, sizeof buf, 99, v4);
	CHECK_STR(buf, "?");

	fmt_rfc3339(buf, sizeof buf, 1795316645123456789ULL);
	CHECK_STR(buf, "2026-11-22T03:04:05.123456Z");
	fmt_rfc3339(buf, sizeof buf, 0);
	CHECK_STR(buf, "1970-01-01T00:00:00.000000Z");

	setenv("TZ", "UTC", 1);
	fmt_clock(buf, sizeof buf, 1795316645123456789ULL);
	CHECK_STR(buf, "03:04:05");

	struct timebase tb = {.start_mono_ns = 1000000000ULL, .wall_minus_mono_ns = 1795316645000000000ULL};
	uint64_t t0 = tb.start_mono_ns;
	fmt_since(buf, sizeof buf, t0 + 1500000000ULL, &tb);
	CHECK_STR(buf, "1.500000");
	fmt_since(buf, sizeof buf, t0 - 5, &tb); /* before start: never negative */
	CHECK_STR(buf, "0.000000");
	CHECK_EQ(timebase_wall(&tb, t0), 1795316646000000000ULL);
	return CHECK_DONE();
}
