/* analyzers/tls_hello.c: ClientHello, ServerHello and Certificate parsers.
 * Each extension the fingerprints need has its own small parser, found
 * through a const table; the hello parsers only walk the framing. */
#include "analyzers/tls_hello.h"

#include <string.h>

#include "cursor.h"

/* RFC 8446 4.1.3: the random of a HelloRetryRequest. */
static const uint8_t hrr_random[32] = {
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11,
	0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e,
	0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

/* RFC 8446 4.1.3: last 8 bytes of a downgrading server's random. */
static const uint8_t downgrade_tail[7] = {
	0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, /* "DOWNGRD", then 0/1 */
};

/* TLS 1.3 drafts 0x7f00 | n, as early servers sent them. */
static bool
is_draft(uint16_t v)
{
	return v >> 8 == 0x7f && (v & 0xff) >= 1 && (v & 0xff) <= 28;
}

/* Drafts before 22 sent ServerHello without session_id and compression. */
static bool
is_early_draft(uint16_t v)
{
	return is_draft(v) && (v & 0xff) < 22;
}

static bool
known_version(uint16_t v)
{
	return (v >= 0x0300 && v <= 0x0304) || v == 0x0002 ||
	    v == 0xfeff || v == 0xfefd || v == 0xfefc || is_draft(v);
}

/* Read a list of 16-bit values from c into vals[cap]; *n counts stored
 * values.  Sets *grease if one is GREASE. */
static void
read_u16_list(struct cursor *c, uint16_t *vals, uint16_t *n, size_t cap,
    uint32_t cap_anomaly, uint32_t *anomalies, bool *grease)
{
	if (cur_left(c) % 2 != 0)
		*anomalies |= TLS_ANOM_ODD_LENGTH;
	while (cur_left(c) >= 2) {
		uint16_t v = cur_be16(c);

		if (tls_is_grease(v))
			*grease = true;
		if (*n < cap)
			vals[(*n)++] = v;
		else
			*anomalies |= cap_anomaly;
	}
}

/* Read one ALPN protocol name (u8 length, bytes) into *a. */
static bool
read_alpn_name(struct cursor *c, struct tls_alpn *a, uint32_t *anomalies)
{
	uint8_t wire_len = cur_u8(c);
	struct cursor name = cur_sub(c, wire_len);

	if (name.bad)
		return false;
	memset(a, 0, sizeof(*a));
	a->wire_len = wire_len;
	a->len = wire_len < TLS_MAX_ALPN_LEN ? wire_len : TLS_MAX_ALPN_LEN;
	if (wire_len == 0 || wire_len > TLS_MAX_ALPN_LEN)
		*anomalies |= TLS_ANOM_ALPN_BAD;
	if (wire_len > 0)
		a->last = name.p[wire_len - 1];
	(void)cur_copy(&name, a->name, a->len);
	return true;
}

/* --- ClientHello extensions ------------------------------------------- */

static void
ch_server_name(struct cursor *c, struct tls_client_hello *ch)
{
	struct cursor list = cur_sub(c, cur_be16(c));

	while (cur_left(&list) > 0 && !list.bad) {
		uint8_t type = cur_u8(&list);
		struct cursor name = cur_sub(&list, cur_be16(&list));
		size_t n = cur_left(&name);

		if (list.bad || type != 0 || ch->sni_len > 0)
			continue;
		if (n > TLS_MAX_SNI_LEN || n == 0) {
			ch->anomalies |= TLS_ANOM_SNI_BAD;
			n = n > TLS_MAX_SNI_LEN ? TLS_MAX_SNI_LEN : n;
		}
		for (size_t i = 0; i < n; i++) {
			uint8_t b = name.p[i];

			if (b < 0x21 || b > 0x7e) {
				b = '?';
				ch->anomalies |= TLS_ANOM_SNI_BAD;
			}
			ch->sni[i] = (char)b;
		}
		ch->sni[n] = '\0';
		ch->sni_len = (uint16_t)n;
	}
	if (list.bad || cur_left(c) != 0)
		ch->anomalies |= TLS_ANOM_EXT_BAD;
}

static void
ch_supported_groups(struct cursor *c, struct tls_client_hello *ch)
{
	struct cursor list = cur_sub(c, cur_be16(c));

	read_u16_list(&list, ch->groups, &ch->n_groups, TLS_MAX_GROUPS,
	    TLS_ANOM_LIST_CAP, &ch->anomalies, &ch->has_grease);
	if (list.bad || cur_left(c) != 0)
		ch->anomalies |= TLS_ANOM_EXT_BAD;
}

static void
ch_ec_point_formats(struct cursor *c, struct tls_client_hello *ch)
{
	struct cursor list = cur_sub(c, cur_u8(c));

	while (cur_left(&list) > 0) {
		uint8_t v = cur_u8(&list);

		if (ch->n_point_formats < TLS_MAX_POINT_FORMATS)
			ch->point_formats[ch->n_point_formats++] = v;
		else
			ch->anomalies |= TLS_ANOM_LIST_CAP;
	}
	if (list.bad || cur_left(c) != 0)
		ch->anomalies |= TLS_ANOM_EXT_BAD;
}

static void
ch_signature_algorithms(struct cursor *c, struct tls_client_hello *ch)
{
	struct cursor list = cur_sub(c, cur_be16(c));

	read_u16_list(&list, ch->sig_algs, &ch->n_sig_algs, TLS_MAX_SIG_ALGS,
	    TLS_ANOM_LIST_CAP, &ch->anomalies, &ch->has_grease);
	if (list.bad || cur_left(c) != 0)
		ch->anomalies |= TLS_ANOM_EXT_BAD;
}

static void
ch_alpn(struct cursor *c, struct tls_client_hello *ch)
{
	struct cursor list = cur_sub(c, cur_be16(c));

	ch->has_alpn = true;
	while (cur_left(&list) > 0) {
		struct tls_alpn tmp;
		struct tls_alpn *a = ch->n_alpn < TLS_MAX_ALPN ?
		    &ch->alpn[ch->n_alpn] : &tmp;

		if (!read_alpn_name(&list, a, &ch->anomalies))
			break;
		if (a == &tmp)
			ch->anomalies |= TLS_ANOM_LIST_CAP;
		else
			ch->n_alpn++;
	}
	if (list.bad || cur_left(c) != 0)
		ch->anomalies |= TLS_ANOM_EXT_BAD;
}

static void
ch_supported_versions(struct cursor *c, struct tls_client_hello *ch)
{
	struct cursor list = cur_sub(c, cur_u8(c));

	ch->has_supported_versions = true;
	read_u16_list(&list, ch->versions, &ch->n_versions, TLS_MAX_VERSIONS,
	    TLS_ANOM_LIST_CAP, &ch->anomalies, &ch->has_grease);
	if (list.bad || cur_left(c) != 0)
		ch->anomalies |= TLS_ANOM_EXT_BAD;
}

static void
ch_key_share(struct cursor *c, struct tls_client_hello *ch)
{
	struct cursor list = cur_sub(c, cur_be16(c));

	ch->has_key_share = true;
	while (cur_left(&list) > 0) {
		uint16_t group = cur_be16(&list);

		cur_skip(&list, cur_be16(&list));
		if (list.bad)
			break;
		if (tls_is_grease(group))
			ch->has_grease = true;
		if (ch->n_key_shares < TLS_MAX_KEY_SHARES)
			ch->key_shares[ch->n_key_shares++] = group;
		else
			ch->anomalies |= TLS_ANOM_LIST_CAP;
	}
	if (list.bad || cur_left(c) != 0)
		ch->anomalies |= TLS_ANOM_EXT_BAD;
}

static void
ch_padding(struct cursor *c, struct tls_client_hello *ch)
{
	ch->padding_len = (uint16_t)cur_left(c);
}

/* Extensions whose presence alone is recorded. */
static void
ch_flag(uint16_t type, struct tls_client_hello *ch)
{
	switch (type) {
	case TLS_EXT_SERVER_NAME:
		ch->has_sni = true;
		break;
	case TLS_EXT_STATUS_REQUEST:
		ch->has_status_request = true;
		break;
	case TLS_EXT_EXTENDED_MASTER_SECRET:
		ch->has_ems = true;
		break;
	case TLS_EXT_SESSION_TICKET:
		ch->has_session_ticket = true;
		break;
	case TLS_EXT_PRE_SHARED_KEY:
		ch->has_psk = true;
		break;
	case TLS_EXT_EARLY_DATA:
		ch->has_early_data = true;
		break;
	case TLS_EXT_POST_HANDSHAKE_AUTH:
		ch->has_post_handshake_auth = true;
		break;
	case TLS_EXT_QUIC_TRANSPORT_PARAMS:
		ch->has_quic_params = true;
		break;
	case TLS_EXT_ENCRYPTED_CLIENT_HELLO:
		ch->has_ech = true;
		break;
	case TLS_EXT_RENEGOTIATION_INFO:
		ch->has_reneg_info = true;
		break;
	default:
		break;
	}
}

static const struct ch_ext_parser {
	uint16_t	type;
	void		(*parse)(struct cursor *, struct tls_client_hello *);
} ch_ext_parsers[] = {
	{ TLS_EXT_SERVER_NAME,		ch_server_name },
	{ TLS_EXT_SUPPORTED_GROUPS,	ch_supported_groups },
	{ TLS_EXT_EC_POINT_FORMATS,	ch_ec_point_formats },
	{ TLS_EXT_SIGNATURE_ALGORITHMS,	ch_signature_algorithms },
	{ TLS_EXT_ALPN,			ch_alpn },
	{ TLS_EXT_PADDING,		ch_padding },
	{ TLS_EXT_SUPPORTED_VERSIONS,	ch_supported_versions },
	{ TLS_EXT_KEY_SHARE,		ch_key_share },
};

/* True if type is among the first n types of list. */
static bool
seen_before(const uint16_t *list, size_t n, uint16_t type)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == type)
			return true;
	return false;
}

