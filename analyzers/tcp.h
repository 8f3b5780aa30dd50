/* analyzers/tcp.h: TCP handshake analyzer (p0f signature and OS label for
 * the SYN and the SYN+ACK; JA4T/JA4TS with --enable-ja4plus). */
#ifndef FP_ANALYZERS_TCP_H
#define FP_ANALYZERS_TCP_H

#include <stdio.h>

#include "analyzers/analyzer.h"

extern const struct analyzer tcp_analyzer;

/* Per pipeline: the JSON of recently seen SYN and SYN+ACK signatures, so
 * that a handshake seen before is not formatted again. */
struct tcp_ctx;

struct tcp_ctx	*tcp_ctx_new(void);
void		 tcp_ctx_free(struct tcp_ctx *t);
void		 tcp_ctx_stats(const struct tcp_ctx *t, FILE *fp);

#endif
