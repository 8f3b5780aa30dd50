/* sensor/verdict.c: rules and cross-flow evidence -> a flow's verdict. */
#include "sensor/verdict.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"

/* How much one inconsistent check weighs in the spoof score, per mille,
 * when both sides come from the flow itself; a side taken from another
 * flow of the client weighs CROSS_FLOW_PERMILLE of that, since the other
 * flow may be another program on the same host. */
static const unsigned check_weight[VERDICT_N_CHECKS] = {
	[VERDICT_UA_VS_TLS] = 900,
	[VERDICT_UA_VS_HTTP] = 850,
	[VERDICT_UA_VS_TCP_OS] = 700,
	[VERDICT_TLS_VS_TCP_OS] = 350,
};
#define CROSS_FLOW_PERMILLE	750

static const char *const check_names[VERDICT_N_CHECKS] = {
	"ua_vs_tls", "ua_vs_http", "ua_vs_tcp_os", "tls_vs_tcp_os",
};
static const char *const result_names[] = {
	"unknown", "consistent", "inconsistent",
};

int
verdict_ctx_init(struct verdict_ctx *v, uint32_t n_clients,
    uint64_t window_us, uint64_t seed)
{
	memset(v, 0, sizeof(*v));
	if ((v->ua_cache = calloc(VERDICT_UA_CACHE,
	    sizeof(*v->ua_cache))) == NULL ||
	    (v->tcp_cache = calloc(VERDICT_TCP_CACHE,
	    sizeof(*v->tcp_cache))) == NULL ||
	    clients_init(&v->clients, n_clients, window_us, seed) != 0) {
		int e = errno;

		free(v->ua_cache);
		free(v->tcp_cache);
		v->ua_cache = NULL;
		v->tcp_cache = NULL;
		errno = e;
		return -1;
	}
	return 0;
}

void
verdict_ctx_free(struct verdict_ctx *v)
{
	clients_free(&v->clients);
	free(v->ua_cache);
	free(v->tcp_cache);
	v->ua_cache = NULL;
	v->tcp_cache = NULL;
}

const char *
verdict_p0f_family(const char *label)
{
	static const struct {
		const char	*prefix;
		const char	*family;
	} map[] = {
		{ "Linux", "linux" }, { "Android", "linux" },
		{ "Windows", "windows" }, { "Mac OS X", "darwin" },
		{ "MacOS", "darwin" }, { "iOS", "darwin" },
		{ "FreeBSD", "freebsd" }, { "OpenBSD", "openbsd" },
		{ "NetBSD", "netbsd" }, { "Solaris", "solaris" },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strncmp(label, map[i].prefix, strlen(map[i].prefix)) == 0)
			return map[i].family;
	return NULL;
}

/* What a User-Agent claims, through the cache: most flows of a client
 * repeat the same User-Agent, and the cache saves the token scan. */
static const struct rules_ua_claim *
ua_claim(struct verdict_ctx *v, const struct ev_str *ua)
{
	uint64_t h = rules_hash(ua->s, ua->len);
	struct verdict_ua_slot *s = &v->ua_cache[h & (VERDICT_UA_CACHE - 1)];

	v->n_ua_lookups++;
	if (s->generation == v->rules->generation && s->hash == h) {
		v->n_ua_hits++;
		return &s->claim;
	}
	rules_ua_parse(v->rules, ua->s, ua->len, &s->claim);
	s->hash = h;
	s->generation = v->rules->generation;
	return &s->claim;
}

/* The TCP rule of a raw signature, through the cache: a handful of
 * stacks make most SYNs, and the cache saves normalizing the signature
 * and looking it up (twice when the exact one is not there).  sig is an
 * evidence's tcp_sig, so it fits a slot. */
static const struct rules_tcp *
tcp_rule(struct verdict_ctx *v, const char sig[EV_SIG_MAX])
{
	size_t len = strnlen(sig, EV_SIG_MAX - 1);
	uint64_t h = rules_hash(sig, len);
	struct verdict_tcp_slot *s =
	    &v->tcp_cache[h & (VERDICT_TCP_CACHE - 1)];

	v->n_tcp_lookups++;
	if (s->generation == v->rules->generation && s->len == len &&
	    memcmp(s->sig, sig, len) == 0) {
		v->n_tcp_hits++;
		return s->rule;
	}
	s->rule = rules_tcp_find(v->rules, sig);
	memcpy(s->sig, sig, len);
	s->len = (uint16_t)len;
	s->generation = v->rules->generation;
	return s->rule;
}