/* Walk the ClientHello extension block.  Only the first of a repeated
 * extension is looked into.  False if the framing breaks. */
static bool
ch_extensions(struct cursor *exts, struct tls_client_hello *ch)
{
	bool after_psk = false;

	while (cur_left(exts) > 0) {
		uint16_t type = cur_be16(exts);
		struct cursor body = cur_sub(exts, cur_be16(exts));
		bool is_dup;

		if (exts->bad) {
			ch->anomalies |= TLS_ANOM_EXT_TRUNCATED;
			return false;
		}
		if (after_psk)
			ch->anomalies |= TLS_ANOM_PSK_NOT_LAST;
		after_psk = type == TLS_EXT_PRE_SHARED_KEY;
		if (tls_is_grease(type))
			ch->has_grease = true;
		is_dup = seen_before(ch->extensions, ch->n_extensions, type);
		if (is_dup)
			ch->anomalies |= TLS_ANOM_EXT_DUP;
		if (ch->n_extensions < TLS_MAX_EXTENSIONS)
			ch->extensions[ch->n_extensions++] = type;
		else
			ch->anomalies |= TLS_ANOM_EXT_CAP;
		if (is_dup)
			continue;
		ch_flag(type, ch);
		for (size_t i = 0; i < sizeof(ch_ext_parsers) /
		    sizeof(ch_ext_parsers[0]); i++)
			if (ch_ext_parsers[i].type == type)
				ch_ext_parsers[i].parse(&body, ch);
	}
	return true;
}

