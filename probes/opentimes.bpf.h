/* When each live socket opened, for a probe that remembers nothing else of
 * a socket until it closes (tcpclose's OWNER_FROM_SOCKET modes): a
 * set-associative table in an array. A socket's set is hash_64() of its
 * address, as the kernel's <linux/hash.h> computes it (the multiplication
 * by GOLDEN_RATIO_64, the top bits kept); a set holds OPEN_TIMES_WAYS
 * sockets (8: two cache lines), and a way is claimed by a compare-and-swap
 * of its socket address.
 *
 * Why not a BPF hash: its update at the opening and its lookup and delete
 * at the close each take a bucket lock and a free-list operation; this
 * takes a pointer step and one atomic each way. In bench/modes' connect
 * storm that was 0.25 us per connect (two sockets opened and closed).
 *
 * A set whose ways are all held cannot take one more socket; the caller
 * counts it (its close is reported without a lifetime). Shaped by user
 * space: OPEN_TIMES_WAYS sockets per set and OPEN_TIMES_SET_BITS bits of
 * set index, twice the ways of the sockets it was asked to follow, so a
 * set fills only far past the mean. Needs BPF compare-and-swap (Linux
 * 5.12+). */
#define OPEN_TIMES_SETS (1U << OPEN_TIMES_SET_BITS)
#define GOLDEN_RATIO_64 0x61C8864680B583EBULL

struct open_way {
	u64 sk;     /* the socket's address; 0: free */
	u64 stamp;  /* what the caller keeps: here, open_stamp() */
};
struct open_set {
	struct open_way way[OPEN_TIMES_WAYS];
};
BPF_ARRAY(open_times, struct open_set, OPEN_TIMES_SETS);

static __always_inline struct open_set *open_set_of(u64 sk)
{
	u32 set = OPEN_TIMES_SET_BITS ? (u32)((sk * GOLDEN_RATIO_64) >> (64 - OPEN_TIMES_SET_BITS)) : 0;
	return open_times.lookup(&set);
}

/* Remember stamp for sk; a stamp sk already has is replaced, or kept if
 * !replace. False: its set is full. (A way still holding sk, from a
 * socket freed without a close seen whose address came back, is reused:
 * one socket never holds two ways.) */
static __always_inline bool open_time_put(u64 sk, u64 stamp, bool replace)
{
	struct open_set *set = open_set_of(sk);
	if (!set)
		return false;
#pragma unroll
	for (int i = 0; i < OPEN_TIMES_WAYS; i++) {
		if (set->way[i].sk == sk) {
			if (replace)
				set->way[i].stamp = stamp;
			return true;
		}
	}
#pragma unroll
	for (int i = 0; i < OPEN_TIMES_WAYS; i++) {
		if (set->way[i].sk == 0 && __sync_val_compare_and_swap(&set->way[i].sk, 0, sk) == 0) {
			set->way[i].stamp = stamp;
			return true;
		}
	}
	return false;
}

/* Take sk's stamp out of the table: 0 if it holds none. The stamp is read
 * before the way is freed (the atomic orders the two). */
static __always_inline u64 open_time_take(u64 sk)
{
	struct open_set *set = open_set_of(sk);
	if (!set)
		return 0;
#pragma unroll
	for (int i = 0; i < OPEN_TIMES_WAYS; i++) {
		if (set->way[i].sk == sk) {
			u64 stamp = set->way[i].stamp;
			return __sync_val_compare_and_swap(&set->way[i].sk, sk, 0) == sk ? stamp : 0;
		}
	}
	return 0;
}
