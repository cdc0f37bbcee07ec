/* The final BPF program text: mode and layout #defines, then the tool's
 * embedded text with its one / *FILTER* / placeholder replaced. */
#ifndef SOCKLENS_BPFTEXT_H
#define SOCKLENS_BPFTEXT_H

#define FILTER_PLACEHOLDER "/*FILTER*/"

/* malloc'd; exits if the template does not hold exactly one placeholder. */
char *bpf_text_build(const char *defines, const char *template_text, const char *filter);

#endif
