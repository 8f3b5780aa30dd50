/* analyzers/http_flow.c: the http analyzer: the requests of a flow (any
 * port, found by content), HTTP/1.x or HTTP/2 with prior knowledge (h2c:
 * the client connection preface), and the first HTTP/1.x response.
 *
 * The first request is rendered in full; the next HTTP_KEPT_REQUESTS - 1
 * as method, target and JA4H (header order hash without JA4+) in
 * "later_requests"; all are counted in "requests".  HTTP/1 requests are
 * parsed again from the stream's start to render the list; HTTP/2 ones
 * cannot be (HPACK state), so an h2 flow keeps them, with its HPACK
 * decoder, in a slab slot. */
#include "analyzers/app.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzers/frag.h"
#include "analyzers/http2.h"
#include "sensor/enrich.h"
#ifdef FP_JA4PLUS
#include "analyzers/ja4h.h"
#include "analyzers/ja4ssh.h"
#endif

#define HTTP_KEPT_REQUESTS	4	/* rendered per flow; later counted */
#ifdef FP_JA4PLUS
#define HTTP_FP_SIZE		JA4H_SIZE
#else
#define HTTP_FP_SIZE		17	/* header order hash */
#endif

enum http_proto { HTTP_P_UNKNOWN, HTTP_P_1, HTTP_P_2 };

/* A request after the first, as rendered in "later_requests". */
struct http_later {
	char	method[HTTP_MAX_METHOD + 1];
	char	target[HTTP_MAX_TARGET + 1];
	char	fp[HTTP_FP_SIZE];
};

/* An h2c flow's client side (slab slot, struct app_ctx.h2). */
struct http_h2 {
	struct hpack_decoder	dec;
	size_t			off;	/* next frame boundary */
	uint8_t			n_later;
	struct http_later	later[HTTP_KEPT_REQUESTS - 1];
};

static const char *const http_anom_names[] = {
	"bare_lf", "target_truncated", "non_ascii_line", "too_many_headers",
	"name_truncated", "name_chars", "space_before_colon", "obs_fold",
	"no_colon", "values_truncated", "ctl_in_value", "odd_whitespace",
	"duplicate_host", "duplicate_cookie", "duplicate_user_agent",
	"field_truncated", "bad_content_length", "head_too_long",
	"body_unknown", "long_value", "bad_status",
};

static const char *const http2_anom_names[] = {
	"settings_truncated", "priorities_truncated", "settings_len",
	"not_settings_first", "block_too_big", "bad_padding", "reserved_bit",
	"pseudo_late", "pseudo_truncated", "frame_limit", "bad_continuation",
	"hpack", "frame_size",
};

struct http_flow {
	struct frag	 fr[3];		/* [0] first request, [1] response,
					 * [2] later requests */
	struct frag_ref	 ua;		/* where the verdict finds them in */
	struct frag_ref	 order;		/* fr[0] */
	struct frag_ref	 p0f_label;
	uint32_t	 anomalies;	/* HTTP_ANOM_* */
	uint32_t	 h2_anomalies;	/* HTTP2_ANOM_* */
	uint32_t	 h2_slot;	/* struct http_h2, 0: none */
	uint64_t	 next_off;	/* HTTP/1: where request n_requests
					 * starts in the client stream */
	uint16_t	 n_requests;
	uint8_t		 proto;		/* enum http_proto */
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
	if ((a->ja4h = calloc(1, sizeof(struct ja4h))) == NULL ||
	    slab_init(&a->ja4ssh, APP_JA4SSH_SLOTS,
	    sizeof(struct ja4ssh)) != 0) {
		free(a->ja4h);
		free(a);
		errno = ENOMEM;
		return NULL;
	}
#endif
	if (slab_init(&a->h2, APP_H2_SLOTS, sizeof(struct http_h2)) != 0) {
		app_ctx_free(a);
		errno = ENOMEM;
		return NULL;
	}
	a->p0f_http = p0f_http;
	return a;
}

void
app_ctx_free(struct app_ctx *a)
{
	if (a == NULL)
		return;
	free(a->ja4h);
#ifdef FP_JA4PLUS
	slab_free(&a->ja4ssh);
#endif
	slab_free(&a->h2);
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
	fprintf(fp, "http2_requests=%llu\n",
	    (unsigned long long)a->n_http2_requests);
	fprintf(fp, "http2_slots_exhausted=%llu\n",
	    (unsigned long long)a->h2.n_exhausted);
#ifdef FP_JA4PLUS
	fprintf(fp, "ja4ssh_slots_exhausted=%llu\n",
	    (unsigned long long)a->ja4ssh.n_exhausted);
#endif
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

/* HTTP/2: the Akamai fingerprint and what it is made of. */
static void
render_h2(struct json *j, const struct http2_preface *p)
{
	char buf[HTTP2_AKAMAI_SIZE];

	json_obj_open(j, "h2");
	http2_akamai(p, buf, sizeof(buf));
	json_str(j, "akamai", buf);
	json_u64(j, "settings", p->n_settings);
	if (p->has_window_update)
		json_u64(j, "window_update", p->window_update);
	json_u64(j, "priorities", p->n_priorities);
	json_str(j, "pseudo_order", p->pseudo_order);
	json_u64(j, "stream_id", p->headers_stream_id);
	json_obj_close(j);
}

static void
render_request(struct an_ctx *ctx, struct http_flow *st,
    const struct http_request *req, const struct http2_preface *h2)
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
	if (h2 != NULL)
		render_h2(&j, h2);
	frag_close(ctx->frags, &st->fr[0], &j);
}

