#include "tcpfields.h"

#include <string.h>

/* The text of a time cell, computed only where the field is shown. */
static struct cell time_cell(struct row *r, int field, const struct timebase *tb, uint64_t ts,
			     size_t (*fmt)(char *, size_t, uint64_t))
{
	if (!row_shown(r, field))
		return cell_null();
	char *s = row_text(r, TIME_TEXT_LEN);
	return cell_plain(s, fmt(s, TIME_TEXT_LEN, timebase_wall(tb, ts)));
}

static struct cell addr_cell(struct row *r, int field, unsigned family, const uint8_t *addr)
{
	if (!row_shown(r, field))
		return cell_null();
	char *s = row_text(r, ADDR_TEXT_LEN);
	return cell_plain(s, fmt_addr(s, ADDR_TEXT_LEN, family, addr));
}

void tcp_row_fill(struct row *r, const struct timebase *tb, const char *type, const struct event_head *h,
		  const struct tcp_tuple *t)
{
	struct cell *c = r->cells;
	if (row_shown(r, F_TIME_REL)) {
		char *rel = row_text(r, TIME_TEXT_LEN);
		c[F_TIME_REL] = cell_plain(rel, fmt_since(rel, TIME_TEXT_LEN, h->ts_ns, tb));
	}
	c[F_TIME_CLOCK] = time_cell(r, F_TIME_CLOCK, tb, h->ts_ns, fmt_clock);
	c[F_TYPE] = cell_plain(type, strlen(type));
	c[F_TIME] = time_cell(r, F_TIME, tb, h->ts_ns, fmt_rfc3339);
	c[F_TS] = cell_u64(h->ts_ns);
	c[F_PID] = cell_u64(h->pid);
	c[F_TID] = cell_u64(h->tid);
	c[F_UID] = cell_u64(h->uid);
	/* pid 0 is never a caller: none was seen (say so, never name a bystander) */
	c[F_COMM] = h->pid ? cell_strn(h->comm, sizeof h->comm) : cell_str("-");
	c[F_FAMILY] = cell_u64(ip_version(t->family));
	c[F_LADDR] = addr_cell(r, F_LADDR, t->family, t->saddr);
	c[F_LPORT] = cell_u64(t->sport);
	c[F_RADDR] = addr_cell(r, F_RADDR, t->family, t->daddr);
	c[F_RPORT] = cell_u64(t->dport);
	c[F_NETNS] = cell_u64(h->netns);
	c[F_CGROUP] = cell_u64(h->cgroup_id);
}

void columns_show(struct column *cols, int ncols, int field, bool on)
{
	for (int i = 0; i < ncols; i++)
		if (cols[i].field == field)
			cols[i].text = on;
}

void columns_show_time(struct column *cols, int ncols, enum time_column time)
{
	columns_show(cols, ncols, F_TIME_REL, time == TIME_SINCE_START);
	columns_show(cols, ncols, F_TIME_CLOCK, time == TIME_OF_DAY);
}

void columns_drop(struct column *cols, int ncols, int field)
{
	for (int i = 0; i < ncols; i++)
		if (cols[i].field == field) {
			cols[i].text = false;
			cols[i].key = NULL;
		}
}
