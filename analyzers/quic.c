/* analyzers/quic.c: QUIC v1/v2 client Initial decryption and CRYPTO
 * reassembly.  See quic.h for the contracts. */
#include "analyzers/quic.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>
#include <openssl/params.h>

#if OPENSSL_VERSION_NUMBER < 0x30000000L
#error "analyzers/quic.c needs OpenSSL 3 (EVP_MAC, OSSL_PARAM)"
#endif

#include "analyzers/hkdf.h"
#include "cursor.h"

#define QUIC_SCRATCH_MAX	65536	/* > largest UDP payload */
#define QUIC_TAG_LEN		16
#define QUIC_SAMPLE_LEN		16
#define QUIC_VARINT_MAX		((UINT64_C(1) << 62) - 1)

/* Version-specific constants: RFC 9001 5.2 and RFC 9369 3.3.  The long
 * header's two type bits map to a packet type per version (RFC 9369 3.2
 * rotates them). */
struct quic_version_desc {
	uint32_t		version;
	uint8_t			salt[20];
	const char		*key_label;
	const char		*iv_label;
	const char		*hp_label;
	enum quic_pkt_type	type[4];
};

/* v1's labels and long-header type bits, which the drafts share. */
#define QUIC_V1_LAYOUT							\
	.key_label = "quic key", .iv_label = "quic iv",			\
	.hp_label = "quic hp",						\
	.type = { QUIC_PKT_INITIAL, QUIC_PKT_0RTT, QUIC_PKT_HANDSHAKE,	\
	    QUIC_PKT_RETRY }

static const struct quic_version_desc quic_versions[] = {
	{
		.version = QUIC_VERSION_1,
		.salt = {
			0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3,
			0x4d, 0x17, 0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad,
			0xcc, 0xbb, 0x7f, 0x0a,
		},
		QUIC_V1_LAYOUT,
	},
	{
		.version = QUIC_VERSION_2,
		.salt = {
			0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb,
			0x81, 0x93, 0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb,
			0xf9, 0xbd, 0x2e, 0xd9,
		},
		.key_label = "quicv2 key",
		.iv_label = "quicv2 iv",
		.hp_label = "quicv2 hp",
		.type = { QUIC_PKT_RETRY, QUIC_PKT_INITIAL, QUIC_PKT_0RTT,
		    QUIC_PKT_HANDSHAKE },
	},
};

struct quic_ctx {
	EVP_CIPHER_CTX	*aead;		/* AES-128-GCM, re-keyed per packet */
	EVP_CIPHER_CTX	*hp;		/* AES-128-ECB, re-keyed per packet */
	uint8_t		 scratch[QUIC_SCRATCH_MAX];
};

/* Drafts of RFC 9000 still met in captures, and Facebook's mvfst versions
 * built on drafts 22 and 27: v1's labels and type bits with the salt of
 * their draft (draft-ietf-quic-tls-22, -23 to -28, -29 to -32).  .version
 * is the first draft of each. */
static const struct quic_version_desc quic_drafts[] = {
	{
		.version = 22,
		.salt = {
			0x7f, 0xbc, 0xdb, 0x0e, 0x7c, 0x66, 0xbb, 0xe9,
			0x19, 0x3a, 0x96, 0xcd, 0x21, 0x51, 0x9e, 0xbd,
			0x7a, 0x02, 0x64, 0x4a,
		},
		QUIC_V1_LAYOUT,
	},
	{
		.version = 23,
		.salt = {
			0xc3, 0xee, 0xf7, 0x12, 0xc7, 0x2e, 0xbb, 0x5a,
			0x11, 0xa7, 0xd2, 0x43, 0x2b, 0xb4, 0x63, 0x65,
			0xbe, 0xf9, 0xf5, 0x02,
		},
		QUIC_V1_LAYOUT,
	},
	{
		.version = 29,
		.salt = {
			0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2, 0x4c,
			0x9e, 0x97, 0x86, 0xf1, 0x9c, 0x61, 0x11, 0xe0,
			0x43, 0x90, 0xa8, 0x99,
		},
		QUIC_V1_LAYOUT,
	},
};