/* Cipher suites: u16 length, then 16-bit values. */
static void
ch_ciphers(struct cursor *c, struct tls_client_hello *ch)
{
	struct cursor list = cur_sub(c, cur_be16(c));

	read_u16_list(&list, ch->ciphers, &ch->n_ciphers, TLS_MAX_CIPHERS,
	    TLS_ANOM_CIPHERS_CAP, &ch->anomalies, &ch->has_grease);
	if (ch->n_ciphers == 0)
		ch->anomalies |= TLS_ANOM_NO_CIPHERS;
}

/* Compression methods: u8 length, then bytes; null (0) must be there. */
static void
ch_compression(struct cursor *c, struct tls_client_hello *ch)
{
	struct cursor list = cur_sub(c, cur_u8(c));
	bool has_null = false;

	ch->n_compression = (uint8_t)cur_left(&list);
	while (cur_left(&list) > 0)
		if (cur_u8(&list) == 0)
			has_null = true;
	if (!has_null && !c->bad)
		ch->anomalies |= TLS_ANOM_NO_NULL_COMP;
}

/* After the fixed fields: nothing, or a u16-length extension block. */
static enum tls_status
ch_tail(struct cursor *c, struct tls_client_hello *ch)
{
	struct cursor exts;
	size_t ext_len;

	if (cur_left(c) == 0)
		return TLS_OK;
	ext_len = cur_be16(c);
	if (c->bad) {
		ch->anomalies |= TLS_ANOM_TRUNCATED;
		return TLS_MALFORMED;
	}
	if (ext_len == 0)
		ch->anomalies |= TLS_ANOM_EMPTY_EXTS;
	if (cur_left(c) < ext_len) {
		/* The block claims more than the body has: walk what is. */
		ch->anomalies |= TLS_ANOM_EXT_TRUNCATED;
		exts = cur_sub(c, cur_left(c));
		(void)ch_extensions(&exts, ch);
		return TLS_MALFORMED;
	}
	exts = cur_sub(c, ext_len);
	if (cur_left(c) != 0)
		ch->anomalies |= TLS_ANOM_TRAILING;
	return ch_extensions(&exts, ch) ? TLS_OK : TLS_MALFORMED;
}

