/* analyzers/ssh_flow.c: the ssh analyzer: identification strings and the
 * first KEXINIT of each side (any port, found by "SSH-" at the start of a
 * stream), HASSH and HASSH-server; JA4SSH windows in JA4+ builds. */
#include "analyzers/app.h"

#include <string.h>

#include "analyzers/frag.h"
#ifdef FP_JA4PLUS
#include "analyzers/ja4ssh.h"

#define SSH_PORT	22

/* Whether a connection's segments go to JA4SSH (ssh_flow.ja4ssh_state). */
enum {
	JA4SSH_UNKNOWN,		/* no payload yet: bare ACKs counted */
	JA4SSH_ON,		/* in the slab slot */
	JA4SSH_OFF		/* not SSH, or no slot */
};
#endif

static const char *const ssh_anom_names[] = {
	"bare_lf", "ident_too_long", "ident_chars", "pre_lines",
	"no_software", "short_padding", "block_align", "namelist_cut",
	"namelist_chars", "trailing", "skipped_packets", "reserved",
};

struct ssh_flow {
	struct frag	 fr[2];		/* [0] client fields, [1] server */
	uint32_t	 anomalies;	/* SSH_ANOM_* */
	bool		 is_ssh;
	bool		 done[2];
#ifdef FP_JA4PLUS
	uint32_t	 ja4ssh_slot;	/* slab handle, 0: none */
	uint16_t	 pre_acks[2];	/* bare ACKs before the first payload */
	uint8_t		 ja4ssh_state;
#endif
};

#ifdef FP_JA4PLUS
/* The first segment with payload decides: an identification string, or
 * port 22 (a capture that starts after it), makes the connection SSH. */
static bool
ssh_looks_ssh(const struct packet *pkt)
{
	if (pkt->payload_len >= 4 && memcmp(pkt->payload, "SSH-", 4) == 0)
		return true;
	return pkt->sport == SSH_PORT || pkt->dport == SSH_PORT;
}

static bool
ssh_packet(void *state, struct an_ctx *ctx, const struct flow *f,
    const struct packet *pkt, int dir)
{
	struct ssh_flow *st = state;
	struct app_ctx *a = ctx->app;
	struct ja4ssh *s;

	(void)f;
	if (a == NULL || pkt->l4_proto != 6 || st->ja4ssh_state == JA4SSH_OFF)
		return false;
	if (st->ja4ssh_state == JA4SSH_UNKNOWN) {
		if (pkt->payload_wire_len == 0) {
			if (pkt->tcp_flags == TCP_ACK &&
			    st->pre_acks[dir] < UINT16_MAX)
				st->pre_acks[dir]++;
			return true;
		}
		if (!ssh_looks_ssh(pkt) ||
		    (st->ja4ssh_slot = slab_alloc(&a->ja4ssh)) == 0) {
			st->ja4ssh_state = JA4SSH_OFF;
			return false;
		}
		ja4ssh_init(slab_ptr(&a->ja4ssh, st->ja4ssh_slot),
		    st->pre_acks[0], st->pre_acks[1]);
		st->ja4ssh_state = JA4SSH_ON;
	}
	s = slab_ptr(&a->ja4ssh, st->ja4ssh_slot);
	ja4ssh_segment(s, dir == AN_DIR_SERVER, pkt->tcp_flags, pkt->payload,
	    pkt->payload_len, pkt->payload_wire_len);
	return true;
}

static void
ssh_emit_ja4ssh(const struct ssh_flow *st, const struct an_ctx *ctx,
    struct json *j)
{
	const struct ja4ssh *s;
	struct ja4ssh_fp fp;
	char buf[JA4SSH_STR_MAX];

	if (st->ja4ssh_slot == 0 || ctx->app == NULL)
		return;
	s = slab_ptr(&ctx->app->ja4ssh, st->ja4ssh_slot);
	if (s->n_fp == 0 && s->n == 0)
		return;
	json_arr_open(j, "ja4ssh");
	for (uint8_t i = 0; i < s->n_fp; i++) {
		ja4ssh_format(&s->fp[i], buf, sizeof(buf));
		json_str(j, NULL, buf);
	}
	if (s->n_dropped == 0 && ja4ssh_pending(s, &fp)) {
		ja4ssh_format(&fp, buf, sizeof(buf));
		json_str(j, NULL, buf);
	}
	json_arr_close(j);
	if (s->n_dropped)
		json_u64(j, "ja4ssh_dropped", s->n_dropped +
		    (s->n != 0));
}
#endif