static void
part_client(struct verdict_part *p, const struct rules_client *c,
    const char *via)
{
	p->name = c->application;
	p->family = c->family;
	p->library = c->library;
	p->category = c->category;
	p->os = c->os;
	p->rule = c->id;
	p->source = "rule";
	p->via = via;
	p->json = &c->json;
	p->is_set = true;
}

static void
part_fact(struct verdict_part *p, const struct client_fact *f,
    const char *via)
{
	p->name = f->name[0] ? f->name : NULL;
	p->family = f->family[0] ? f->family : NULL;
	p->os = f->os[0] ? f->os : NULL;
	p->extra = f->extra[0] ? f->extra : NULL;
	p->rule = f->rule[0] ? f->rule : NULL;
	p->source = "rule";
	p->via = via;
	p->json = NULL;
	p->from_flow = f->flow_id;
	p->is_set = true;
}

/* The flow's own evidence looked up in the rules. */
static void
eval_own(struct verdict_ctx *v, const struct evidence *ev, struct verdict *vd)
{
	const struct rules *r = v->rules;
	const struct rules_client *c;
	const struct rules_tcp *t;
	const char *fam;

	if ((ev->have & EV_TLS) && (c = rules_tls_find(r, ev->ja4.s,
	    ev->ja4.len, ev->ja3_hash.s, ev->ja3_hash.len)) != NULL) {
		part_client(&vd->client, c, "tls");
		vd->client.field = c->is_ja3 ? "tls.ja3_hash" : "tls.ja4";
	}
	if ((ev->have & EV_HTTP) && (c = rules_http_find(r,
	    ev->header_order.s, ev->header_order.len)) != NULL)
		part_client(&vd->http, c, "http");
	if (ev->have & EV_TCP) {
		if ((t = tcp_rule(v, ev->tcp_sig)) != NULL) {
			vd->os.family = t->os;
			vd->os.rule = t->id;
			vd->os.json = &t->json;
			vd->os.source = "rule";
			vd->os.via = "tcp";
			vd->os.is_set = true;
		} else if (ev->tcp_p0f[0] != '\0' &&
		    strcmp(ev->tcp_p0f_class, "!") != 0 &&
		    (fam = verdict_p0f_family(ev->tcp_p0f)) != NULL) {
			vd->os.family = fam;
			vd->os.name = ev->tcp_p0f;
			vd->os.source = "p0f";
			vd->os.via = "tcp";
			vd->os.is_set = true;
		}
	}
	if ((ev->have & EV_HTTP) && ev->user_agent.len > 0) {
		const struct rules_ua_claim *u = ua_claim(v, &ev->user_agent);

		if (u->browser != NULL) {
			vd->claim.name = u->browser->browser;
			vd->claim.family = u->browser->family;
			vd->claim.category = u->browser->category;
			vd->claim.rule = u->browser->id;
			vd->claim.json = &u->browser->json;
			vd->claim.extra = u->version[0] ? u->version : NULL;
			vd->claim.source = "rule";
			vd->claim.via = "useragent";
			vd->claim.is_set = true;
		}
		if (u->os != NULL) {
			vd->claim.os = u->os->os;
			vd->claim_kernel = u->os->kernel;
			vd->claim_os_rule = u->os->id;
			vd->claim.is_set = true;
		}
	}
}

/* Model classes a header-order family of the rules may belong to: the
 * model names TLS stacks ("openssl_curl"), the rules programs ("curl"). */
static const struct {
	const char	*model, *rules;
} model_alias[] = {
	{ "openssl_curl", "curl" }, { "openssl_curl", "wget" },
	{ "openssl_curl", "openssl" }, { "gnutls", "wget" },
	{ "cfnetwork_apple", "safari" },
};

/* Whether the TLS stack c and a header order of family fam can be one
 * program. */
