#include "packetopts.h"

#include "errors.h"
#include "parse.h"

#include <arpa/inet.h>
#include <string.h>

#define IFNAMSIZ 16

void filter_set_ifname(struct filter_spec *f, const char *opt, const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n >= IFNAMSIZ || strpbrk(name, "/: \t\n") || !strcmp(name, ".") || !strcmp(name, ".."))
		usage_error("%s: '%s' is not an interface name (1-15 bytes, no '/', ':' or spaces)", opt,
			    name);
	given_once(f->has_ifname, opt, "interface");
	char padded[IFNAMSIZ] = {0};
	memcpy(padded, name, n);
	memcpy(f->ifname, padded, sizeof padded);
	f->has_ifname = true;
}

void filter_set_ip(struct filter_spec *f, const char *opt, const char *addr)
{
	given_once(f->ip_family != 0, opt, "address");
	unsigned char bytes[16] = {0};
	if (inet_pton(AF_INET, addr, bytes) == 1)
		f->ip_family = AF_INET;
	else if (inet_pton(AF_INET6, addr, bytes) == 1)
		f->ip_family = AF_INET6;
	else
		usage_error("%s: '%s' is not an IPv4 or IPv6 address", opt, addr);
	memcpy(f->ip, bytes, sizeof bytes);
}

void filter_set_proto(struct filter_spec *f, const char *opt, const char *name)
{
	static const struct { const char *name; unsigned proto; } protos[] = {
		{"tcp", 6}, {"udp", 17}, {"icmp", 1},
	};
	given_once(f->proto != 0, opt, "protocol");
	for (unsigned i = 0; i < sizeof protos / sizeof *protos; i++)
		if (strcmp(name, protos[i].name) == 0) {
			f->proto = protos[i].proto;
			return;
		}
	usage_error("%s: unknown protocol '%s' (expected tcp, udp or icmp)", opt, name);
}