static enum tls_status
parse_client_hello(const uint8_t *body, size_t len, bool is_dtls,
    struct tls_client_hello *ch)
{
	struct cursor c = cur_init(body, len);

	memset(ch, 0, sizeof(*ch));
	ch->is_dtls = is_dtls;
	ch->legacy_version = cur_be16(&c);
	if (!c.bad && !known_version(ch->legacy_version))
		ch->anomalies |= TLS_ANOM_BAD_VERSION;
	cur_copy(&c, ch->random, sizeof(ch->random));
	ch->session_id_len = cur_u8(&c);
	if (ch->session_id_len > 32)
		ch->anomalies |= TLS_ANOM_SESSION_ID_LONG;
	cur_skip(&c, ch->session_id_len);
	if (is_dtls) {
		ch->cookie_len = cur_u8(&c);
		cur_skip(&c, ch->cookie_len);
	}
	ch_ciphers(&c, ch);
	ch_compression(&c, ch);
	if (c.bad) {
		ch->anomalies |= TLS_ANOM_TRUNCATED;
		return TLS_MALFORMED;
	}
	return ch_tail(&c, ch);
}

enum tls_status
tls_parse_client_hello(const uint8_t *body, size_t len,
    struct tls_client_hello *out)
{
	return parse_client_hello(body, len, false, out);
}

enum tls_status
dtls_parse_client_hello(const uint8_t *body, size_t len,
    struct tls_client_hello *out)
{
	return parse_client_hello(body, len, true, out);
}

enum tls_status
tls_parse_sslv2_client_hello(const uint8_t *msg, size_t len,
    struct tls_client_hello *ch)
{
	struct cursor c = cur_init(msg, len);
	struct cursor specs;
	uint16_t spec_len, sid_len, challenge_len;

