/* Kernel fields that several probes read, as layout entries a tool puts in
 * its kernel_field list (see layout.h). */
#ifndef SOCKLENS_KFIELDS_H
#define SOCKLENS_KFIELDS_H

/* for probes/sock.bpf.h: sock_tuple() */
#define SOCK_TUPLE_FIELDS                                                                  \
	{"OFF_SOCK_FAMILY", "sock", "__sk_common.skc_family", "net/sock.h"},               \
	{"OFF_SOCK_PROTOCOL", "sock", "sk_protocol", "net/sock.h"},                        \
	{"OFF_SOCK_NUM", "sock", "__sk_common.skc_num", "net/sock.h"},                     \
	{"OFF_INET_SPORT", "inet_sock", "inet_sport", "net/inet_sock.h"},                  \
	{"OFF_SOCK_DPORT", "sock", "__sk_common.skc_dport", "net/sock.h"},                 \
	{"OFF_SOCK_RCV_SADDR", "sock", "__sk_common.skc_rcv_saddr", "net/sock.h"},         \
	{"OFF_SOCK_DADDR", "sock", "__sk_common.skc_daddr", "net/sock.h"},                 \
	{"OFF_SOCK_V6_RCV_SADDR", "sock", "__sk_common.skc_v6_rcv_saddr", "net/sock.h"},   \
	{"OFF_SOCK_V6_DADDR", "sock", "__sk_common.skc_v6_daddr", "net/sock.h"}

/* for probes/fd.bpf.h: fd_to_sock() */
#define FD_WALK_FIELDS                                                                     \
	{"OFF_TASK_FILES", "task_struct", "files", "linux/sched.h"},                       \
	{"OFF_FILES_FDT", "files_struct", "fdt", "linux/fdtable.h"},                       \
	{"OFF_FDT_MAX_FDS", "fdtable", "max_fds", "linux/fdtable.h"},                      \
	{"OFF_FDT_FD", "fdtable", "fd", "linux/fdtable.h"},                                \
	{"OFF_FILE_PRIVATE_DATA", "file", "private_data", "linux/fs.h"},                   \
	{"OFF_SOCKET_SK", "socket", "sk", "linux/net.h"}

#endif