/* The draft a version is (0xff0000NN: draft NN; mvfst), or 0. */
static unsigned
quic_draft_of(uint32_t version)
{
	if ((version & 0xffffff00u) == 0xff000000u)
		return version & 0xffu;
	if (version == 0xfaceb001u)
		return 22;
	if (version == 0xfaceb002u || version == 0xfaceb00eu)
		return 27;
	return 0;
}

static const struct quic_version_desc *
quic_version_find(uint32_t version)
{
	unsigned draft;

	for (size_t i = 0; i < sizeof(quic_versions) / sizeof(quic_versions[0]);
	    i++)
		if (quic_versions[i].version == version)
			return &quic_versions[i];
	draft = quic_draft_of(version);
	if (draft >= 29 && draft <= 32)
		return &quic_drafts[2];
	if (draft >= 23 && draft <= 28)
		return &quic_drafts[1];
	if (draft == 22)
		return &quic_drafts[0];
	return NULL;
}

/* RFC 9000 16: 2-bit length prefix, 1/2/4/8 bytes.  Garbage but harmless
 * on overrun: the cursor is then bad and the caller checks it. */
static uint64_t
quic_varint(struct cursor *c)
{
	uint8_t b = cur_u8(c);
	size_t n = (size_t)1 << (b >> 6);
	uint64_t v = b & 0x3f;

	for (size_t i = 1; i < n; i++)
		v = v << 8 | cur_u8(c);
	return v;
}

/* cur_sub() for a 62-bit wire length. */
static struct cursor
quic_sub(struct cursor *c, uint64_t n)
{
	if (n > cur_left(c))
		n = (uint64_t)cur_left(c) + 1;	/* forces the overrun */
	return cur_sub(c, (size_t)n);
}

bool
quic_is_initial_candidate(const uint8_t *udp_payload, size_t len)
{
	struct cursor c;
	const struct quic_version_desc *v;
	uint8_t b0, n;

	if (udp_payload == NULL || len < 7)
		return false;
	c = cur_init(udp_payload, len);
	b0 = cur_u8(&c);
	if ((b0 & 0xc0) != 0xc0)
		return false;
	if ((v = quic_version_find(cur_be32(&c))) == NULL)
		return false;
	if (v->type[(b0 >> 4) & 3] != QUIC_PKT_INITIAL)
		return false;
	if ((n = cur_u8(&c)) > QUIC_CID_MAX)
		return false;
	cur_skip(&c, n);
	if ((n = cur_u8(&c)) > QUIC_CID_MAX)
		return false;
	cur_skip(&c, n);
	return !c.bad;
}

enum quic_status
quic_parse_long_header(const uint8_t *buf, size_t len,
    struct quic_long_header *out)
{
	struct cursor c;
	const struct quic_version_desc *v;
	uint64_t n;

	memset(out, 0, sizeof(*out));
	if (buf == NULL || len < 5)
		return QUIC_NOT_MINE;
	c = cur_init(buf, len);
	out->first_byte = cur_u8(&c);
	out->version = cur_be32(&c);
	if (c.bad || (out->first_byte & 0x80) == 0)
		return QUIC_NOT_MINE;
	v = quic_version_find(out->version);

	/* RFC 8999: version-independent part; v1, v2 and the drafts cap
	 * CIDs at 20. */
	out->dcid_len = cur_u8(&c);
	if (out->dcid_len > QUIC_CID_MAX)
		goto bad_cid;
	cur_copy(&c, out->dcid, out->dcid_len);
	out->scid_len = cur_u8(&c);
	if (out->scid_len > QUIC_CID_MAX)
		goto bad_cid;
	cur_copy(&c, out->scid, out->scid_len);
	if (c.bad) {
		out->dcid_len = out->scid_len = 0;
		return v == NULL ? QUIC_UNSUPPORTED : QUIC_MALFORMED;
	}
	if (v == NULL)
		return QUIC_UNSUPPORTED;

