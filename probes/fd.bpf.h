/* From a file descriptor of the current task to its socket.
 * Expects the OFF_* defines of FD_WALK_FIELDS (common/kfields.h) and
 * read_ptr() from sock.bpf.h. */

/* The struct sock behind a struct file (NULL for NULL). */
static __always_inline void *file_to_sock(const void *file)
{
	return read_ptr(read_ptr(file, OFF_FILE_PRIVATE_DATA), OFF_SOCKET_SK);
}

/* The struct sock behind fd in the current task's file table, or NULL. */
static __always_inline void *fd_to_sock(long fd)
{
	void *files = read_ptr((void *)bpf_get_current_task(), OFF_TASK_FILES);
	void *fdt = read_ptr(files, OFF_FILES_FDT);
	u32 max_fds = 0;
	if (fdt)
		bpf_probe_read_kernel(&max_fds, sizeof(max_fds), (const char *)fdt + OFF_FDT_MAX_FDS);
	if (fd < 0 || fd >= max_fds)
		return NULL;
	return file_to_sock(read_ptr(read_ptr(fdt, OFF_FDT_FD), (u64)fd * sizeof(void *)));
}
