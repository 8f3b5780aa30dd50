/* analyzers/app.h: application-protocol glue over the HTTP, DNS and SSH
 * parsers: the http, dns and ssh analyzers, and their per-worker scratch.
 *
 * As for TLS, each analyzer renders its fields once, when a request, a
 * transaction or a key exchange is complete, into record fragments
 * (analyzers/frag.h); a flow's own state is a few handles and flags. */
#ifndef FP_ANALYZERS_APP_H
#define FP_ANALYZERS_APP_H

#include <stdint.h>
#include <stdio.h>

#include "analyzers/analyzer.h"
#include "analyzers/dns.h"
#include "analyzers/http.h"
#include "analyzers/http2.h"
#include "analyzers/p0f_http.h"
#include "analyzers/ssh.h"
#include "slab.h"

/* SSH connections whose JA4SSH windows are tracked at once (JA4+ builds);
 * memory is reserved, resident only as slots are used. */
#define APP_JA4SSH_SLOTS	4096
/* HTTP/2 (h2c) connections decoded at once: an HPACK table each. */
#define APP_H2_SLOTS		1024

/* Per-worker parse scratch and read-only resources.  Large structs live
 * here, once, instead of in flow state. */
struct app_ctx {
	struct http_request	 req;
	struct http_response	 resp;
	struct http_cookies	 cookies;	/* values: for JA4H only, wiped */
	struct dns_message	 dns;
	struct ssh_ident	 ident;
	struct ssh_kexinit	 kex;
	void			*ja4h;		/* struct ja4h, JA4+ builds */
	struct slab		 ja4ssh;	/* struct ja4ssh, JA4+ builds */
	struct slab		 h2;		/* h2c client state */
	struct http2_preface	 h2_preface;
	const struct p0f_http_db *p0f_http;	/* borrowed, may be NULL */
	/* Counters for --stats. */
	uint64_t		 n_http_requests;
	uint64_t		 n_http_responses;
	uint64_t		 n_http2_requests;
	uint64_t		 n_dns_queries;
	uint64_t		 n_dns_responses;
	uint64_t		 n_ssh_kexinits;
	uint64_t		 n_malformed;
};

/* Returns NULL with errno set on failure.  p0f_http may be NULL. */
struct app_ctx	*app_ctx_new(const struct p0f_http_db *p0f_http);
void		 app_ctx_free(struct app_ctx *a);
void		 app_ctx_stats(const struct app_ctx *a, FILE *fp);

extern const struct analyzer http_analyzer;
extern const struct analyzer dns_analyzer;
extern const struct analyzer ssh_analyzer;

#endif
