/* analyzers/http_flow.c: the http analyzer: the first HTTP/1.x request of a
 * flow (any port, found by content) and the first response. */
#include "analyzers/app.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzers/frag.h"
#include "sensor/enrich.h"
#ifdef FP_JA4PLUS
#include "analyzers/ja4h.h"
#endif

#define HTTP_PIPELINE_SEEN	4	/* pipelined requests counted */

static const char *const http_anom_names[] = {
	"bare_lf", "target_truncated", "non_ascii_line", "too_many_headers",
	"name_truncated", "name_chars", "space_before_colon", "obs_fold",
	"no_colon", "values_truncated", "ctl_in_value", "odd_whitespace",
	"duplicate_host", "duplicate_cookie", "duplicate_user_agent",
	"field_truncated", "bad_content_length", "head_too_long",
	"body_unknown", "long_value", "bad_status",
};

struct http_flow {
	struct frag	 fr[2];		/* [0] request fields, [1] response */
	struct frag_ref	 ua;		/* where the verdict finds them in */
	struct frag_ref	 order;		/* fr[0] */
	struct frag_ref	 p0f_label;
	uint32_t	 anomalies;	/* HTTP_ANOM_* */
	uint8_t		 n_requests;
	bool		 client_done;
	bool		 server_done;
	bool		 is_http;
	bool		 malformed;
};

struct app_ctx *
app_ctx_new(const struct p0f_http_db *p0f_http)
{
	struct app_ctx *a = calloc(1, sizeof(*a));

	if (a == NULL)
		return NULL;
#ifdef FP_JA4PLUS
	if ((a->ja4h = calloc(1, sizeof(struct ja4h))) == NULL) {
		free(a);
		errno = ENOMEM;
		return NULL;
	}
#endif
	a->p0f_http = p0f_http;
	return a;
}

void
app_ctx_free(struct app_ctx *a)
{
	if (a == NULL)
		return;
	free(a->ja4h);
	free(a);
}

void
app_ctx_stats(const struct app_ctx *a, FILE *fp)
{
	fprintf(fp, "http_requests=%llu\n",
	    (unsigned long long)a->n_http_requests);
	fprintf(fp, "http_responses=%llu\n",
	    (unsigned long long)a->n_http_responses);
	fprintf(fp, "dns_queries=%llu\n", (unsigned long long)a->n_dns_queries);
	fprintf(fp, "dns_responses=%llu\n",
	    (unsigned long long)a->n_dns_responses);
	fprintf(fp, "ssh_kexinits=%llu\n",
	    (unsigned long long)a->n_ssh_kexinits);
	fprintf(fp, "app_malformed=%llu\n", (unsigned long long)a->n_malformed);
}

/* A Host that is an address literal goes through the enrichment like every
 * address, so --anonymize-key covers it; names are written as sent. */
static void
json_host(struct json *j, const struct an_ctx *ctx, const char *host)
{
	char out[HTTP_MAX_HOST + 64];
	size_t n;

	n = enrich_host_str(ctx->enrich, host, strlen(host), out, sizeof(out));
	json_strn(j, "host", out, n < sizeof(out) ? n : sizeof(out) - 1);
}

static void
render_request(struct an_ctx *ctx, struct http_flow *st,
    const struct http_request *req)
{
	struct app_ctx *a = ctx->app;
	char buf[P0F_HTTP_MAX_SHOW * 2 + 64], ver[8];
	struct p0f_http_match m;
	struct json j;

	if (!frag_open(ctx->frags, &st->fr[0], &j))
		return;
	json_str(&j, "method", req->method);
	json_str(&j, "target", req->target);
	ver[0] = (char)('0' + req->version_major % 10);
	ver[1] = '.';
	ver[2] = (char)('0' + req->version_minor % 10);
	json_strn(&j, "version", ver, 3);
	if (req->has_host)
		json_host(&j, ctx, req->host);
	if (req->has_user_agent) {
		json_str(&j, "user_agent", req->user_agent);
		frag_ref_last(&j, strlen(req->user_agent), &st->ua);
	}
	if (req->has_accept_language)
		json_str(&j, "accept_language", req->accept_language);
	json_arr_open(&j, "headers");
	for (size_t i = 0; i < req->hdrs.n; i++)
		json_str(&j, NULL, req->hdrs.h[i].name);
	json_arr_close(&j);
	http_header_order_hash(&req->hdrs, buf);
	json_str(&j, "header_order", buf);
	frag_ref_last(&j, strlen(buf), &st->order);
	json_bool(&j, "cookie", req->has_cookie);
	json_bool(&j, "referer", req->has_referer);
	if (p0f_http_request_sig(req, a->p0f_http, buf, sizeof(buf)) > 0) {
		json_str(&j, "p0f_sig", buf);
		if (a->p0f_http != NULL &&
		    p0f_http_match_request(a->p0f_http, req, &m) &&
		    m.label != NULL) {
			json_str(&j, "p0f_label", m.label);
			frag_ref_last(&j, strlen(m.label), &st->p0f_label);
			if (m.is_dishonest)
				json_bool(&j, "p0f_dishonest", true);
		}
	}
#ifdef FP_JA4PLUS
	struct ja4h *h = a->ja4h;

	ja4h_compute(req, &a->cookies, h);
	json_str(&j, "ja4h", h->ja4h);
	json_str(&j, "ja4h_r", h->ja4h_r);
	json_str(&j, "ja4h_ro", h->ja4h_ro);
#endif
	frag_close(ctx->frags, &st->fr[0], &j);
}