static bool
same_program(const struct verdict_part *c, const char *fam)
{
	if (strcmp(c->family, fam) == 0)
		return true;
	if (c->source == NULL || strcmp(c->source, "model") != 0)
		return false;
	for (size_t i = 0; i < sizeof(model_alias) / sizeof(model_alias[0]);
	    i++)
		if (strcmp(model_alias[i].model, c->family) == 0 &&
		    strcmp(model_alias[i].rules, fam) == 0)
			return true;
	return false;
}

/*
 * What the flow lacks, from the client's other recent flows.  A host runs
 * many programs, so a TLS stack or a claim from another flow is only taken
 * when it is tied to the same program: an HTTP flow takes the TLS stack
 * of the family its header order shows, a TLS flow takes the User-Agent
 * claimed by a flow whose header order showed its TLS family.  The TCP
 * stack is the host's: taken as is.
 */
static void
eval_client(struct verdict_ctx *v, const struct flow *f, struct verdict *vd)
{
	const struct client_entry *e;
	const struct client_fact *x;

	e = clients_find(&v->clients, f->key.ip_version,
	    f->key.addr[f->client]);
	if (e == NULL)
		return;
	if (!vd->client.is_set && vd->http.is_set &&
	    (x = clients_fact(&v->clients, e, CLIENT_TLS, f->last_us,
	    f->id)) != NULL && strcmp(x->family, vd->http.family) == 0) {
		part_fact(&vd->client, x, "tls");
		v->clients.n_hits++;
	}
	if (!vd->os.is_set && (x = clients_fact(&v->clients, e, CLIENT_TCP,
	    f->last_us, f->id)) != NULL) {
		part_fact(&vd->os, x, "tcp");
		vd->os.os = NULL;
		vd->os.source = x->extra[0] ? x->extra : "rule";
		vd->os.extra = NULL;
		v->clients.n_hits++;
	}
	if (!vd->claim.is_set && vd->client.is_set &&
	    vd->client.from_flow == 0 && (x = clients_fact(&v->clients, e,
	    CLIENT_UA, f->last_us, f->id)) != NULL &&
	    same_program(&vd->client, x->actual)) {
		part_fact(&vd->claim, x, "useragent");
		vd->claim_kernel = x->kernel[0] ? x->kernel : NULL;
		v->clients.n_hits++;
	}
}

bool
verdict_request(struct verdict_ctx *v, const struct evidence *ev,
    const struct flow *f, struct verdict_tickets *tk)
{
	struct model_set *ms = v->models;
	const char *s = ev->ja4_r.s;
	size_t len = ev->ja4_r.len;
	bool queued = false;

	memset(tk, 0, sizeof(*tk));
	tk->is_asked = true;
	if (v->rules == NULL || ms == NULL || !(ev->have & EV_TLS) || len == 0)
		return false;
	tk->role = model_set_pick(ms, f->key.ip_version,
	    f->key.addr[f->client]);
	if (model_set_request(ms, tk->role, s, len, &tk->t[tk->role]) ==
	    MODEL_TICKET_NONE)
		return false;
	if (tk->role == MODEL_CANDIDATE)
		model_set_request(ms, MODEL_PRIMARY, s, len,
		    &tk->t[MODEL_PRIMARY]);
	model_set_request(ms, MODEL_SHADOW, s, len, &tk->t[MODEL_SHADOW]);
	for (int r = 0; r < MODEL_N_ROLES; r++)
		queued |= tk->t[r].state == MODEL_TICKET_QUEUED;
	return queued;
}

/* The flow's ClientHello as judged by the model that decides for its
 * client (primary or candidate), and by the shadow, from the answers
 * asked for in tk; disagreements with the primary are counted. */
static void
eval_model(struct verdict_ctx *v, const struct verdict_tickets *tk,
    struct verdict *vd)
{
	struct model_set *ms = v->models;
	struct model_opinion prim;
	const struct model_opinion *p = &vd->model;
	enum model_role r = tk->role;

