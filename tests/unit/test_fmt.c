/* Addresses and times as users read them. */
#include "check.h"
#include "fmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

	/* the second's text is kept: the next record of the same second, then
	 * another second, then the first again */
	fmt_rfc3339(buf, sizeof buf, 1795316645999999999ULL);
	CHECK_STR(buf, "2026-11-22T03:04:05.999999Z");
	fmt_rfc3339(buf, sizeof buf, 1795316646000001000ULL);
	CHECK_STR(buf, "2026-11-22T03:04:06.000001Z");
	fmt_rfc3339(buf, sizeof buf, 1795316645000000000ULL);
	CHECK_STR(buf, "2026-11-22T03:04:05.000000Z");
	fmt_clock(buf, sizeof buf, 1795316646000000000ULL);
	CHECK_STR(buf, "03:04:06");

	/* numbers without printf */
	static const uint64_t nums[] = {0, 9, 10, 99, 100, 12345, 4026531833ULL, UINT64_MAX};
	for (unsigned i = 0; i < sizeof nums / sizeof *nums; i++) {
		char want[32];
		snprintf(want, sizeof want, "%llu", (unsigned long long)nums[i]);
		buf[fmt_u64(buf, nums[i])] = '\0';
		CHECK_STR(buf, want);
	}
	uint8_t v4b[4] = {10, 0, 255, 99};
	fmt_addr(buf, sizeof buf, 2, v4b);
	CHECK_STR(buf, "10.0.255.99");

	/* milliseconds: what printf's "%.2f" of ns / 1e6 gives, ties included
	 * (5000 ns rounds up, 15000 down: the double lies either side) */
	uint64_t seed = 88172645463325252ULL;
	for (uint64_t i = 0; i < 400000; i++) {
		uint64_t ns = i < 200000 ? i * 2500 + (i % 3) : 0;
		if (i >= 200000) { /* xorshift: lifetimes of every size */
			seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
			ns = seed >> (seed % 64);
		}
		char want[64];
		snprintf(want, sizeof want, "%.2f", (double)ns / 1e6);
		fmt_ms2(buf, sizeof buf, ns);
		if (strcmp(buf, want) != 0) {
			CHECK_STR(buf, want);
			break;
		}
	}
	return CHECK_DONE();
}
