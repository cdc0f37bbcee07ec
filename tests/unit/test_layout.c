/* BTF offsets, against offsetof of the same structs (layout_sample.c,
 * compiled to BTF by clang at build time). */
#include "check.h"
#include "layout.h"

#include <stddef.h>

#include "layout_sample.c"

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: test_layout SAMPLE.o\n");
		return 2;
	}
	const char *btf = argv[1];
	CHECK_EQ(layout_btf_offset(btf, "sample_sock", "__sk_common.skc_net.net"),
		 offsetof(struct sample_sock, __sk_common.skc_net.net));
	CHECK_EQ(layout_btf_offset(btf, "sample_sock", "__sk_common.rcv_saddr"),
		 offsetof(struct sample_sock, __sk_common.rcv_saddr));
	CHECK_EQ(layout_btf_offset(btf, "sample_sock", "__sk_common.family"),
		 offsetof(struct sample_sock, __sk_common.family));
	CHECK_EQ(layout_btf_offset(btf, "sample_sock", "sk_err"), offsetof(struct sample_sock, sk_err));
	CHECK_EQ(layout_btf_offset(btf, "sample_sock", "sport"), offsetof(struct sample_sock, sport));
	/* missing members and structs, and bitfields (not byte-addressable) */
	CHECK_EQ(layout_btf_offset(btf, "sample_sock", "nope"), -1);
	CHECK_EQ(layout_btf_offset(btf, "sample_sock", "__sk_common.nope"), -1);
	CHECK_EQ(layout_btf_offset(btf, "no_such_struct", "x"), -1);
	CHECK_EQ(layout_btf_offset(btf, "sample_sock", "bits"), -1);
	CHECK_EQ(layout_btf_offset("/nonexistent", "sample_sock", "sport"), -1);
	(void)sample_instance;
	return CHECK_DONE();
}
