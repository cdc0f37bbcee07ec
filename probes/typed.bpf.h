/* Field reads through pointers whose type the verifier knows: a raw
 * tracepoint's own arguments where its programs are BTF-typed (tp_btf;
 * user space defines BTF_RAW_TP where the kernel loads them), and pointers
 * read this way from those. Such a read is one load instruction, which the
 * verifier checks against the kernel's BTF and the JIT makes fault-safe (a
 * bad address reads 0). Any other read is a bpf_probe_read_kernel() call,
 * about 10 ns each here: on podnet's per-packet hooks the reads were most
 * of the programs' cost.
 *
 * typed: whether p is such a pointer, a constant at each call site (pass
 * TYPED from a raw tracepoint, false from a kprobe sharing the code), so
 * the compiler keeps one of the two forms. off: a constant (the KFIELD
 * offsets).
 *
 * The loads are inline assembly: bcc rewrites a plain dereference of a
 * pointer it believes came from the context into bpf_probe_read() calls,
 * and inside macros its rewrite does not compile. */
#ifdef BTF_RAW_TP
#define TYPED 1
#else
#define TYPED 0
#endif

#define TYPED_LOAD(width, p, off)                                                                    \
	({                                                                                           \
		u64 __v;                                                                             \
		asm volatile("%0 = *(u" #width " *)(%1 + %2)" : "=r"(__v) : "r"(p), "i"(off));       \
		__v;                                                                                 \
	})

#define PROBED_LOAD(type, p, off)                                                      \
	({                                                                             \
		type __v = 0;                                                          \
		if (p)                                                                 \
			bpf_probe_read_kernel(&__v, sizeof(__v), (const char *)(p) + (off)); \
		__v;                                                                   \
	})

/* The field of type u64, u32, u16 or a pointer at p + off (read_ptr() of
 * common.bpf.h where untyped). */
#define FIELD_U64(typed, p, off) ((typed) ? TYPED_LOAD(64, p, off) : PROBED_LOAD(u64, p, off))
#define FIELD_U32(typed, p, off) ((u32)((typed) ? TYPED_LOAD(32, p, off) : PROBED_LOAD(u32, p, off)))
#define FIELD_U16(typed, p, off) ((u16)((typed) ? TYPED_LOAD(16, p, off) : PROBED_LOAD(u16, p, off)))
#define FIELD_PTR(typed, p, off) ((typed) ? (void *)TYPED_LOAD(64, p, off) : read_ptr(p, off))

/* A raw tracepoint's pointer argument args[i] as a plain number, for a
 * table's key. Typed, the argument is a pointer to the verifier, which
 * allows it no arithmetic but adding (a hash multiplies the address), and
 * some kernels (6.1) take a pointer stored in a key's stack slot for a
 * number once the slot has gone to a helper, so a load through it later
 * fails. So the key is its own variable, read back through a helper, whose
 * result the verifier takes for a number; untyped, the argument is one
 * already. */
static __always_inline u64 raw_arg_number(const u64 *args, int i)
{
	u64 n = 0;
	if (TYPED)
		bpf_probe_read_kernel(&n, sizeof(n), &args[i]);
	else
		n = args[i];
	return n;
}