static void
render_response(struct an_ctx *ctx, struct http_flow *st,
    const struct http_response *resp)
{
	struct json j;

	if (!frag_open(ctx->frags, &st->fr[1], &j))
		return;
	json_u64(&j, "status", resp->status);
	if (resp->has_server)
		json_str(&j, "server", resp->server);
	frag_close(ctx->frags, &st->fr[1], &j);
}

static bool
http_client(struct an_ctx *ctx, struct http_flow *st, const uint8_t *buf,
    size_t len)
{
	struct app_ctx *a = ctx->app;
	enum http_status rc;

	rc = http_parse_request(buf, len, &a->req, &a->cookies);
	if (rc == HTTP_NOT_HTTP)
		return false;
	if (rc == HTTP_NEED_MORE)
		return len < HTTP_MAX_HEAD;
	st->is_http = true;
	st->anomalies |= a->req.anomalies;
	if (rc == HTTP_MALFORMED) {
		st->malformed = true;
		a->n_malformed++;
	}
	a->n_http_requests++;
	render_request(ctx, st, &a->req);
	http_cookies_wipe(&a->cookies);
	st->n_requests = 1;
	/* Pipelined requests already here are counted, not analysed. */
	while (rc == HTTP_OK && st->n_requests < HTTP_PIPELINE_SEEN &&
	    (rc = http_parse_nth_request(buf, len, st->n_requests, &a->req,
	    NULL)) == HTTP_OK)
		st->n_requests++;
	st->client_done = true;
	return false;
}

static bool
http_stream(void *state, struct an_ctx *ctx, int dir, const uint8_t *buf,
    size_t len)
{
	struct http_flow *st = state;
	struct app_ctx *a = ctx->app;
	enum http_status rc;

	if (a == NULL || ctx->frags == NULL)
		return false;
	if (dir == AN_DIR_CLIENT)
		return !st->client_done && http_client(ctx, st, buf, len);
	if (st->server_done)
		return false;
	rc = http_parse_response(buf, len, &a->resp);
	if (rc == HTTP_NEED_MORE)
		return len < HTTP_MAX_HEAD;
	st->server_done = true;
	if (rc == HTTP_NOT_HTTP)
		return false;
	st->is_http = true;
	st->anomalies |= a->resp.anomalies;
	a->n_http_responses++;
	render_response(ctx, st, &a->resp);
	return false;
}

static bool
http_has_output(const void *state)
{
	const struct http_flow *st = state;

	return st->is_http;
}

static void
http_emit(const void *state, const struct an_ctx *ctx, const struct flow *f,
    struct json *j)
{
	const struct http_flow *st = state;

	(void)f;
	json_obj_open(j, "http");
	frag_emit(ctx->frags, &st->fr[0], j);
	frag_emit(ctx->frags, &st->fr[1], j);
	if (st->n_requests > 1)
		json_u64(j, "requests", st->n_requests);
	if (st->malformed)
		json_bool(j, "malformed", true);
	json_flag_names(j, "anomalies", st->anomalies, http_anom_names,
	    sizeof(http_anom_names) / sizeof(http_anom_names[0]));
	json_obj_close(j);
}

/* The first request's User-Agent, header order and p0f label, borrowed
 * from its fragment.  A User-Agent that had to be escaped is not given:
 * no browser sends one. */
static void
http_evidence(const void *state, const struct an_ctx *ctx,
    struct evidence *ev)
{
	const struct http_flow *st = state;
	const struct frag *fr = &st->fr[0];
	const char *s;
	size_t n;

	if (fr->slot == 0 || st->order.len == 0)
		return;
	ev->have |= EV_HTTP;
	s = frag_ref_get(ctx->frags, fr, &st->ua, &n);
	ev_str_set(&ev->user_agent, s, n);
	s = frag_ref_get(ctx->frags, fr, &st->order, &n);
	ev_str_set(&ev->header_order, s, n);
	s = frag_ref_get(ctx->frags, fr, &st->p0f_label, &n);
	ev_str_set(&ev->p0f_http, s, n);
}

static void
http_end(void *state, struct an_ctx *ctx)
{
	struct http_flow *st = state;

	frag_release(ctx->frags, &st->fr[0]);
	frag_release(ctx->frags, &st->fr[1]);
	st->ua.len = st->order.len = st->p0f_label.len = 0;
}

const struct analyzer http_analyzer = {
	.name = "http",
	.state_size = sizeof(struct http_flow),
	.stream = http_stream,
	.has_output = http_has_output,
	.emit = http_emit,
	.evidence = http_evidence,
	.end = http_end,
};