	memset(ch, 0, sizeof(*ch));
	ch->is_sslv2 = true;
	ch->anomalies |= TLS_ANOM_SSLV2;
	if (cur_u8(&c) != TLS_HS_CLIENT_HELLO) {
		ch->anomalies |= TLS_ANOM_TRUNCATED;
		return TLS_MALFORMED;
	}
	ch->legacy_version = cur_be16(&c);
	if (!c.bad && !known_version(ch->legacy_version))
		ch->anomalies |= TLS_ANOM_BAD_VERSION;
	spec_len = cur_be16(&c);
	sid_len = cur_be16(&c);
	challenge_len = cur_be16(&c);
	ch->session_id_len = sid_len > 255 ? 255 : (uint8_t)sid_len;
	if (sid_len > 32)
		ch->anomalies |= TLS_ANOM_SESSION_ID_LONG;
	specs = cur_sub(&c, spec_len);
	if (spec_len % 3 != 0)
		ch->anomalies |= TLS_ANOM_ODD_LENGTH;
	while (cur_left(&specs) >= 3) {
		uint8_t kind = cur_u8(&specs);
		uint16_t v = cur_be16(&specs);

		if (kind != 0)
			continue;			/* SSLv2-only cipher */
		if (tls_is_grease(v))
			ch->has_grease = true;
		if (ch->n_ciphers < TLS_MAX_CIPHERS)
			ch->ciphers[ch->n_ciphers++] = v;
		else
			ch->anomalies |= TLS_ANOM_CIPHERS_CAP;
	}
	if (ch->n_ciphers == 0)
		ch->anomalies |= TLS_ANOM_NO_CIPHERS;
	cur_skip(&c, sid_len);
	cur_skip(&c, challenge_len);
	if (c.bad) {
		ch->anomalies |= TLS_ANOM_TRUNCATED;
		return TLS_MALFORMED;
	}
	if (cur_left(&c) != 0)
		ch->anomalies |= TLS_ANOM_TRAILING;
	return TLS_OK;
}

/* --- ServerHello ------------------------------------------------------ */

static void
sh_extension(uint16_t type, struct cursor *body, struct tls_server_hello *sh)
{
	switch (type) {
	case TLS_EXT_SUPPORTED_VERSIONS:
		sh->has_supported_versions = true;
		sh->selected_version = cur_be16(body);
		break;
	case TLS_EXT_KEY_SHARE:		/* group, then key unless HRR */
		sh->has_key_share = true;
		sh->key_share_group = cur_be16(body);
		if (!sh->is_hrr)
			cur_skip(body, cur_be16(body));
		break;
	case TLS_EXT_ALPN: {
		struct cursor list = cur_sub(body, cur_be16(body));

		sh->has_alpn = read_alpn_name(&list, &sh->alpn,
		    &sh->anomalies);
		if (list.bad || cur_left(&list) != 0)
			sh->anomalies |= TLS_ANOM_EXT_BAD;
		break;
	}
	case TLS_EXT_SESSION_TICKET:
		sh->has_session_ticket = true;
		return;
	case TLS_EXT_PRE_SHARED_KEY:
		sh->has_psk = true;
		cur_skip(body, 2);
		break;
	case TLS_EXT_EXTENDED_MASTER_SECRET:
		sh->has_ems = true;
		return;
	case TLS_EXT_RENEGOTIATION_INFO:
		sh->has_reneg_info = true;
		return;
	default:
		return;
	}
	if (body->bad || cur_left(body) != 0)
		sh->anomalies |= TLS_ANOM_EXT_BAD;
}

static bool
sh_extensions(struct cursor *exts, struct tls_server_hello *sh)
{
	while (cur_left(exts) > 0) {
		uint16_t type = cur_be16(exts);
		struct cursor body = cur_sub(exts, cur_be16(exts));
		bool is_dup;

		if (exts->bad) {
			sh->anomalies |= TLS_ANOM_EXT_TRUNCATED;
			return false;
		}
		if (tls_is_grease(type))
			sh->has_grease = true;
		is_dup = seen_before(sh->extensions, sh->n_extensions, type);
		if (is_dup)
			sh->anomalies |= TLS_ANOM_EXT_DUP;
		if (sh->n_extensions < TLS_MAX_EXTENSIONS)
			sh->extensions[sh->n_extensions++] = type;
		else
			sh->anomalies |= TLS_ANOM_EXT_CAP;
		if (!is_dup)
			sh_extension(type, &body, sh);
	}
	return true;
}