static void
render_side(struct an_ctx *ctx, struct ssh_flow *st, int dir,
    const struct ssh_ident *id, const struct ssh_kexinit *kex)
{
	char raw[SSH_HASSH_RAW], md5[33];
	bool is_server = dir == AN_DIR_SERVER;
	struct json j;

	if (!frag_open(ctx->frags, &st->fr[dir], &j))
		return;
	json_str(&j, is_server ? "server_ident" : "client_ident", id->line);
	json_str(&j, is_server ? "server_software" : "client_software",
	    id->software);
	if (kex != NULL) {
		ssh_hassh(kex, is_server, raw, sizeof(raw), md5);
		json_str(&j, is_server ? "hassh_server" : "hassh", md5);
		json_str(&j, is_server ? "hassh_server_r" : "hassh_r", raw);
		if (!is_server) {
			json_str(&j, "kex", kex->lists[SSH_KEX]);
			json_str(&j, "host_key", kex->lists[SSH_HOSTKEY]);
		}
	}
	frag_close(ctx->frags, &st->fr[dir], &j);
}

static bool
ssh_stream(void *state, struct an_ctx *ctx, int dir, const uint8_t *buf,
    size_t len)
{
	struct ssh_flow *st = state;
	struct app_ctx *a = ctx->app;
	enum ssh_status rc;

	if (a == NULL || st->done[dir])
		return false;
	if (len < 4)
		return true;
	/* Either side may speak first; only a server may send text lines
	 * before its identification (RFC 4253 4.2). */
	if (!st->is_ssh && memcmp(buf, "SSH-", 4) != 0) {
		if (dir == AN_DIR_CLIENT || st->done[AN_DIR_CLIENT]) {
			st->done[dir] = true;
			return false;
		}
		return len < SSH_MAX_LINE;
	}
	rc = ssh_parse_ident(buf, len, &a->ident);
	if (rc == SSH_NEED_MORE)
		return len < SSH_MAX_LINE * SSH_MAX_PRE_LINES;
	if (rc != SSH_OK) {
		st->done[dir] = true;
		return false;
	}
	st->is_ssh = true;
	st->anomalies |= a->ident.anomalies;
	rc = ssh_parse_kexinit(buf + a->ident.consumed,
	    len - a->ident.consumed, &a->kex);
	if (rc == SSH_NEED_MORE && len < SSH_MAX_PACKET)
		return true;
	st->done[dir] = true;
	st->anomalies |= a->kex.anomalies;
	if (rc == SSH_OK)
		a->n_ssh_kexinits++;
	else
		a->n_malformed += rc == SSH_MALFORMED;
	render_side(ctx, st, dir, &a->ident, rc == SSH_OK ? &a->kex : NULL);
	return false;
}

static bool
ssh_has_output(const void *state)
{
	const struct ssh_flow *st = state;

#ifdef FP_JA4PLUS
	if (st->ja4ssh_slot != 0)
		return true;
#endif
	return st->is_ssh;
}

static void
ssh_emit(const void *state, const struct an_ctx *ctx, const struct flow *f,
    struct json *j)
{
	const struct ssh_flow *st = state;

	(void)f;
	json_obj_open(j, "ssh");
	frag_emit(ctx->frags, &st->fr[0], j);
	frag_emit(ctx->frags, &st->fr[1], j);
#ifdef FP_JA4PLUS
	ssh_emit_ja4ssh(st, ctx, j);
#endif
	json_anomalies(j, "anomalies", st->anomalies, ssh_anom_names,
	    sizeof(ssh_anom_names) / sizeof(ssh_anom_names[0]));
	json_obj_close(j);
}

static void
ssh_end(void *state, struct an_ctx *ctx)
{
	struct ssh_flow *st = state;

	frag_release(ctx->frags, &st->fr[0]);
	frag_release(ctx->frags, &st->fr[1]);
#ifdef FP_JA4PLUS
	if (ctx->app != NULL)
		slab_release(&ctx->app->ja4ssh, &st->ja4ssh_slot);
#endif
}

const struct analyzer ssh_analyzer = {
	.name = "ssh",
	.state_size = sizeof(struct ssh_flow),
#ifdef FP_JA4PLUS
	.packet = ssh_packet,
#endif
	.stream = ssh_stream,
	.has_output = ssh_has_output,
	.emit = ssh_emit,
	.end = ssh_end,
};
