/* Reads tcpconnect's raw stream (-o raw) from stdin using nothing but
 * headers/ and prints each record as one JSON object with the tool's keys,
 * so the tests can compare raw output with the tool's own JSON. */
#include "tcpconnect.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
	struct raw_stream_header h;
	if (fread(&h, sizeof h, 1, stdin) != 1 ||
	    memcmp(h.magic, RAW_MAGIC, 8) != 0 ||
	    h.version != RAW_VERSION || h.record_size != sizeof(struct tcpconnect_event)) {
		fprintf(stderr, "raw_decode: not a tcpconnect raw stream\n");
		return 1;
	}
	struct tcpconnect_event e;
	while (fread(&e, sizeof e, 1, stdin) == 1) {
		char l[INET6_ADDRSTRLEN], r[INET6_ADDRSTRLEN], comm[TASK_COMM_LEN + 1] = {0};
		int af = e.tuple.family == 10 ? AF_INET6 : AF_INET;
		inet_ntop(af, e.tuple.saddr, l, sizeof l);
		inet_ntop(af, e.tuple.daddr, r, sizeof r);
		memcpy(comm, e.head.comm, TASK_COMM_LEN);
		printf("{\"ts_ns\":%llu,\"pid\":%u,\"tid\":%u,\"uid\":%u,\"comm\":\"%s\",\"family\":%d,"
		       "\"laddr\":\"%s\",\"lport\":%u,\"raddr\":\"%s\",\"rport\":%u,\"netns\":%u,"
		       "\"cgroup_id\":%llu}\n",
		       (unsigned long long)e.head.ts_ns, e.head.pid, e.head.tid, e.head.uid, comm,
		       af == AF_INET6 ? 6 : 4, l, e.tuple.sport, r, e.tuple.dport, e.head.netns,
		       (unsigned long long)e.head.cgroup_id);
	}
	return 0;
}