	if (!model_set_answer(ms, r, &tk->t[r], &vd->model))
		return;
	model_set_count(ms, r, vd->model.version);
	if (r == MODEL_CANDIDATE) {
		p = &prim;
		if (model_set_answer(ms, MODEL_PRIMARY, &tk->t[MODEL_PRIMARY],
		    &prim))
			model_set_compare(ms, r, &prim, &vd->model);
	}
	if (!model_set_answer(ms, MODEL_SHADOW, &tk->t[MODEL_SHADOW],
	    &vd->shadow))
		return;
	model_set_count(ms, MODEL_SHADOW, vd->shadow.version);
	model_set_compare(ms, MODEL_SHADOW, p, &vd->shadow);
}

/* What no rule said about the client, from the model ("other" says
 * nothing). */
static void
model_client(struct verdict *vd)
{
	struct verdict_part *p = &vd->client;

	if (p->is_set || !vd->model.is_set ||
	    strcmp(vd->model.client, "other") == 0)
		return;
	p->family = vd->model.client;
	p->source = "model";
	p->via = "tls";
	p->field = "tls.ja4_r";
	p->prob = vd->model.client_prob;
	p->is_set = true;
}

/* The OS from the model, when the TCP stack gave none; after the checks,
 * which never rest on it. */
static void
model_os(struct verdict *vd)
{
	struct verdict_part *p = &vd->os;

	if (p->is_set || !vd->model.is_set ||
	    strcmp(vd->model.os, "other") == 0)
		return;
	p->family = vd->model.os;
	p->source = "model";
	p->via = "tls";
	p->prob = vd->model.os_prob;
	p->is_set = true;
}

static bool
is_browser(const char *family)
{
	return family != NULL && (strcmp(family, "chrome") == 0 ||
	    strcmp(family, "firefox") == 0 || strcmp(family, "safari") == 0);
}

/* The TLS side of the User-Agent check: the rule's family as it is; the
 * model's only when it is sure enough and a browser is on one side. */
static const char *
tls_side(const struct verdict *vd)
{
	const struct verdict_part *c = &vd->client;

	if (c->source == NULL || strcmp(c->source, "model") != 0)
		return c->family;
	if (c->prob < MODEL_CHECK_MIN)
		return NULL;
	if (vd->claim.family != NULL && !is_browser(c->family) &&
	    !is_browser(vd->claim.family))
		return NULL;
	return c->family;
}

/* What each check compares, and what it says when a side is missing,
 * also as the whole check object: most checks of most flows are unknown,
 * and a record copies those as they are. */
#define UNKNOWN(why)	why, "{\"result\":\"unknown\",\"reason\":\"" why "\"}"
static const struct {
	const char	*what_a, *what_b;
	const char	*none_a, *none_a_json;
	const char	*none_b, *none_b_json;
} check_text[VERDICT_N_CHECKS] = {
	[VERDICT_UA_VS_TLS] = { "user-agent claims", "TLS stack is",
	    UNKNOWN("no user-agent claim"), UNKNOWN("no known TLS stack") },
	[VERDICT_UA_VS_HTTP] = { "user-agent claims", "header order is",
	    UNKNOWN("no user-agent claim"),
	    UNKNOWN("no known header order") },
	[VERDICT_UA_VS_TCP_OS] = { "user-agent OS runs on", "TCP stack is",
	    UNKNOWN("no user-agent OS claim"),
	    UNKNOWN("no known TCP stack") },
	[VERDICT_TLS_VS_TCP_OS] = { "TLS stack implies", "TCP stack is",
	    UNKNOWN("TLS stack implies no OS"),
	    UNKNOWN("no known TCP stack") },
};
#undef UNKNOWN

static void
fmt_side(struct fmt *m, const char *what, const char *v, uint64_t flow)
{
	fmt_str(m, what);
	fmt_char(m, ' ');
	fmt_str(m, v);
	if (flow != 0) {
		fmt_str(m, " (flow ");
		fmt_u64(m, flow);
		fmt_char(m, ')');
	}
}