	out->type = v->type[(out->first_byte >> 4) & 3];
	if (out->type == QUIC_PKT_RETRY) {
		/* No Length field: a Retry runs to the end of the datagram. */
		out->packet_len = len;
		return QUIC_OK;
	}
	if (out->type == QUIC_PKT_INITIAL) {
		out->token_len = quic_varint(&c);
		(void)quic_sub(&c, out->token_len);
	}
	n = quic_varint(&c);
	out->pn_offset = len - cur_left(&c);
	if (c.bad || n > cur_left(&c))
		return QUIC_MALFORMED;
	out->packet_len = out->pn_offset + (size_t)n;
	return QUIC_OK;

bad_cid:
	if (out->dcid_len > QUIC_CID_MAX)
		out->dcid_len = 0;
	if (out->scid_len > QUIC_CID_MAX)
		out->scid_len = 0;
	return v == NULL ? QUIC_UNSUPPORTED : QUIC_MALFORMED;
}

/* ---- CRYPTO stream reassembly ---------------------------------------- */

/* Write the bytes of [start, end) not yet covered by buf's ranges; compare
 * the covered ones.  Returns QUIC_ANOM_CRYPTO_CONFLICT or 0. */
static uint32_t
quic_crypto_fill(struct quic_crypto_buf *buf, uint32_t start, uint32_t end,
    const uint8_t *data)
{
	uint32_t pos = start, anom = 0;

	for (uint32_t i = 0; i < buf->n_ranges && pos < end; i++) {
		uint32_t rs = buf->range[i].start, re = buf->range[i].end;

		if (re <= pos)
			continue;
		if (rs >= end)
			break;
		if (rs > pos) {
			memcpy(buf->data + pos, data + (pos - start), rs - pos);
			pos = rs;
		}
		re = re < end ? re : end;
		if (memcmp(buf->data + pos, data + (pos - start), re - pos))
			anom |= QUIC_ANOM_CRYPTO_CONFLICT;
		pos = re;
	}
	if (pos < end)
		memcpy(buf->data + pos, data + (pos - start), end - pos);
	return anom;
}

uint32_t
quic_crypto_add(struct quic_crypto_buf *buf, uint64_t off,
    const uint8_t *data, size_t len)
{
	struct quic_crypto_range tmp[QUIC_CRYPTO_MAX_RANGES + 2];
	uint32_t anom = 0, start, end, n = 0;
	bool is_placed = false;

	if (len == 0)
		return 0;
	if (off >= QUIC_CRYPTO_MAX) {
		anom = QUIC_ANOM_CRYPTO_OVERFLOW;
		goto out;
	}
	if (len > QUIC_CRYPTO_MAX - off) {
		len = QUIC_CRYPTO_MAX - (size_t)off;
		anom |= QUIC_ANOM_CRYPTO_OVERFLOW;
	}
	start = (uint32_t)off;
	end = start + (uint32_t)len;

	/* The new sorted range list, in tmp: [start, end) absorbs every
	 * range it overlaps or touches.  At most two entries per step. */
	for (uint32_t i = 0; i < buf->n_ranges &&
	    n <= QUIC_CRYPTO_MAX_RANGES; i++) {
		struct quic_crypto_range r = buf->range[i];

		if (r.end < start) {
			tmp[n++] = r;
		} else if (r.start > end) {
			if (!is_placed)
				tmp[n++] = (struct quic_crypto_range){ start,
				    end };
			is_placed = true;
			tmp[n++] = r;
		} else {
			start = r.start < start ? r.start : start;
			end = r.end > end ? r.end : end;
		}
	}
	if (!is_placed && n <= QUIC_CRYPTO_MAX_RANGES)
		tmp[n++] = (struct quic_crypto_range){ start, end };
	if (n > QUIC_CRYPTO_MAX_RANGES) {
		anom |= QUIC_ANOM_CRYPTO_RANGES;
		goto out;
	}
	anom |= quic_crypto_fill(buf, (uint32_t)off, (uint32_t)(off + len),
	    data);
	memcpy(buf->range, tmp, n * sizeof(tmp[0]));
	buf->n_ranges = n;
out:
	buf->anomalies |= anom;
	return anom;
}

