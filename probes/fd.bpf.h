/* From a file descriptor of the current task to its socket, through the
 * fields declared here. */
#ifdef HAVE_TASK_BTF
#define TASK_TYPED 1
#else
#define TASK_TYPED 0
#endif
/* KFIELD OFF_TASK_FILES task_struct files 8 linux/sched.h */
/* KFIELD OFF_FILES_FDT files_struct fdt 8 linux/fdtable.h */
/* KFIELD OFF_FDT_MAX_FDS fdtable max_fds 4 linux/fdtable.h */
/* KFIELD OFF_FDT_FD fdtable fd 8 linux/fdtable.h */
/* KFIELD OFF_FILE_PRIVATE_DATA file private_data 8 linux/fs.h */
/* KFIELD OFF_SOCKET_SK socket sk 8 linux/net.h */

/* The struct socket behind a struct file, or NULL (not a socket:
 * private_data is then something else, so callers check the sock they
 * reach, as sock_tuple() does). */
static __always_inline void *file_to_socket(const void *file)
{
	return read_ptr(file, OFF_FILE_PRIVATE_DATA);
}

/* The struct sock behind a struct file (NULL for NULL). */
static __always_inline void *file_to_sock(const void *file)
{
	return read_ptr(file_to_socket(file), OFF_SOCKET_SK);
}

/* The current task's table of open files (its struct fdtable). Where the
 * kernel types the current task (bpf_get_current_task_btf, 5.11+: user
 * space defines HAVE_TASK_BTF), the walk to it is plain loads (typed.bpf.h)
 * instead of three bpf_probe_read_kernel() calls: it runs at every
 * connect() of tcpconnect's, every accept() of tcpaccept's. */
static __always_inline void *current_fdtable(void)
{
#ifdef HAVE_TASK_BTF
	void *files = FIELD_PTR(true, bpf_get_current_task_btf(), OFF_TASK_FILES);
	return files ? FIELD_PTR(true, files, OFF_FILES_FDT) : NULL;
#else
	return read_ptr(read_ptr((void *)bpf_get_current_task(), OFF_TASK_FILES), OFF_FILES_FDT);
#endif
}

/* The struct file behind fd in the current task's file table, or NULL. */
static __always_inline void *fd_to_file(long fd)
{
	void *fdt = current_fdtable();
	if (!fdt || fd < 0 || fd >= FIELD_U32(TASK_TYPED, fdt, OFF_FDT_MAX_FDS))
		return NULL;
	/* fdt->fd: an array of pointers, which the verifier lets no typed
	 * load index by a variable */
	return read_ptr(FIELD_PTR(TASK_TYPED, fdt, OFF_FDT_FD), (u64)fd * sizeof(void *));
}

/* The struct socket behind fd in the current task's file table, or NULL. */
static __always_inline void *fd_to_socket(long fd)
{
	return file_to_socket(fd_to_file(fd));
}

/* The struct sock behind fd in the current task's file table, or NULL. */
static __always_inline void *fd_to_sock(long fd)
{
	return file_to_sock(fd_to_file(fd));
}