/* Compare a with b; the reason names both and the flows they came from. */
static void
check(struct verdict *vd, enum verdict_check k, const char *a,
    uint64_t a_flow, const char *b, uint64_t b_flow)
{
	struct fmt m = fmt_init(vd->reason_buf[k], VERDICT_REASON_MAX);
	unsigned w;

	if (a == NULL || b == NULL) {
		vd->check[k] = VERDICT_UNKNOWN;
		vd->reason[k] = a == NULL ? check_text[k].none_a :
		    check_text[k].none_b;
		return;
	}
	vd->check[k] = strcmp(a, b) == 0 ? VERDICT_CONSISTENT :
	    VERDICT_INCONSISTENT;
	fmt_side(&m, check_text[k].what_a, a, a_flow);
	fmt_str(&m, vd->check[k] == VERDICT_CONSISTENT ? ", " : " but ");
	fmt_side(&m, check_text[k].what_b, b, b_flow);
	fmt_end(&m);
	vd->reason[k] = vd->reason_buf[k];
	if (vd->check[k] != VERDICT_INCONSISTENT)
		return;
	w = check_weight[k];
	if (a_flow != 0 || b_flow != 0)
		w = w * CROSS_FLOW_PERMILLE / 1000;
	/* 1 - (1 - score)(1 - w), per mille. */
	vd->score_milli = 1000 - (1000 - vd->score_milli) * (1000 - w) / 1000;
}

bool
verdict_eval(struct verdict_ctx *v, const struct evidence *ev,
    const struct flow *f, struct verdict *vd)
{
	struct verdict_tickets tk;
	bool rc;

	if (!verdict_request(v, ev, f, &tk))
		return verdict_eval_tickets(v, ev, f, &tk, vd);
	model_set_run(v->models);
	rc = verdict_eval_tickets(v, ev, f, &tk, vd);
	model_set_clear(v->models);
	return rc;
}

bool
verdict_eval_tickets(struct verdict_ctx *v, const struct evidence *ev,
    const struct flow *f, const struct verdict_tickets *tk,
    struct verdict *vd)
{
	const struct verdict_part *c = &vd->client, *u = &vd->claim;

	if (v->rules == NULL || ev->have == 0)
		return false;
	memset(vd, 0, sizeof(*vd));
	eval_own(v, ev, vd);
	if (v->models != NULL && tk->is_asked)
		eval_model(v, tk, vd);
	model_client(vd);
	eval_client(v, f, vd);
	check(vd, VERDICT_UA_VS_TLS, u->family, u->from_flow, tls_side(vd),
	    c->from_flow);
	check(vd, VERDICT_UA_VS_HTTP, u->family, u->from_flow,
	    vd->http.family, 0);
	check(vd, VERDICT_UA_VS_TCP_OS, vd->claim_kernel, u->from_flow,
	    vd->os.family, vd->os.from_flow);
	check(vd, VERDICT_TLS_VS_TCP_OS, c->os, c->from_flow, vd->os.family,
	    vd->os.from_flow);
	model_os(vd);
	vd->is_spoof = vd->score_milli >= VERDICT_SPOOF_MILLI;
	v->n_verdicts++;
	if (vd->is_spoof)
		v->n_spoof++;
	else if (vd->check[0] | vd->check[1] | vd->check[2] | vd->check[3])
		v->n_consistent++;
	else
		v->n_unknown++;
	return true;
}

static void json_prob(struct json *j, const char *key, float p);

static void
json_opt(struct json *j, const char *key, const char *s)
{
	if (s != NULL)
		json_str(j, key, s);
}

static void
json_part(struct json *j, const char *key, const struct verdict_part *p,
    const char *name_key)
{
	json_obj_open(j, key);
	if (p->json != NULL) {
		json_members(j, p->json->s, p->json->len);
	} else {
		json_opt(j, name_key, p->name);
		json_opt(j, "family", p->family);
		json_opt(j, "library", p->library);
		json_opt(j, "category", p->category);
		json_opt(j, "os", p->os);
		json_opt(j, "rule", p->rule);
	}
	json_opt(j, "source", p->source);
	json_opt(j, "via", p->via);
	if (p->source != NULL && strcmp(p->source, "model") == 0)
		json_prob(j, "probability", p->prob);
	if (p->from_flow != 0)
		json_u64(j, "from_flow", p->from_flow);
	json_obj_close(j);
}

/* A probability with three decimals. */
static void
json_prob(struct json *j, const char *key, float p)
{
	json_fixed(j, key, (int64_t)(p * 1000.0f + 0.5f), 3);
}