static void
sh_random(struct cursor *c, struct tls_server_hello *sh)
{
	uint8_t random[32];

	if (!cur_copy(c, random, sizeof(random)))
		return;
	memcpy(sh->random, random, sizeof(random));
	sh->is_hrr = memcmp(random, hrr_random, sizeof(random)) == 0;
	if (memcmp(random + 24, downgrade_tail, sizeof(downgrade_tail)) == 0 &&
	    random[31] <= 1)
		sh->anomalies |= TLS_ANOM_DOWNGRADE;
}

enum tls_status
tls_parse_server_hello(const uint8_t *body, size_t len,
    struct tls_server_hello *sh)
{
	struct cursor c = cur_init(body, len);
	struct cursor exts;
	size_t ext_len;

	memset(sh, 0, sizeof(*sh));
	sh->legacy_version = cur_be16(&c);
	if (!c.bad && !known_version(sh->legacy_version))
		sh->anomalies |= TLS_ANOM_BAD_VERSION;
	sh->is_dtls = sh->legacy_version >> 8 == 0xfe;
	sh_random(&c, sh);
	if (is_early_draft(sh->legacy_version)) {
		sh->cipher = cur_be16(&c);
	} else {
		sh->session_id_len = cur_u8(&c);
		if (sh->session_id_len > 32)
			sh->anomalies |= TLS_ANOM_SESSION_ID_LONG;
		cur_skip(&c, sh->session_id_len);
		sh->cipher = cur_be16(&c);
		sh->compression = cur_u8(&c);
	}
	if (c.bad) {
		sh->anomalies |= TLS_ANOM_TRUNCATED;
		return TLS_MALFORMED;
	}
	if (tls_is_grease(sh->cipher))
		sh->has_grease = true;
	if (cur_left(&c) == 0)
		return TLS_OK;
	ext_len = cur_be16(&c);
	if (c.bad) {
		sh->anomalies |= TLS_ANOM_TRUNCATED;
		return TLS_MALFORMED;
	}
	if (ext_len == 0)
		sh->anomalies |= TLS_ANOM_EMPTY_EXTS;
	if (cur_left(&c) < ext_len) {
		sh->anomalies |= TLS_ANOM_EXT_TRUNCATED;
		exts = cur_sub(&c, cur_left(&c));
		(void)sh_extensions(&exts, sh);
		return TLS_MALFORMED;
	}
	exts = cur_sub(&c, ext_len);
	if (cur_left(&c) != 0)
		sh->anomalies |= TLS_ANOM_TRAILING;
	return sh_extensions(&exts, sh) ? TLS_OK : TLS_MALFORMED;
}

/* --- Certificate ------------------------------------------------------ */

enum tls_status
tls_parse_certificate(const uint8_t *body, size_t len, bool is_tls13,
    struct tls_certificate *out)
{
	struct cursor c = cur_init(body, len);
	struct cursor list;

	memset(out, 0, sizeof(*out));
	if (is_tls13) {
		out->context_len = cur_u8(&c);
		cur_skip(&c, out->context_len);
	}
	list = cur_sub(&c, cur_be24(&c));
	if (c.bad) {
		out->anomalies |= TLS_ANOM_TRUNCATED;
		return TLS_MALFORMED;
	}
	if (cur_left(&c) != 0)
		out->anomalies |= TLS_ANOM_TRAILING;
	while (cur_left(&list) > 0) {
		uint32_t cert_len = cur_be24(&list);
		const uint8_t *der = list.p;

		cur_skip(&list, cert_len);
		if (is_tls13)
			cur_skip(&list, cur_be16(&list));	/* extensions */
		if (list.bad) {
			out->anomalies |= TLS_ANOM_TRUNCATED;
			return TLS_MALFORMED;
		}
		if (cert_len == 0)
			out->anomalies |= TLS_ANOM_EMPTY_CERT;
		if (out->n_certs_wire < UINT16_MAX)
			out->n_certs_wire++;
		if (out->n_certs < TLS_MAX_CERTS) {
			out->certs[out->n_certs].off = (uint32_t)(der - body);
			out->certs[out->n_certs].len = cert_len;
			out->n_certs++;
		} else {
			out->anomalies |= TLS_ANOM_LIST_CAP;
		}
	}
	return TLS_OK;
}
