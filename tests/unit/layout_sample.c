/* Compiled twice by the layout test: by clang into BTF, and into the test
 * itself, so BTF offsets can be checked against the compiler's offsetof.
 * The shapes mimic the kernel's: nested and anonymous members, typedefs. */
typedef struct {
	void *net;
} sample_possible_net_t;

struct sample_common {
	unsigned long long hash;
	union {
		unsigned int addrpair;
		struct {
			unsigned int daddr;
			unsigned int rcv_saddr;
		};
	};
	unsigned short family;
	sample_possible_net_t skc_net;
};

struct sample_sock {
	struct sample_common __sk_common;
	int pad[3];
	struct {
		char flags;
		int sk_err;
	};
	unsigned int bits : 3;
	unsigned short sport;
};

struct sample_sock sample_instance;