/* One model's answer: "model" (the deciding one) or "shadow". */
static void
json_opinion(struct json *j, const char *key, const struct model_opinion *o)
{
	if (!o->is_set)
		return;
	json_obj_open(j, key);
	json_str(j, "version", o->version);
	json_str(j, "client", o->client);
	json_prob(j, "client_probability", o->client_prob);
	json_str(j, "os", o->os);
	json_prob(j, "os_probability", o->os_prob);
	json_obj_close(j);
}

/* Which record fields the verdict rests on. */
static void
json_fields(struct json *j, const struct verdict *vd)
{
	json_arr_open(j, "fields");
	if (vd->client.field != NULL)
		json_str(j, NULL, vd->client.field);
	if (vd->http.is_set)
		json_str(j, NULL, "http.header_order");
	if (vd->os.is_set && vd->os.from_flow == 0)
		json_str(j, NULL, vd->os.rule != NULL ? "tcp.syn.raw_sig" :
		    "tcp.syn.os");
	if (vd->claim.is_set && vd->claim.from_flow == 0)
		json_str(j, NULL, "http.user_agent");
	json_arr_close(j);
}

static void
json_evidence(struct json *j, const struct verdict *vd)
{
	const char *ids[] = { vd->client.rule, vd->http.rule, vd->os.rule,
	    vd->claim.rule, vd->claim.from_flow == 0 ? vd->claim_os_rule :
	    NULL };

	json_obj_open(j, "evidence");
	json_arr_open(j, "rules");
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		if (ids[i] != NULL)
			json_str(j, NULL, ids[i]);
	json_arr_close(j);
	json_fields(j, vd);
	json_obj_close(j);
}

/* The "versions" object: the rules in use, rendered once per set, and
 * the version of the model that made this verdict. */
static void
json_versions(struct verdict_ctx *v, const struct verdict *vd,
    struct json *j)
{
	if (v->versions_generation != v->rules->generation) {
		struct json w;

		json_init_members(&w, v->versions_json,
		    sizeof(v->versions_json));
		for (int d = 0; d < RULES_N_DB; d++)
			if (v->rules->version[d] != NULL)
				json_str(&w, rules_db_names[d],
				    v->rules->version[d]);
		v->versions_len = w.overflow ? 0 : w.len;
		v->versions_generation = v->rules->generation;
	}
	json_obj_open(j, "versions");
	json_members(j, v->versions_json, v->versions_len);
	if (vd->model.is_set)
		json_str(j, "model", vd->model.version);
	json_obj_close(j);
}

static void
json_claims(struct json *j, const struct verdict *vd)
{
	const struct verdict_part *c = &vd->claim;

	json_obj_open(j, "claims");
	if (c->json != NULL) {
		json_members(j, c->json->s, c->json->len);
	} else {
		json_opt(j, "browser", c->name);
		json_opt(j, "family", c->family);
		json_opt(j, "rule", c->rule);
	}
	json_opt(j, "version", c->extra);
	json_opt(j, "os", c->os);
	if (c->from_flow != 0)
		json_u64(j, "from_flow", c->from_flow);
	json_obj_close(j);
}

void
verdict_json(struct verdict_ctx *v, const struct verdict *vd,
    struct json *j)
{
	json_obj_open(j, "verdict");
	if (vd->client.is_set)
		json_part(j, "client", &vd->client, "application");
	if (vd->os.is_set)
		json_part(j, "os", &vd->os, "label");
	if (vd->claim.is_set)
		json_claims(j, vd);
	json_obj_open(j, "checks");
	for (int k = 0; k < VERDICT_N_CHECKS; k++) {
		const char *raw = vd->reason[k] == check_text[k].none_a ?
		    check_text[k].none_a_json : vd->reason[k] ==
		    check_text[k].none_b ? check_text[k].none_b_json : NULL;

		if (raw != NULL) {
			json_raw(j, check_names[k], raw, strlen(raw));
			continue;
		}
		json_obj_open(j, check_names[k]);
		json_str(j, "result", result_names[vd->check[k]]);
		json_str(j, "reason", vd->reason[k]);
		json_obj_close(j);
	}
	json_obj_close(j);
	json_fixed(j, "spoof_score", vd->score_milli, 3);
	json_bool(j, "spoof", vd->is_spoof);
	json_evidence(j, vd);
	json_opinion(j, "model", &vd->model);
	json_opinion(j, "shadow", &vd->shadow);
	json_versions(v, vd, j);
	json_obj_close(j);
}