size_t
quic_crypto_contiguous(const struct quic_crypto_buf *buf)
{
	if (buf->n_ranges == 0 || buf->range[0].start != 0)
		return 0;
	return buf->range[0].end;
}

bool
quic_crypto_hello_complete(const struct quic_crypto_buf *buf, size_t *msg_len)
{
	return quic_crypto_msg_complete(buf, 1, msg_len);
}

bool
quic_crypto_msg_complete(const struct quic_crypto_buf *buf, uint8_t type,
    size_t *msg_len)
{
	size_t have = quic_crypto_contiguous(buf), need;

	if (msg_len != NULL)
		*msg_len = 0;
	if (have < 4 || buf->data[0] != type)
		return false;
	need = 4 + ((size_t)buf->data[1] << 16 | (size_t)buf->data[2] << 8 |
	    buf->data[3]);
	if (need > have)
		return false;
	if (msg_len != NULL)
		*msg_len = need;
	return true;
}

/* ---- frames ----------------------------------------------------------- */

/* ACK (RFC 9000 19.3): each range costs at least two bytes, so the loop is
 * bounded by the payload, whatever the count says. */
static void
quic_skip_ack(struct cursor *c, bool has_ecn)
{
	uint64_t n_ranges;

	(void)quic_varint(c);		/* Largest Acknowledged */
	(void)quic_varint(c);		/* ACK Delay */
	n_ranges = quic_varint(c);
	(void)quic_varint(c);		/* First ACK Range */
	for (uint64_t i = 0; i < n_ranges && !c->bad; i++) {
		(void)quic_varint(c);	/* Gap */
		(void)quic_varint(c);	/* ACK Range Length */
	}
	if (has_ecn) {
		(void)quic_varint(c);	/* ECT0, ECT1, ECN-CE */
		(void)quic_varint(c);
		(void)quic_varint(c);
	}
}

static void
quic_crypto_frame(struct cursor *c, struct quic_crypto_buf *crypto,
    struct quic_frames *st)
{
	uint64_t off = quic_varint(c);
	uint64_t n = quic_varint(c);
	struct cursor data = quic_sub(c, n);

	if (c->bad)
		return;
	st->n_crypto++;
	if (off + n > QUIC_VARINT_MAX) {	/* RFC 9000 19.6 */
		c->bad = true;
		return;
	}
	if (crypto != NULL)
		st->anomalies |= quic_crypto_add(crypto, off, data.p,
		    cur_left(&data));
}

static void
quic_close_frame(struct cursor *c, bool is_app, struct quic_frames *st)
{
	uint64_t code = quic_varint(c);

	if (!is_app)
		(void)quic_varint(c);	/* Frame Type */
	(void)quic_sub(c, quic_varint(c));	/* Reason Phrase */
	if (c->bad)
		return;
	st->has_close = true;
	st->close_error = code;
	st->anomalies |= QUIC_ANOM_CONN_CLOSE;
}

enum quic_status
quic_parse_frames(const uint8_t *payload, size_t len,
    struct quic_crypto_buf *crypto, struct quic_frames *st)
{
	struct cursor c;

