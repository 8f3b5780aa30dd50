/* analyzers/ssh_flow.c: the ssh analyzer: identification strings and the
 * first KEXINIT of each side (any port, found by "SSH-" at the start of a
 * stream), HASSH and HASSH-server. */
#include "analyzers/app.h"

#include <string.h>

#include "analyzers/frag.h"

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
};

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
	json_flag_names(j, "anomalies", st->anomalies, ssh_anom_names,
	    sizeof(ssh_anom_names) / sizeof(ssh_anom_names[0]));
	json_obj_close(j);
}

static void
ssh_end(void *state, struct an_ctx *ctx)
{
	struct ssh_flow *st = state;

	frag_release(ctx->frags, &st->fr[0]);
	frag_release(ctx->frags, &st->fr[1]);
}

const struct analyzer ssh_analyzer = {
	.name = "ssh",
	.state_size = sizeof(struct ssh_flow),
	.stream = ssh_stream,
	.has_output = ssh_has_output,
	.emit = ssh_emit,
	.end = ssh_end,
};
