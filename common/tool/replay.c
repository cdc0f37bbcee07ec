#include "replay.h"

#include "errors.h"
#include "event_common.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

static void bad(const struct replay *r, const char *why)
{
	usage_error("--read: %s: %s", r->path, why);
}

void replay_open(struct replay *r, const char *path, const char *tool, size_t record_size)
{
	*r = (struct replay){.path = path, .record_size = record_size};
	r->f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (!r->f)
		usage_error("--read: cannot open '%s': %s", path, strerror(errno));
	struct stat st;
	if (fstat(fileno(r->f), &st) == 0 && S_ISDIR(st.st_mode))
		bad(r, "a directory, not a stream recorded with -o raw");
	struct raw_stream_header h;
	char name[sizeof h.tool + 1] = "";
	if (fread(&h, sizeof h, 1, r->f) != 1)
		bad(r, "too short for a socklens raw stream header (written with -o raw?)");
	if (memcmp(h.magic, RAW_MAGIC, sizeof h.magic) != 0 &&
	    memcmp(h.magic, RAW_MAGIC_BEFORE_RENAME, sizeof h.magic) != 0)
		bad(r, "not a socklens raw stream (no SOCKLENS magic; write one with -o raw)");
	memcpy(name, h.tool, sizeof h.tool);
	if (h.version != RAW_VERSION) {
		char why[128];
		snprintf(why, sizeof why, "raw stream version %u, this %s reads version %u", h.version, tool,
			 RAW_VERSION);
		bad(r, why);
	}
	if (strcmp(name, tool) != 0) {
		char why[128];
		snprintf(why, sizeof why, "a stream of %.16s, not of %s", name, tool);
		bad(r, why);
	}
	if (h.record_size != record_size) {
		char why[128];
		snprintf(why, sizeof why, "records of %u bytes, %s's are %zu", h.record_size, tool, record_size);
		bad(r, why);
	}
	r->wall_minus_mono_ns = h.wall_minus_mono_ns;
}

bool replay_next(struct replay *r, void *buf)
{
	size_t n = fread(buf, 1, r->record_size, r->f);
	if (n == r->record_size)
		return true;
	if (ferror(r->f))
		runtime_error("--read: %s: %s", r->path, strerror(errno));
	if (n)
		runtime_error("--read: %s: the last record is cut short (%zu of %zu bytes)", r->path, n,
			      r->record_size);
	return false;
}

void replay_close(struct replay *r)
{
	if (r->f && r->f != stdin)
		fclose(r->f);
	r->f = NULL;
}