	if (len == 0) {
		st->anomalies |= QUIC_ANOM_NO_FRAMES;
		return QUIC_MALFORMED;
	}
	c = cur_init(payload, len);
	while (cur_left(&c) > 0) {
		uint64_t type = quic_varint(&c);

		switch (type) {
		case 0x00:				/* PADDING */
			st->n_padding++;
			while (cur_left(&c) > 0 && cur_peek(&c, 0) == 0) {
				cur_skip(&c, 1);
				st->n_padding++;
			}
			break;
		case 0x01:				/* PING */
			st->n_ping++;
			break;
		case 0x02:				/* ACK */
		case 0x03:				/* ACK with ECN */
			quic_skip_ack(&c, type == 0x03);
			if (!c.bad)
				st->n_ack++;
			break;
		case 0x06:				/* CRYPTO */
			quic_crypto_frame(&c, crypto, st);
			break;
		case 0x1c:				/* CONNECTION_CLOSE */
		case 0x1d:		/* application close: not in Initials */
			quic_close_frame(&c, type == 0x1d, st);
			break;
		default:
			/* RFC 9000 12.4: nothing else may appear in an
			 * Initial, and an unknown frame's length is unknown. */
			if (!c.bad) {
				st->anomalies |= QUIC_ANOM_UNKNOWN_FRAME;
				return QUIC_OK;
			}
			break;
		}
		if (c.bad) {
			st->anomalies |= QUIC_ANOM_FRAME_TRUNCATED;
			return QUIC_MALFORMED;
		}
	}
	return QUIC_OK;
}

/* ---- crypto ----------------------------------------------------------- */

