#include "progimage.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define LD_IMM64 (BPF_LD | BPF_IMM | BPF_DW)

/* A growing output buffer; a failed grow sets ok = 0 and stops writing. */
struct out {
	unsigned char *buf;
	size_t len, cap;
	int ok;
};

static void put(struct out *o, const void *p, size_t n)
{
	if (!o->ok)
		return;
	if (o->len + n > o->cap) {
		size_t cap = o->cap ? o->cap : 4096;
		while (cap < o->len + n)
			cap *= 2;
		unsigned char *b = realloc(o->buf, cap);
		if (!b) {
			o->ok = 0;
			return;
		}
		o->buf = b, o->cap = cap;
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

static void put32(struct out *o, uint32_t v) { put(o, &v, sizeof v); }

int image_encode(const struct prog_image *img, unsigned char **out, size_t *len)
{
	struct out o = {.ok = 1};
	put(&o, img->license, sizeof img->license);
	put32(&o, img->kern_version);
	put32(&o, img->ndeps);
	put(&o, img->deps, img->ndeps * sizeof *img->deps);
	put32(&o, img->nmaps);
	put(&o, img->maps, img->nmaps * sizeof *img->maps);
	put32(&o, img->nprogs);
	for (uint32_t i = 0; i < img->nprogs; i++) {
		const struct image_prog *p = &img->progs[i];
		put(&o, p->name, sizeof p->name);
		put32(&o, p->ninsns);
		put32(&o, p->nrelocs);
		put(&o, p->insns, p->ninsns * sizeof *p->insns);
		put(&o, p->relocs, p->nrelocs * sizeof *p->relocs);
	}
	if (!o.ok) {
		free(o.buf);
		errno = ENOMEM;
		return -1;
	}
	*out = o.buf, *len = o.len;
	return 0;
}

/* Reads from a buffer; any read past its end sets bad. */
struct in {
	const unsigned char *p, *end;
	int bad;
};

static void get(struct in *in, void *dst, size_t n)
{
	if (in->bad || (size_t)(in->end - in->p) < n) {
		in->bad = 1;
		memset(dst, 0, n);
		return;
	}
	memcpy(dst, in->p, n);
	in->p += n;
}

static uint32_t get32(struct in *in)
{
	uint32_t v;
	get(in, &v, sizeof v);
	return v;
}

static int terminated(const char *s, size_t size) { return memchr(s, '\0', size) != NULL; }

int image_check_prog(const struct image_prog *p, uint32_t nmaps)
{
	uint32_t r = 0; /* relocations are in instruction order */
	for (uint32_t i = 0; i < p->ninsns; i++) {
		const struct bpf_insn *insn = &p->insns[i];
		if (insn->code != LD_IMM64)
			continue;
		if (i + 1 >= p->ninsns)
			return -1;
		if (insn->src_reg == BPF_PSEUDO_MAP_FD) {
			if (r >= p->nrelocs || p->relocs[r].insn != i || p->relocs[r].map >= nmaps)
				return -1;
			r++;
		} else if (insn->src_reg != 0) {
			return -1; /* another kind of reference: not what this loader can patch */
		}
		i++; /* the second half of the 16-byte instruction */
	}
	return r == p->nrelocs ? 0 : -1;
}

static int decode_prog(struct in *in, struct image_prog *p, uint32_t nmaps)
{
	get(in, p->name, sizeof p->name);
	p->ninsns = get32(in);
	p->nrelocs = get32(in);
	if (in->bad || !terminated(p->name, sizeof p->name) || p->ninsns == 0 ||
	    p->ninsns > IMAGE_MAX_INSNS || p->nrelocs > p->ninsns)
		return -1;
	p->insns = malloc(p->ninsns * sizeof *p->insns);
	p->relocs = malloc((p->nrelocs ? p->nrelocs : 1) * sizeof *p->relocs);
	if (!p->insns || !p->relocs)
		return -1;
	get(in, p->insns, p->ninsns * sizeof *p->insns);
	get(in, p->relocs, p->nrelocs * sizeof *p->relocs);
	return in->bad ? -1 : image_check_prog(p, nmaps);
}

int image_decode(struct prog_image *img, const unsigned char *buf, size_t len)
{
	struct in in = {buf, buf + len, 0};
	memset(img, 0, sizeof *img);
	get(&in, img->license, sizeof img->license);
	img->kern_version = get32(&in);
	img->ndeps = get32(&in);
	if (in.bad || !terminated(img->license, sizeof img->license) || img->ndeps > IMAGE_MAX_DEPS)
		goto bad;
	get(&in, img->deps, img->ndeps * sizeof *img->deps);
	for (uint32_t i = 0; i < img->ndeps; i++)
		if (!terminated(img->deps[i].path, sizeof img->deps[i].path))
			goto bad;
	img->nmaps = get32(&in);
	if (in.bad || img->nmaps > IMAGE_MAX_MAPS)
		goto bad;
	get(&in, img->maps, img->nmaps * sizeof *img->maps);
	for (uint32_t i = 0; i < img->nmaps; i++)
		if (!terminated(img->maps[i].name, sizeof img->maps[i].name))
			goto bad;
	img->nprogs = get32(&in);
	if (in.bad || img->nprogs > IMAGE_MAX_PROGS)
		goto bad;
	for (uint32_t i = 0; i < img->nprogs; i++)
		if (decode_prog(&in, &img->progs[i], img->nmaps) != 0) {
			img->nprogs = i + 1; /* free what this one allocated too */
			goto bad;
		}
	if (in.p != in.end)
		goto bad;
	return 0;
bad:
	image_free(img);
	errno = EBADMSG;
	return -1;
}

const struct image_prog *image_prog(const struct prog_image *img, const char *fn)
{
	for (uint32_t i = 0; i < img->nprogs; i++)
		if (strcmp(img->progs[i].name, fn) == 0)
			return &img->progs[i];
	return NULL;
}

void image_free(struct prog_image *img)
{
	for (uint32_t i = 0; i < img->nprogs && i < IMAGE_MAX_PROGS; i++) {
		free(img->progs[i].insns);
		free(img->progs[i].relocs);
	}
	memset(img, 0, sizeof *img);
}
