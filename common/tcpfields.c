#include "tcpfields.h"

void tcp_row_fill(struct tcp_row *r, const char *type, const struct event_head *h,
		  const struct tcp_tuple *t)
{
	uint64_t wall = mono_to_wall_ns(h->ts_ns);
	fmt_since_start(r->rel, sizeof r->rel, h->ts_ns);
	fmt_clock(r->clock, sizeof r->clock, wall);
	fmt_rfc3339(r->iso, sizeof r->iso, wall);
	fmt_addr(r->laddr, sizeof r->laddr, t->family, t->saddr);
	fmt_addr(r->raddr, sizeof r->raddr, t->family, t->daddr);
	struct cell *c = r->cells;
	c[F_TIME_REL] = cell_str(r->rel);
	c[F_TIME_CLOCK] = cell_str(r->clock);
	c[F_TYPE] = cell_str(type);
	c[F_TIME] = cell_str(r->iso);
	c[F_TS] = cell_u64(h->ts_ns);
	c[F_PID] = cell_u64(h->pid);
	c[F_TID] = cell_u64(h->tid);
	c[F_UID] = cell_u64(h->uid);
	/* pid 0 is never a caller: none was seen (say so, never name a bystander) */
	c[F_COMM] = h->pid ? cell_strn(h->comm, sizeof h->comm) : cell_str("-");
	c[F_FAMILY] = cell_u64(ip_version(t->family));
	c[F_LADDR] = cell_str(r->laddr);
	c[F_LPORT] = cell_u64(t->sport);
	c[F_RADDR] = cell_str(r->raddr);
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