struct quic_ctx *
quic_ctx_new(void)
{
	struct quic_ctx *ctx = calloc(1, sizeof(*ctx));
	EVP_CIPHER *gcm = NULL, *ecb = NULL;

	if (ctx == NULL)
		return NULL;
	gcm = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
	ecb = EVP_CIPHER_fetch(NULL, "AES-128-ECB", NULL);
	ctx->aead = EVP_CIPHER_CTX_new();
	ctx->hp = EVP_CIPHER_CTX_new();
	if (ctx->aead == NULL || ctx->hp == NULL || gcm == NULL ||
	    ecb == NULL ||
	    EVP_DecryptInit_ex(ctx->aead, gcm, NULL, NULL, NULL) != 1 ||
	    EVP_EncryptInit_ex(ctx->hp, ecb, NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_set_padding(ctx->hp, 0) != 1) {
		quic_ctx_free(ctx);
		ctx = NULL;
	}
	/* The contexts hold their own references. */
	EVP_CIPHER_free(gcm);
	EVP_CIPHER_free(ecb);
	return ctx;
}

void
quic_ctx_free(struct quic_ctx *ctx)
{
	if (ctx == NULL)
		return;
	EVP_CIPHER_CTX_free(ctx->aead);
	EVP_CIPHER_CTX_free(ctx->hp);
	OPENSSL_cleanse(ctx->scratch, sizeof(ctx->scratch));
	free(ctx);
}

/* HKDF-Extract (RFC 5869 2.2): PRK = HMAC-SHA-256(salt, IKM). */
static int
quic_hkdf_extract(const uint8_t *salt, size_t salt_len, const uint8_t *ikm,
    size_t ikm_len, uint8_t prk[32])
{
	return hkdf_hmac(32, salt, salt_len, ikm, ikm_len, NULL, 0, prk);
}

/* HKDF-Expand-Label (RFC 8446 7.1) with an empty context, SHA-256. */
static int
quic_expand_label(const uint8_t secret[32], const char *label, uint8_t *out,
    size_t out_len)
{
	return hkdf_expand_label(32, secret, label, out, out_len);
}

int
quic_keys_derive(struct quic_ctx *ctx, uint32_t version, const uint8_t *dcid,
    size_t dcid_len, struct quic_keys *keys)
{
	return quic_keys_derive_side(ctx, version, dcid, dcid_len, false, keys);
}

int
quic_keys_derive_side(struct quic_ctx *ctx, uint32_t version,
    const uint8_t *dcid, size_t dcid_len, bool server, struct quic_keys *keys)
{
	const struct quic_version_desc *v = quic_version_find(version);
	uint8_t initial[32], client[32];
	int rc = -1;

	(void)ctx;			/* the derivation needs none */
	memset(keys, 0, sizeof(*keys));
	keys->largest_pn = -1;
	if (v == NULL || dcid_len > QUIC_CID_MAX)
		return -1;
	if (quic_hkdf_extract(v->salt, sizeof(v->salt), dcid, dcid_len,
	    initial) == 0 &&
	    quic_expand_label(initial, server ? "server in" : "client in",
	    client, 32) == 0 &&
	    quic_expand_label(client, v->key_label, keys->key, 16) == 0 &&
	    quic_expand_label(client, v->iv_label, keys->iv, 12) == 0 &&
	    quic_expand_label(client, v->hp_label, keys->hp, 16) == 0) {
		keys->is_valid = true;
		keys->version = version;
		keys->dcid_len = (uint8_t)dcid_len;
		memcpy(keys->dcid, dcid, dcid_len);
		rc = 0;
	}
	OPENSSL_cleanse(initial, sizeof(initial));
	OPENSSL_cleanse(client, sizeof(client));
	return rc;
}

/* RFC 9000 A.3: the packet number closest to largest + 1. */
static uint64_t
quic_decode_pn(int64_t largest, uint64_t truncated, unsigned bits)
{
	int64_t expected = largest + 1;
	int64_t win = (int64_t)1 << bits, hwin = win / 2;
	int64_t cand = (expected & ~(win - 1)) | (int64_t)truncated;

	if (cand <= expected - hwin && cand < ((int64_t)1 << 62) - win)
		return (uint64_t)(cand + win);
	if (cand > expected + hwin && cand >= win)
		return (uint64_t)(cand - win);
	return (uint64_t)cand;
}

enum quic_status
quic_decrypt_initial(struct quic_ctx *ctx, struct quic_keys *keys,
    const uint8_t *pkt, const struct quic_long_header *hdr,
    struct quic_plain *out)
{
	size_t pn_off = hdr->pn_offset, ct_len;
	uint8_t mask[32], pn_bytes[4], nonce[12], tag[QUIC_TAG_LEN], b0;
	unsigned pn_len;
	uint64_t tpn = 0, pn;
	int n = 0, m = 0;

	if (!keys->is_valid)
		return QUIC_ERROR;
	if (hdr->type != QUIC_PKT_INITIAL || pn_off == 0 ||
	    hdr->packet_len < pn_off + 4 + QUIC_SAMPLE_LEN ||
	    hdr->packet_len - pn_off > QUIC_SCRATCH_MAX)
		return QUIC_MALFORMED;

	/* RFC 9001 5.4: header protection, sample after a 4-byte PN. */
	if (EVP_EncryptInit_ex(ctx->hp, NULL, NULL, keys->hp, NULL) != 1 ||
	    EVP_EncryptUpdate(ctx->hp, mask, &n, pkt + pn_off + 4,
	    QUIC_SAMPLE_LEN) != 1 || n != QUIC_SAMPLE_LEN)
		return QUIC_ERROR;
	b0 = pkt[0] ^ (mask[0] & 0x0f);
	pn_len = (b0 & 0x03) + 1u;
	for (unsigned i = 0; i < pn_len; i++) {
		pn_bytes[i] = pkt[pn_off + i] ^ mask[1 + i];
		tpn = tpn << 8 | pn_bytes[i];
	}
	if (hdr->packet_len < pn_off + pn_len + QUIC_TAG_LEN)
		return QUIC_MALFORMED;	/* unreachable given the sample */
	pn = quic_decode_pn(keys->largest_pn, tpn, 8 * pn_len);

	/* RFC 9001 5.3: nonce = iv ^ pn; AAD = the unprotected header. */
	memcpy(nonce, keys->iv, sizeof(nonce));
	for (unsigned i = 0; i < 8; i++)
		nonce[11 - i] ^= (uint8_t)(pn >> (8 * i));
	ct_len = hdr->packet_len - pn_off - pn_len - QUIC_TAG_LEN;
	memcpy(tag, pkt + hdr->packet_len - QUIC_TAG_LEN, QUIC_TAG_LEN);
	if (EVP_DecryptInit_ex(ctx->aead, NULL, NULL, keys->key, nonce) != 1 ||
	    EVP_DecryptUpdate(ctx->aead, NULL, &n, &b0, 1) != 1 ||
	    EVP_DecryptUpdate(ctx->aead, NULL, &n, pkt + 1,
	    (int)(pn_off - 1)) != 1 ||
	    EVP_DecryptUpdate(ctx->aead, NULL, &n, pn_bytes,
	    (int)pn_len) != 1 ||
	    EVP_DecryptUpdate(ctx->aead, ctx->scratch, &n,
	    pkt + pn_off + pn_len, (int)ct_len) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx->aead, EVP_CTRL_AEAD_SET_TAG, QUIC_TAG_LEN,
	    tag) != 1)
		return QUIC_ERROR;
	if (EVP_DecryptFinal_ex(ctx->aead, ctx->scratch + n, &m) != 1)
		return QUIC_AUTH_FAILED;

	if ((int64_t)pn > keys->largest_pn)
		keys->largest_pn = (int64_t)pn;
	out->payload = ctx->scratch;
	out->payload_len = (size_t)n + (size_t)m;
	out->pn = pn;
	out->pn_len = (uint8_t)pn_len;
	out->first_byte = b0;
	return QUIC_OK;
}

