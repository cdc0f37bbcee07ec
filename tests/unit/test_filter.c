/* The filter text for each option combination, against golden text. */
#include "check.h"
#include "filter.h"

#include <stdlib.h>

#define STR(x) #x
#define XSTR(x) STR(x)

static void golden(const struct filter_spec *spec, const char *want)
{
	char *got = filter_text(spec);
	CHECK_STR(got, want);
	free(got);
}

static void ports_golden(const struct filter_spec *spec, const char *want)
{
	char *got = filter_ports_macro(spec);
	CHECK_STR(got, want);
	free(got);
}

int main(void)
{
	struct filter_spec s = {0};
	golden(&s, "");

	s = (struct filter_spec){.pids = {1234}, .npids = 1};
	golden(&s, "if (!(pid == 1234U))\n\t\treturn true;\n\t");

	s = (struct filter_spec){.pids = {1, 4194304}, .npids = 2};
	golden(&s, "if (!(pid == 1U || pid == 4194304U))\n\t\treturn true;\n\t");

	s = (struct filter_spec){.has_uid = true, .uid = 0};
	golden(&s, "if (!(uid == 0U))\n\t\treturn true;\n\t");

	s = (struct filter_spec){.family = 10};
	golden(&s, "if (!(family == 10U))\n\t\treturn true;\n\t");

	s = (struct filter_spec){.rports = {80, 443}, .nrports = 2, .lports = {22}, .nlports = 1};
	golden(&s, "if (!(lport == 22U))\n\t\treturn true;\n\t"
		   "if (!(rport == 80U || rport == 443U))\n\t\treturn true;\n\t");

	s = (struct filter_spec){.netns = {4026531840U}, .nnetns = 1};
	golden(&s, "if (!(netns == 4026531840U))\n\t\treturn true;\n\t");

	s = (struct filter_spec){.netns = {1, 2}, .nnetns = 2};
	golden(&s, "if (!(netns == 1U || netns == 2U))\n\t\treturn true;\n\t");

	/* packet filters: interface name and addresses as words, never as text */
	s = (struct filter_spec){.has_ifname = true, .ifname = {0x3068746575ULL, 0}};
	golden(&s, "if (!(ifname_lo == 0x3068746575ULL && ifname_hi == 0x0ULL))\n\t\treturn true;\n\t");
	s = (struct filter_spec){.ip_family = 2, .ip = {0x100000aULL, 0}};
	golden(&s, "if (!(family == 2U && ((saddr_lo == 0x100000aULL && saddr_hi == 0x0ULL) || "
		   "(daddr_lo == 0x100000aULL && daddr_hi == 0x0ULL))))\n\t\treturn true;\n\t");
	s = (struct filter_spec){.proto = 1};
	golden(&s, "if (!(proto == 1U || proto == 58U))\n\t\treturn true;\n\t");
	s = (struct filter_spec){.proto = 17};
	golden(&s, "if (!(proto == 17U))\n\t\treturn true;\n\t");
	s = (struct filter_spec){.ports = {53, 80}, .nports = 2};
	golden(&s, "if (!(sport == 53U || dport == 53U || sport == 80U || dport == 80U))\n\t\treturn true;\n\t");
	s = (struct filter_spec){.events = 1U << 6};
	golden(&s, "if (!(event == 6U))\n\t\treturn true;\n\t");
	s = (struct filter_spec){.events = 1U << 4 | 1U << 6};
	golden(&s, "if (!(event == 4U || event == 6U))\n\t\treturn true;\n\t");

	s = (struct filter_spec){.has_cgroup = true, .cgroup_id = 18446744073709551615ULL};
	golden(&s, "if (cgroup_id != 18446744073709551615ULL)\n\t\treturn true;\n\t");

	/* everything at once keeps a fixed order: pid uid family lport rport netns cgroup */
	s = (struct filter_spec){.pids = {7}, .npids = 1, .has_uid = true, .uid = 1000, .family = 2,
				 .rports = {5432}, .nrports = 1, .netns = {9}, .nnetns = 1,
				 .has_cgroup = true, .cgroup_id = 42};
	golden(&s, "if (!(pid == 7U))\n\t\treturn true;\n\t"
		   "if (!(uid == 1000U))\n\t\treturn true;\n\t"
		   "if (!(family == 2U))\n\t\treturn true;\n\t"
		   "if (!(rport == 5432U))\n\t\treturn true;\n\t"
		   "if (!(netns == 9U))\n\t\treturn true;\n\t"
		   "if (cgroup_id != 42ULL)\n\t\treturn true;\n\t");

	/* the early port test: family, -L and -D only; nothing without them */
	s = (struct filter_spec){.pids = {7}, .npids = 1, .netns = {9}, .nnetns = 1};
	ports_golden(&s, "");
	s = (struct filter_spec){.rports = {5432}, .nrports = 1};
	ports_golden(&s, "#define PORTS_FILTERED(family, lport, rport) (0 || !((rport) == 5432U))\n");
	s = (struct filter_spec){.family = 10, .lports = {80, 443}, .nlports = 2, .rports = {9}, .nrports = 1};
	ports_golden(&s, "#define PORTS_FILTERED(family, lport, rport) (0 || (family) != 10U"
			 " || !((lport) == 80U || (lport) == 443U) || !((rport) == 9U))\n");

	/* the defines: the name filter's maps, and whether the filter reads the task's cgroup */
	s = (struct filter_spec){.pids = {7}, .npids = 1, .netns = {9}, .nnetns = 1};
	CHECK_STR(filter_defines(&s), "");
	s = (struct filter_spec){.has_cgroup = true, .cgroup_id = 42};
	CHECK_STR(filter_defines(&s), "#define FILTER_READS_CGROUP 1\n");
	s = (struct filter_spec){.names = FILTER_NAMES_PROCESS};
	CHECK_STR(filter_defines(&s), "#define NAME_FILTER 1\n#define NAME_FILTER_MAX " XSTR(FILTER_MAX_NAMED)
				      "\n#define FILTER_READS_CGROUP 1\n");
	s = (struct filter_spec){.names = FILTER_NAMES_NETNS};
	CHECK_STR(filter_defines(&s), "#define NAME_FILTER 1\n#define NAME_FILTER_MAX " XSTR(FILTER_MAX_NAMED) "\n");
	return CHECK_DONE();
}