static void
fact_copy(char *dst, const char *src)
{
	size_t n = src != NULL ? strlen(src) : 0;

	if (n >= CLIENTS_NAME_MAX)
		n = CLIENTS_NAME_MAX - 1;
	memcpy(dst, src != NULL ? src : "", n);
	dst[n] = '\0';
}

void
verdict_remember(struct verdict_ctx *v, const struct verdict *vd,
    const struct flow *f)
{
	struct client_fact x[CLIENT_N_KIND];

	if (v->clients.cap == 0)
		return;
	memset(x, 0, sizeof(x));
	/* The model's answers are not kept: the next flow scores its own
	 * hello, and a TCP fact must come from a TCP stack. */
	if (vd->client.is_set && vd->client.from_flow == 0 &&
	    vd->client.rule != NULL) {
		struct client_fact *t = &x[CLIENT_TLS];

		t->ts_us = f->last_us ? f->last_us : 1;
		t->flow_id = f->id;
		fact_copy(t->rule, vd->client.rule);
		fact_copy(t->name, vd->client.name);
		fact_copy(t->family, vd->client.family);
		fact_copy(t->os, vd->client.os);
	}
	if (vd->os.is_set && vd->os.from_flow == 0 &&
	    strcmp(vd->os.source, "model") != 0) {
		struct client_fact *t = &x[CLIENT_TCP];

		t->ts_us = f->last_us ? f->last_us : 1;
		t->flow_id = f->id;
		fact_copy(t->rule, vd->os.rule);
		fact_copy(t->name, vd->os.name);
		fact_copy(t->family, vd->os.family);
		fact_copy(t->extra, vd->os.source);
	}
	if (vd->claim.is_set && vd->claim.from_flow == 0 && vd->http.is_set) {
		struct client_fact *t = &x[CLIENT_UA];

		t->ts_us = f->last_us ? f->last_us : 1;
		t->flow_id = f->id;
		fact_copy(t->rule, vd->claim.rule);
		fact_copy(t->name, vd->claim.name);
		fact_copy(t->family, vd->claim.family);
		fact_copy(t->extra, vd->claim.extra);
		fact_copy(t->os, vd->claim.os);
		fact_copy(t->kernel, vd->claim_kernel);
		fact_copy(t->actual, vd->http.family);
	}
	if (x[CLIENT_TLS].ts_us || x[CLIENT_TCP].ts_us || x[CLIENT_UA].ts_us)
		clients_update(&v->clients, f->key.ip_version,
		    f->key.addr[f->client], x);
}

void
verdict_stats(const struct verdict_ctx *v, FILE *fp)
{
	fprintf(fp, "verdicts=%" PRIu64 "\n", v->n_verdicts);
	fprintf(fp, "verdicts_spoof=%" PRIu64 "\n", v->n_spoof);
	fprintf(fp, "verdicts_consistent=%" PRIu64 "\n", v->n_consistent);
	fprintf(fp, "verdicts_unknown=%" PRIu64 "\n", v->n_unknown);
	fprintf(fp, "verdict_ua_cache_lookups=%" PRIu64 "\n", v->n_ua_lookups);
	fprintf(fp, "verdict_ua_cache_hits=%" PRIu64 "\n", v->n_ua_hits);
	fprintf(fp, "verdict_tcp_cache_lookups=%" PRIu64 "\n",
	    v->n_tcp_lookups);
	fprintf(fp, "verdict_tcp_cache_hits=%" PRIu64 "\n", v->n_tcp_hits);
	fprintf(fp, "clients_lookups=%" PRIu64 "\n", v->clients.n_lookups);
	fprintf(fp, "clients_facts_used=%" PRIu64 "\n", v->clients.n_hits);
	fprintf(fp, "clients_evicted=%" PRIu64 "\n", v->clients.n_evicted);
}