/* ---- datagrams -------------------------------------------------------- */

static bool
quic_same_cid(const struct quic_keys *keys, const struct quic_long_header *h)
{
	return keys->dcid_len == h->dcid_len &&
	    memcmp(keys->dcid, h->dcid, h->dcid_len) == 0;
}

/* Try keys derived from (version, dcid) on one Initial, continuing the
 * packet number space of *keys; adopt them if they authenticate. */
static enum quic_status
quic_try_rekey(struct quic_ctx *ctx, const uint8_t *pkt,
    const struct quic_long_header *h, const uint8_t *dcid, size_t dcid_len,
    struct quic_keys *keys, struct quic_plain *pl)
{
	struct quic_keys fresh;
	enum quic_status st;

	if (quic_keys_derive(ctx, h->version, dcid, dcid_len, &fresh) != 0)
		return QUIC_ERROR;
	fresh.largest_pn = keys->largest_pn;
	if ((st = quic_decrypt_initial(ctx, &fresh, pkt, h, pl)) == QUIC_OK)
		*keys = fresh;
	return st;
}

/* Decrypt one Initial with the cached keys, deriving them first if there
 * are none.  If cached keys do not fit, try in turn: the packet's version
 * with the original DCID (RFC 9368 compatible version negotiation), then
 * the packet's own DCID (a client restarting after Retry). */
static enum quic_status
quic_open_initial(struct quic_ctx *ctx, const uint8_t *pkt,
    const struct quic_long_header *h, struct quic_keys *keys,
    struct quic_plain *pl, uint32_t *anom)
{
	struct quic_keys old;
	enum quic_status st = QUIC_AUTH_FAILED;

	if (!keys->is_valid) {
		if (quic_keys_derive(ctx, h->version, h->dcid, h->dcid_len,
		    keys) != 0)
			return QUIC_ERROR;
		st = quic_decrypt_initial(ctx, keys, pkt, h, pl);
		if (st != QUIC_OK)
			keys->is_valid = false;	/* maybe not a client's */
		else if (h->dcid_len < 8)
			*anom |= QUIC_ANOM_DCID_SHORT;	/* RFC 9000 7.2 */
		return st;
	}
	if (keys->version == h->version)
		st = quic_decrypt_initial(ctx, keys, pkt, h, pl);
	if (st != QUIC_AUTH_FAILED)
		return st;
	old = *keys;
	if (keys->version != h->version)
		st = quic_try_rekey(ctx, pkt, h, old.dcid, old.dcid_len, keys,
		    pl);
	if (st == QUIC_AUTH_FAILED && !quic_same_cid(&old, h))
		st = quic_try_rekey(ctx, pkt, h, h->dcid, h->dcid_len, keys,
		    pl);
	if (st == QUIC_OK)
		*anom |= QUIC_ANOM_REKEYED;
	return st;
}

