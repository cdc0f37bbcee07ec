#include "bpftext.h"

#include "errors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *bpf_text_build(const char *defines, const char *template_text, const char *filter)
{
	const char *at = strstr(template_text, FILTER_PLACEHOLDER);
	if (!at || strstr(at + 1, FILTER_PLACEHOLDER))
		runtime_error("internal error: the BPF text must hold exactly one %s", FILTER_PLACEHOLDER);
	char *text = NULL;
	if (asprintf(&text, "%s%.*s%s%s", defines, (int)(at - template_text), template_text, filter,
		     at + strlen(FILTER_PLACEHOLDER)) < 0)
		runtime_error("out of memory");
	return text;
}
