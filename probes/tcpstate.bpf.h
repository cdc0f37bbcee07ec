/* TCP states and the sock:inet_sock_set_state record, for the tools that
 * follow socket state changes. */

#define TCP_ESTABLISHED 1
#define TCP_SYN_SENT 2
#define TCP_SYN_RECV 3
#define TCP_FIN_WAIT1 4
#define TCP_FIN_WAIT2 5
#define TCP_TIME_WAIT 6
#define TCP_CLOSE 7
#define TCP_CLOSE_WAIT 8
#define TCP_LAST_ACK 9
#define TCP_LISTEN 10
#define TCP_CLOSING 11

/* The tuple of an inet_sock_set_state record. A macro, as its argument
 * type only exists inside TRACEPOINT_PROBE. */
#define TUPLE_FROM_STATE_ARGS(t, args)                                          \
	do {                                                                    \
		(t)->family = (args)->family;                                   \
		(t)->sport = (args)->sport;                                     \
		(t)->dport = (args)->dport;                                     \
		if ((args)->family == AF_INET) {                                \
			__builtin_memcpy((t)->saddr, (args)->saddr, 4);         \
			__builtin_memcpy((t)->daddr, (args)->daddr, 4);         \
		} else {                                                        \
			__builtin_memcpy((t)->saddr, (args)->saddr_v6, 16);     \
			__builtin_memcpy((t)->daddr, (args)->daddr_v6, 16);     \
		}                                                               \
	} while (0)