/* The fingerprint a later request is listed with. */
static void
later_fp(struct app_ctx *a, const struct http_request *req, char *dst)
{
#ifdef FP_JA4PLUS
	struct ja4h *h = a->ja4h;

	ja4h_compute(req, &a->cookies, h);
	memcpy(dst, h->ja4h, JA4H_SIZE);
#else
	(void)a;
	http_header_order_hash(&req->hdrs, dst);
#endif
}

static void
later_fill(struct app_ctx *a, const struct http_request *req,
    struct http_later *l)
{
	snprintf(l->method, sizeof(l->method), "%s", req->method);
	snprintf(l->target, sizeof(l->target), "%s", req->target);
	later_fp(a, req, l->fp);
}

/* (Re)render "later_requests" from n entries. */
static void
render_later(struct an_ctx *ctx, struct http_flow *st,
    const struct http_later *l, size_t n)
{
	struct json j;

	frag_release(ctx->frags, &st->fr[2]);
	if (n == 0 || !frag_open(ctx->frags, &st->fr[2], &j))
		return;
	json_arr_open(&j, "later_requests");
	for (size_t i = 0; i < n; i++) {
		json_obj_open(&j, NULL);
		json_str(&j, "method", l[i].method);
		json_str(&j, "target", l[i].target);
#ifdef FP_JA4PLUS
		json_str(&j, "ja4h", l[i].fp);
#else
		json_str(&j, "header_order", l[i].fp);
#endif
		json_obj_close(&j);
	}
	json_arr_close(&j);
	frag_close(ctx->frags, &st->fr[2], &j);
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

/* HTTP/1: past the request just parsed (req), to where the next one
 * starts.  False when its body's end is unknown (chunked): the requests
 * after it cannot be found. */
static bool
http1_skip(struct http_flow *st, const struct http_request *req)
{
	uint64_t body = req->content_length;

	if (req->is_chunked)
		return false;
	st->next_off += req->head_len;
	st->next_off = body > UINT64_MAX - st->next_off ? UINT64_MAX :
	    st->next_off + body;
	return true;
}

/* HTTP/1: requests 1.., each parsed once from where the one before ended
 * to be counted; the few that are rendered are parsed again, from the
 * stream's start, when one is added. */
static bool
http1_later(struct an_ctx *ctx, struct http_flow *st, const uint8_t *buf,
    size_t len)
{
	struct app_ctx *a = ctx->app;
	struct http_later l[HTTP_KEPT_REQUESTS - 1];
	enum http_status rc;
	size_t n_old = st->n_requests;

	while (st->n_requests < HTTP_MAX_PIPELINE && st->next_off < len) {
		rc = http_parse_request(buf + st->next_off,
		    len - (size_t)st->next_off, &a->req, NULL);
		if (rc == HTTP_NEED_MORE)
			break;
		if (rc != HTTP_OK) {
			st->client_done = true;
			break;
		}
		st->n_requests++;
		a->n_http_requests++;
		if (!http1_skip(st, &a->req)) {
			st->client_done = true;
			break;
		}
	}
	if (st->n_requests == HTTP_MAX_PIPELINE)
		st->client_done = true;
	if (n_old < HTTP_KEPT_REQUESTS && st->n_requests > n_old) {
		size_t n = st->n_requests < HTTP_KEPT_REQUESTS ?
		    st->n_requests : HTTP_KEPT_REQUESTS;

		for (size_t i = 1; i < n; i++) {
			http_parse_nth_request(buf, len, (unsigned)i, &a->req,
			    &a->cookies);
			later_fill(a, &a->req, &l[i - 1]);
			http_cookies_wipe(&a->cookies);
		}
		render_later(ctx, st, l, n - 1);
	}
	return !st->client_done;
}

static bool
http1_client(struct an_ctx *ctx, struct http_flow *st, const uint8_t *buf,
    size_t len)
{
	struct app_ctx *a = ctx->app;
	enum http_status rc;

	if (st->n_requests > 0)
		return http1_later(ctx, st, buf, len);
	rc = http_parse_request(buf, len, &a->req, &a->cookies);
	if (rc == HTTP_NOT_HTTP) {
		st->client_done = true;
		return false;
	}
	if (rc == HTTP_NEED_MORE)
		return len < HTTP_MAX_HEAD;
	st->proto = HTTP_P_1;
	st->is_http = true;
	st->anomalies |= a->req.anomalies;
	if (rc == HTTP_MALFORMED) {
		st->malformed = true;
		a->n_malformed++;
	}
	a->n_http_requests++;
	render_request(ctx, st, &a->req, NULL);
	http_cookies_wipe(&a->cookies);
	st->n_requests = 1;
	if (rc != HTTP_OK || !http1_skip(st, &a->req)) {
		st->client_done = true;
		return false;
	}
	return http1_later(ctx, st, buf, len);
}

/* HTTP/2: the preface and the first request.  False once the client
 * side is done (not HTTP/2 after all, or broken). */
static bool
http2_first(struct an_ctx *ctx, struct http_flow *st, struct http_h2 *h,
    const uint8_t *buf, size_t len)
{
	struct app_ctx *a = ctx->app;
	struct http2_preface *pre = &a->h2_preface;
	enum http2_status rc;

	rc = http2_parse_preface(buf, len, &h->dec, pre, &a->req, &a->cookies);
	st->h2_anomalies |= pre->anomalies;
	if (rc == HTTP2_NEED_MORE)
		return true;
	if (rc != HTTP2_OK) {
		st->malformed = rc == HTTP2_MALFORMED;
		a->n_malformed += rc == HTTP2_MALFORMED;
		st->client_done = true;
		return false;
	}
	st->is_http = true;
	a->n_http_requests++;
	a->n_http2_requests++;
	render_request(ctx, st, &a->req, pre);
	http_cookies_wipe(&a->cookies);
	st->n_requests = 1;
	h->off = pre->consumed;
	return true;
}

/* HTTP/2: every complete request header block after h->off. */
static bool
http2_next(struct an_ctx *ctx, struct http_flow *st, struct http_h2 *h,
    const uint8_t *buf, size_t len)
{
	struct app_ctx *a = ctx->app;
	enum http2_status rc;
	size_t used;

	while (h->off < len) {
		uint32_t anom = 0;

		rc = http2_parse_next_request(buf + h->off, len - h->off,
		    &h->dec, &a->req, &a->cookies, &used, &anom);
		st->h2_anomalies |= anom;
		if (rc == HTTP2_NEED_MORE) {
			h->off += used;	/* may pass len: a frame to skip */
			return true;
		}
		if (rc != HTTP2_OK) {
			st->malformed = true;
			st->client_done = true;
			return false;
		}
		h->off += used;
		if (st->n_requests < UINT16_MAX)
			st->n_requests++;
		a->n_http_requests++;
		a->n_http2_requests++;
		if (h->n_later < HTTP_KEPT_REQUESTS - 1) {
			later_fill(a, &a->req, &h->later[h->n_later++]);
			render_later(ctx, st, h->later, h->n_later);
		}
		http_cookies_wipe(&a->cookies);
	}
	return true;
}

static bool
http2_client(struct an_ctx *ctx, struct http_flow *st, const uint8_t *buf,
    size_t len)
{
	struct app_ctx *a = ctx->app;
	struct http_h2 *h;

	if (st->h2_slot == 0) {
		if ((st->h2_slot = slab_alloc(&a->h2)) == 0) {
			st->client_done = true;
			return false;
		}
		h = slab_ptr(&a->h2, st->h2_slot);
		hpack_init(&h->dec, 4096);
		h->off = 0;
		h->n_later = 0;
	}
	h = slab_ptr(&a->h2, st->h2_slot);
	if (st->n_requests == 0 &&
	    (!http2_first(ctx, st, h, buf, len) || st->n_requests == 0))
		return !st->client_done;
	return http2_next(ctx, st, h, buf, len);
}

static bool
http_client(struct an_ctx *ctx, struct http_flow *st, const uint8_t *buf,
    size_t len)
{
	if (st->proto == HTTP_P_UNKNOWN) {
		size_t n = len < HTTP2_PREFACE_LEN ? len : HTTP2_PREFACE_LEN;

		if (memcmp(buf, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", n) != 0)
			st->proto = HTTP_P_1;
		else if (n < HTTP2_PREFACE_LEN)
			return true;
		else
			st->proto = HTTP_P_2;
	}
	if (st->proto == HTTP_P_2)
		return http2_client(ctx, st, buf, len);
	return http1_client(ctx, st, buf, len);
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
	frag_emit(ctx->frags, &st->fr[2], j);
	if (st->n_requests > 1)
		json_u64(j, "requests", st->n_requests);
	if (st->malformed)
		json_bool(j, "malformed", true);
	json_anomalies(j, "anomalies", st->anomalies, http_anom_names,
	    sizeof(http_anom_names) / sizeof(http_anom_names[0]));
	json_flag_names(j, "h2_anomalies", st->h2_anomalies, http2_anom_names,
	    sizeof(http2_anom_names) / sizeof(http2_anom_names[0]));
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
	frag_release(ctx->frags, &st->fr[2]);
	if (ctx->app != NULL && st->h2_slot != 0) {
		struct http_h2 *h = slab_ptr(&ctx->app->h2, st->h2_slot);

		hpack_wipe(&h->dec);	/* it holds header values */
		slab_release(&ctx->app->h2, &st->h2_slot);
	}
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
	.takes_plaintext = true,
};