/* Decrypt and parse one Initial packet of a datagram. */
static enum quic_status
quic_datagram_initial(struct quic_ctx *ctx, const uint8_t *pkt,
    const struct quic_long_header *h, struct quic_keys *keys,
    struct quic_crypto_buf *crypto, struct quic_datagram *out)
{
	struct quic_plain pl;
	enum quic_status st;

	st = quic_open_initial(ctx, pkt, h, keys, &pl, &out->anomalies);
	if (st == QUIC_AUTH_FAILED) {
		out->n_auth_failed++;
		out->anomalies |= QUIC_ANOM_AUTH_FAILED;
	}
	if (st != QUIC_OK)
		return st;
	if (out->n_initials++ == 0)
		out->token_len = h->token_len;
	out->last_pn = (int64_t)pl.pn;
	if (pl.first_byte & 0x0c)		/* RFC 9000 17.2 */
		out->anomalies |= QUIC_ANOM_RESERVED_BITS;
	(void)quic_parse_frames(pl.payload, pl.payload_len, crypto,
	    &out->frames);
	return QUIC_OK;
}

enum quic_status
quic_parse_datagram(struct quic_ctx *ctx, const uint8_t *buf, size_t len,
    struct quic_keys *keys, struct quic_crypto_buf *crypto,
    struct quic_datagram *out)
{
	struct quic_long_header h;
	enum quic_status st, first = QUIC_NO_INITIAL;
	bool saw_initial = false;
	size_t pos = 0;

	memset(out, 0, sizeof(*out));
	out->last_pn = -1;
	while (pos < len) {
		if (out->n_packets == QUIC_MAX_PACKETS) {
			out->anomalies |= QUIC_ANOM_TOO_MANY_PACKETS;
			break;
		}
		st = quic_parse_long_header(buf + pos, len - pos, &h);
		if (out->n_packets == 0) {
			out->version = h.version;
			out->dcid_len = h.dcid_len;
			memcpy(out->dcid, h.dcid, h.dcid_len);
			out->scid_len = h.scid_len;
			memcpy(out->scid, h.scid, h.scid_len);
			if (st != QUIC_OK)
				return st;
		} else if (st != QUIC_OK) {
			/* A short-header packet may follow; zeros may pad. */
			out->anomalies |= st == QUIC_NOT_MINE ?
			    QUIC_ANOM_TRAILING_BYTES : QUIC_ANOM_BAD_COALESCED;
			break;
		} else if (h.version != out->version) {
			out->anomalies |= QUIC_ANOM_MIXED_VERSIONS;
		}
		out->n_packets++;
		if ((h.first_byte & 0x40) == 0)
			out->anomalies |= QUIC_ANOM_FIXED_BIT_CLEAR;
		if (h.type == QUIC_PKT_INITIAL) {
			st = quic_datagram_initial(ctx, buf + pos, &h, keys,
			    crypto, out);
			if (st == QUIC_ERROR)
				return QUIC_ERROR;
			if (!saw_initial)
				first = st;
			saw_initial = true;
		}
		if (h.packet_len == 0)
			break;			/* cannot happen; be safe */
		pos += h.packet_len;
	}
	out->anomalies |= out->frames.anomalies;
	if (out->n_packets == 0)
		return QUIC_NOT_MINE;		/* empty, or zero-length */
	if (out->n_initials > 0) {
		if (len < QUIC_MIN_INITIAL_DGRAM)
			out->anomalies |= QUIC_ANOM_SHORT_DATAGRAM;
		return QUIC_OK;
	}
	return first;
}

const char *
quic_status_str(enum quic_status st)
{
	switch (st) {
	case QUIC_OK:		return "ok";
	case QUIC_NOT_MINE:	return "not-mine";
	case QUIC_UNSUPPORTED:	return "unsupported";
	case QUIC_NO_INITIAL:	return "no-initial";
	case QUIC_AUTH_FAILED:	return "auth-failed";
	case QUIC_MALFORMED:	return "malformed";
	case QUIC_ERROR:	return "error";
	}
	return "?";
}
