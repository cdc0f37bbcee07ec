/* From a file descriptor of the current task to its socket, through the
 * fields declared here. */
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

/* The struct file behind fd in the current task's file table, or NULL. */
static __always_inline void *fd_to_file(long fd)
{
	void *files = read_ptr((void *)bpf_get_current_task(), OFF_TASK_FILES);
	void *fdt = read_ptr(files, OFF_FILES_FDT);
	u32 max_fds = 0;
	if (fdt)
		bpf_probe_read_kernel(&max_fds, sizeof(max_fds), (const char *)fdt + OFF_FDT_MAX_FDS);
	if (fd < 0 || fd >= max_fds)
		return NULL;
	return read_ptr(read_ptr(fdt, OFF_FDT_FD), (u64)fd * sizeof(void *));
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
