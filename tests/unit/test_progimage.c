/* The compiled program's stored form (common/kernel/progimage.c): what is
 * encoded decodes to the same image, and bytes that are not a well-formed
 * image (cut short anywhere, a map reference left unrelocated, a
 * relocation that points elsewhere) are refused, never half-read. */
#include "check.h"
#include "progimage.h"

#include <errno.h>
#include <stdlib.h>

#define LD_IMM64 (BPF_LD | BPF_IMM | BPF_DW)

/* r1 = map 0; r0 = 0; exit; with the map reference recorded. */
static void sample(struct prog_image *img, struct bpf_insn *insns, struct image_reloc *reloc)
{
	memset(img, 0, sizeof *img);
	snprintf(img->license, sizeof img->license, "GPL");
	img->kern_version = 0x061200;
	img->nmaps = 2;
	img->maps[0] = (struct image_map){BPF_MAP_TYPE_RINGBUF, 0, 0, 1 << 20, 0, "events"};
	img->maps[1] = (struct image_map){BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 1, 0, "lost"};
	img->ndeps = 1;
	img->deps[0] = (struct image_dep){"/usr/lib/libbcc.so.0", 1, 2, 3};
	insns[0] = (struct bpf_insn){.code = LD_IMM64, .dst_reg = 1, .src_reg = BPF_PSEUDO_MAP_FD, .imm = -1};
	insns[1] = (struct bpf_insn){0};
	insns[2] = (struct bpf_insn){.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0};
	insns[3] = (struct bpf_insn){.code = BPF_JMP | BPF_EXIT};
	*reloc = (struct image_reloc){0, 1};
	img->nprogs = 1;
	snprintf(img->progs[0].name, sizeof img->progs[0].name, "tracepoint__sock__inet_sock_set_state");
	img->progs[0].ninsns = 4;
	img->progs[0].insns = insns;
	img->progs[0].nrelocs = 1;
	img->progs[0].relocs = reloc;
}

static int decodes(const unsigned char *buf, size_t len)
{
	struct prog_image out;
	int rc = image_decode(&out, buf, len);
	if (rc == 0)
		image_free(&out);
	return rc == 0;
}

int main(void)
{
	struct prog_image img, out;
	struct bpf_insn insns[4];
	struct image_reloc reloc;
	unsigned char *buf;
	size_t len;
	sample(&img, insns, &reloc);
	CHECK_EQ(image_encode(&img, &buf, &len), 0);

	/* round trip */
	CHECK_EQ(image_decode(&out, buf, len), 0);
	CHECK_STR(out.license, "GPL");
	CHECK_EQ(out.kern_version, 0x061200);
	CHECK_EQ(out.nmaps, 2);
	CHECK_STR(out.maps[1].name, "lost");
	CHECK_EQ(out.maps[0].max_entries, 1 << 20);
	CHECK_STR(out.deps[0].path, "/usr/lib/libbcc.so.0");
	const struct image_prog *p = image_prog(&out, "tracepoint__sock__inet_sock_set_state");
	CHECK(p != NULL);
	CHECK(image_prog(&out, "tracepoint__sock") == NULL);
	if (p) {
		CHECK_EQ(p->ninsns, 4);
		CHECK(memcmp(p->insns, insns, sizeof insns) == 0);
		CHECK_EQ(p->nrelocs, 1);
		CHECK_EQ(p->relocs[0].map, 1);
	}
	image_free(&out);

	/* cut short anywhere, or with bytes after it: refused */
	for (size_t n = 0; n < len; n++)
		if (decodes(buf, n)) {
			fprintf(stderr, "decoded from %zu of %zu bytes\n", n, len);
			check_failures++;
		}
	unsigned char *longer = malloc(len + 1);
	memcpy(longer, buf, len);
	longer[len] = 0;
	CHECK(!decodes(longer, len + 1));
	free(longer);
	errno = 0;
	CHECK(!decodes(buf, 10) && errno == EBADMSG);
	free(buf);

	/* a map reference with no relocation */
	img.progs[0].nrelocs = 0;
	CHECK_EQ(image_check_prog(&img.progs[0], img.nmaps), -1);
	CHECK_EQ(image_encode(&img, &buf, &len), 0);
	CHECK(!decodes(buf, len));
	free(buf);
	img.progs[0].nrelocs = 1;

	/* a relocation to a map that does not exist, or to another instruction */
	reloc.map = 2;
	CHECK_EQ(image_check_prog(&img.progs[0], img.nmaps), -1);
	reloc = (struct image_reloc){2, 0};
	CHECK_EQ(image_check_prog(&img.progs[0], img.nmaps), -1);
	reloc = (struct image_reloc){0, 0};
	CHECK_EQ(image_check_prog(&img.progs[0], img.nmaps), 0);

	/* another kind of pseudo reference (a map value): not patchable here */
	insns[0].src_reg = BPF_PSEUDO_MAP_VALUE;
	CHECK_EQ(image_check_prog(&img.progs[0], img.nmaps), -1);
	insns[0].src_reg = BPF_PSEUDO_MAP_FD;

	/* a 16-byte load cut in half at the end */
	img.progs[0].ninsns = 1;
	CHECK_EQ(image_check_prog(&img.progs[0], img.nmaps), -1);
	return CHECK_DONE();
}
