/* analyzers/tls.c: TLS over TCP glue, and the rendering of hello fields
 * shared with the UDP (QUIC, DTLS) glue in tls_udp.c. */
#include "analyzers/tls.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzers/quic.h"
#include "analyzers/tls_decrypt.h"
#include "analyzers/tls_keylog.h"
#include "analyzers/tls_fp.h"
#include "analyzers/tls_record.h"
#include "fmt.h"
#include "mix.h"
#ifdef FP_JA4PLUS
#include "analyzers/ja4s.h"
#include "analyzers/ja4x.h"
#endif

#define TLS_F_IS_TLS		0x01	/* a direction started like TLS */
#define TLS_F_HRR		0x02	/* HelloRetryRequest seen */
#define TLS_F_SSLV2		0x04	/* SSLv2-format ClientHello */
#define TLS_F_CERTS_DONE	0x08
#define TLS_F_SERVER_DONE	0x10
#define TLS_F_MALFORMED		0x20
#define TLS_F_PREAMBLE		0x40	/* proxy or STARTTLS before TLS */
#define TLS_F_NO_PREAMBLE	0x80	/* client stream checked: none */

/* How far into a stream TLS may start after a proxy or STARTTLS preamble,
 * and how much of a stream is looked at before deciding there is none. */
#define TLS_PREAMBLE_MAX	4096

struct tls_flow {
	struct tls_frags fr;
	uint32_t	 hello_anoms;	/* TLS_ANOM_* of all hellos */
	uint32_t	 rec_anoms;	/* TLS_REC_ANOM_* of both directions */
	uint32_t	 hs_pos[2];	/* handshake bytes already handled */
	uint16_t	 tls_off[2];	/* where TLS starts in each stream */
	uint16_t	 server_version;
	uint8_t		 n_client_hellos;
	uint8_t		 n_server_hellos;
	uint8_t		 flags;		/* TLS_F_* */
	uint8_t		 dec_flags;	/* TLS_D_* */
	uint32_t	 dec_slot;	/* struct tls_dec in ctx->dec, or 0 */
};

#define TLS_D_GIVEN		0x01	/* plaintext handed out */
#define TLS_D_FAILED		0x02	/* a record failed its tag */
#define TLS_D_DECRYPTED		0x04	/* application data read */

#ifdef FP_JA4PLUS
/* Rendered certificates: servers show the same few certificates again and
 * again, and decoding one with OpenSSL costs far more than finding it.  A
 * certificate of up to CERT_DER_MAX bytes is found by a fast hash of its
 * DER and kept whole, compared byte for byte, so no collision can give
 * one certificate another's text; a longer one by the first 16 bytes of
 * its DER's SHA-256.  Direct-mapped. */
#define CERT_CACHE_SLOTS	1024
#define CERT_CACHE_TEXT		(2 * JA4X_NAME_MAX + 128)
#define CERT_DER_MAX		4096

struct tls_cert_entry {
	uint64_t	 hash;			/* of der, or 0 */
	uint16_t	 len;			/* 0: empty */
	uint16_t	 der_len;		/* 0: keyed by digest */
	uint8_t		 digest[16];
	char		 text[CERT_CACHE_TEXT];	/* {"ja4x":...} */
	uint8_t		 der[CERT_DER_MAX];
};

struct tls_cert_cache {
	struct tls_cert_entry	 e[CERT_CACHE_SLOTS];
};
#endif

/* The fingerprint members of a ClientHello (ja3 to ja4_ro), rendered, by
 * the fields they are made of: clients send the same hello again and
 * again, and making the strings, sorting, hashing and escaping them costs
 * far more than comparing the fields.  GREASE values are left out of the
 * key, as they are out of every fingerprint.  Direct-mapped; a hello whose
 * key or text does not fit is rendered each time. */
#define HELLO_CACHE_SLOTS	256
#define HELLO_CACHE_KEY		384	/* 16-bit words */
#define HELLO_CACHE_TEXT	1536

enum { HREF_JA3_HASH, HREF_JA4, HREF_JA4_R, HREF_N };

struct tls_hello_entry {
	uint64_t	 hash;
	uint16_t	 key_len;		/* words; 0: empty */
	uint16_t	 text_len;
	struct frag_ref	 ref[HREF_N];		/* offsets in text */
	uint16_t	 key[HELLO_CACHE_KEY];
	char		 text[HELLO_CACHE_TEXT];
};

struct tls_hello_cache {
	struct tls_hello_entry	 e[HELLO_CACHE_SLOTS];
};

struct tls_ctx *
tls_ctx_new(struct frag_pool *frags, uint32_t n_quic_slots)
{
	struct tls_ctx *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->frags = frags;
	if (slab_init(&t->quic, n_quic_slots, sizeof(struct tls_quic_slot)) !=
	    0 ||
	    (t->hs = malloc(TLS_HS_SCRATCH)) == NULL ||
	    (t->hellos = calloc(1, sizeof(*t->hellos))) == NULL ||
#ifdef FP_JA4PLUS
	    (t->x509 = malloc(sizeof(struct ja4x))) == NULL ||
	    (t->certs = calloc(1, sizeof(*t->certs))) == NULL ||
#endif
	    (n_quic_slots && (t->quic_ctx = quic_ctx_new()) == NULL)) {
		tls_ctx_free(t);
		errno = ENOMEM;
		return NULL;
	}
	return t;
}

void
tls_ctx_free(struct tls_ctx *t)
{
	if (t == NULL)
		return;
	slab_free(&t->quic);
	quic_ctx_free(t->quic_ctx);
	slab_free(&t->dec);
	tls_dec_ctx_free(t->dec_ctx);
	tls_fp_thread_cleanup();
	free(t->hs);
	free(t->x509);
	free(t->certs);
	free(t->hellos);
	free(t);
}

void
tls_ctx_stats(const struct tls_ctx *t, FILE *fp)
{
	fprintf(fp, "tls_client_hellos=%llu\n",
	    (unsigned long long)t->n_client_hellos);
	fprintf(fp, "tls_server_hellos=%llu\n",
	    (unsigned long long)t->n_server_hellos);
	fprintf(fp, "tls_malformed=%llu\n", (unsigned long long)t->n_malformed);
	fprintf(fp, "tls_cert_cache_hits=%llu\n",
	    (unsigned long long)t->n_cert_cache_hits);
	fprintf(fp, "tls_cert_cache_misses=%llu\n",
	    (unsigned long long)t->n_cert_cache_misses);
	fprintf(fp, "tls_hello_cache_hits=%llu\n",
	    (unsigned long long)t->n_hello_cache_hits);
	fprintf(fp, "tls_hello_cache_misses=%llu\n",
	    (unsigned long long)t->n_hello_cache_misses);
	if (t->keylog != NULL) {
		fprintf(fp, "tls_keylog_keys=%llu\n",
		    (unsigned long long)t->keylog->n_keys);
		fprintf(fp, "tls_keylog_refused=%llu\n",
		    (unsigned long long)t->keylog->n_refused);
		fprintf(fp, "tls_decrypt_flows=%llu\n",
		    (unsigned long long)t->n_dec_flows);
		fprintf(fp, "tls_decrypted_flows=%llu\n",
		    (unsigned long long)t->n_dec_decrypted);
		fprintf(fp, "tls_decrypt_auth_failed=%llu\n",
		    (unsigned long long)t->n_dec_auth_failed);
		fprintf(fp, "tls_decrypt_unsupported=%llu\n",
		    (unsigned long long)t->n_dec_unsupported);
		fprintf(fp, "tls_decrypt_slots_exhausted=%llu\n",
		    (unsigned long long)t->dec.n_exhausted);
	}
	fprintf(fp, "quic_initials=%llu\n",
	    (unsigned long long)t->n_quic_initials);
	fprintf(fp, "quic_auth_failed=%llu\n",
	    (unsigned long long)t->n_quic_auth_failed);
	fprintf(fp, "quic_slots_exhausted=%llu\n",
	    (unsigned long long)t->quic.n_exhausted);
}

int
tls_ctx_set_keylog(struct tls_ctx *t, const struct tls_keylog *kl,
    uint32_t n_slots)
{
	if (slab_init(&t->dec, n_slots, sizeof(struct tls_dec)) != 0)
		return -1;
	if ((t->dec_ctx = tls_dec_ctx_new()) == NULL) {
		slab_free(&t->dec);
		memset(&t->dec, 0, sizeof(t->dec));
		return -1;
	}
	t->keylog = kl;
	return 0;
}

/* "TLS 1.3", "DTLS 1.2", "SSL 3.0", or the value in hex. */
static void
json_version(struct json *j, const char *key, uint16_t v)
{
	static const struct {
		uint16_t	 v;
		const char	*name;
	} names[] = {
		{ 0x0002, "SSL 2.0" }, { 0x0300, "SSL 3.0" },
		{ 0x0301, "TLS 1.0" }, { 0x0302, "TLS 1.1" },
		{ 0x0303, "TLS 1.2" }, { 0x0304, "TLS 1.3" },
		{ 0xfeff, "DTLS 1.0" }, { 0xfefd, "DTLS 1.2" },
		{ 0xfefc, "DTLS 1.3" },
	};
	char buf[16];
	struct fmt f = fmt_init(buf, sizeof(buf));

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (names[i].v == v) {
			json_str(j, key, names[i].name);
			return;
		}
	}
	fmt_str(&f, "0x");
	fmt_hex(&f, v, 4);
	json_strn(j, key, buf, fmt_end(&f));
}

static void
json_hex16(struct json *j, const char *key, uint16_t v)
{
	char buf[8];
	struct fmt f = fmt_init(buf, sizeof(buf));

	fmt_str(&f, "0x");
	fmt_hex(&f, v, 4);
	json_strn(j, key, buf, fmt_end(&f));
}

static bool
side_open(struct tls_ctx *t, struct tls_frags *fr, int side, struct json *j)
{
	return frag_open(t->frags, &fr->side[side], j);
}

static bool
side_close(struct tls_ctx *t, struct tls_frags *fr, int side,
    const struct json *j)
{
	return frag_close(t->frags, &fr->side[side], j);
}

/* The ALPN list; where its first name lies goes to *first if not NULL. */
static void
render_alpn(struct json *j, const char *key, const struct tls_alpn *a,
    size_t n, struct frag_ref *first)
{
	json_arr_open(j, key);
	for (size_t i = 0; i < n; i++) {
		json_strn(j, NULL, (const char *)a[i].name, a[i].len);
		if (i == 0 && first != NULL)
			frag_ref_last(j, a[i].len, first);
	}
	json_arr_close(j);
}

/* Append v[0..n) without GREASE to the key, after its count; false if
 * the key is full. */
static bool
key_list(uint16_t *key, size_t *len, const uint16_t *v, size_t n)
{
	size_t at = (*len)++, m = 0;

	if (at >= HELLO_CACHE_KEY)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (tls_is_grease(v[i]))
			continue;
		if (*len >= HELLO_CACHE_KEY)
			return false;
		key[(*len)++] = v[i];
		m++;
	}
	key[at] = (uint16_t)m;
	return true;
}

/* The key of ch's fingerprints: every field tls_fp_ja3() and
 * tls_fp_ja4_pair() read.  Returns its length in words, 0 if too long. */
static size_t
hello_key(const struct tls_client_hello *ch, char proto, uint16_t *key)
{
	uint16_t pf[TLS_MAX_POINT_FORMATS];
	char alpn[3];
	size_t len = 4;

	tls_fp_alpn_code(ch->n_alpn > 0 ? &ch->alpn[0] : NULL, alpn);
	key[0] = (uint16_t)((uint8_t)proto << 8 | ch->has_sni);
	key[1] = ch->legacy_version;
	key[2] = (uint16_t)((uint8_t)alpn[0] << 8 | (uint8_t)alpn[1]);
	key[3] = 0;
	for (size_t i = 0; i < ch->n_point_formats; i++)
		pf[i] = (uint16_t)(0x100 | ch->point_formats[i]);
	if (!key_list(key, &len, ch->ciphers, ch->n_ciphers) ||
	    !key_list(key, &len, ch->extensions, ch->n_extensions) ||
	    !key_list(key, &len, ch->groups, ch->n_groups) ||
	    !key_list(key, &len, pf, ch->n_point_formats) ||
	    !key_list(key, &len, ch->sig_algs, ch->n_sig_algs) ||
	    !key_list(key, &len, ch->versions, ch->n_versions))
		return 0;
	return len;
}

/* Render the fingerprint members of ch with j; where the values that the
 * verdict reads back lie goes to ref[]. */
static void
render_fingerprints(struct json *j, const struct tls_client_hello *ch,
    char proto, struct frag_ref ref[HREF_N])
{
	char buf[TLS_FP_JA3_MAX + TLS_FP_JA4_RAW_MAX];
	char hash[TLS_FP_JA4_LEN + TLS_FP_MD5_HEX_LEN + 1];
	size_t n;

	n = tls_fp_ja3(ch, buf, sizeof(buf));
	json_strn(j, "ja3", buf, n < sizeof(buf) ? n : sizeof(buf) - 1);
	/* The hash of the string just made (made again if it was cut). */
	n = n < sizeof(buf) ? tls_fp_md5_hex(buf, n, hash, sizeof(hash)) :
	    tls_fp_ja3_md5(ch, hash, sizeof(hash));
	json_strn(j, "ja3_hash", hash, n);
	frag_ref_last(j, n, &ref[HREF_JA3_HASH]);
	for (int orig = 0; orig < 2; orig++) {
		size_t raw_n;

		n = tls_fp_ja4_pair(ch, proto, orig, hash, sizeof(hash), buf,
		    sizeof(buf), &raw_n);
		n = n < sizeof(hash) ? n : sizeof(hash) - 1;
		raw_n = raw_n < sizeof(buf) ? raw_n : sizeof(buf) - 1;
		json_strn(j, orig ? "ja4_o" : "ja4", hash, n);
		if (!orig)
			frag_ref_last(j, n, &ref[HREF_JA4]);
		json_strn(j, orig ? "ja4_ro" : "ja4_r", buf, raw_n);
		if (!orig)
			frag_ref_last(j, raw_n, &ref[HREF_JA4_R]);
	}
}

/* The fingerprint members of ch, from the cache or rendered into it, then
 * added to j with their refs. */
static void
add_fingerprints(struct tls_ctx *t, struct json *j,
    const struct tls_client_hello *ch, char proto, struct frag_ref ref[HREF_N])
{
	uint16_t key[HELLO_CACHE_KEY];
	struct tls_hello_entry *e;
	size_t klen = hello_key(ch, proto, key), base;
	uint64_t h;
	struct json ej;

	if (klen == 0) {
		render_fingerprints(j, ch, proto, ref);
		return;
	}
	h = mix64_bytes(key, klen * sizeof(key[0]));
	e = &t->hellos->e[h % HELLO_CACHE_SLOTS];
	if (e->key_len == klen && e->hash == h &&
	    memcmp(e->key, key, klen * sizeof(key[0])) == 0) {
		t->n_hello_cache_hits++;
	} else {
		t->n_hello_cache_misses++;
		e->key_len = 0;
		json_init_members(&ej, e->text, sizeof(e->text));
		render_fingerprints(&ej, ch, proto, e->ref);
		if (ej.overflow) {
			render_fingerprints(j, ch, proto, ref);
			return;
		}
		e->text_len = (uint16_t)ej.len;
		e->hash = h;
		memcpy(e->key, key, klen * sizeof(key[0]));
		e->key_len = (uint16_t)klen;
	}
	json_members(j, e->text, e->text_len);
	if (j->overflow) {
		memset(ref, 0, HREF_N * sizeof(ref[0]));
		return;
	}
	base = j->len - e->text_len;
	for (int i = 0; i < HREF_N; i++) {
		ref[i] = e->ref[i];
		if (ref[i].len != 0 && base + ref[i].off <= UINT16_MAX)
			ref[i].off = (uint16_t)(base + ref[i].off);
		else
			ref[i].off = ref[i].len = 0;
	}
}

bool
tls_render_client(struct tls_ctx *t, struct tls_frags *fr,
    const struct tls_client_hello *ch, char proto)
{
	struct frag_ref ref[HREF_N];
	struct json j;

	if (!side_open(t, fr, 0, &j))
		return false;
	if (ch->has_sni)
		json_strn(&j, "sni", ch->sni, ch->sni_len);
	if (ch->has_alpn)
		render_alpn(&j, "alpn", ch->alpn, ch->n_alpn, &fr->alpn);
	json_version(&j, "legacy_version", ch->legacy_version);
	if (ch->has_supported_versions) {
		json_arr_open(&j, "supported_versions");
		for (size_t i = 0; i < ch->n_versions; i++)
			if (!tls_is_grease(ch->versions[i]))
				json_version(&j, NULL, ch->versions[i]);
		json_arr_close(&j);
	}
	json_u64(&j, "ciphers", ch->n_ciphers);
	json_u64(&j, "extensions", ch->n_extensions);
	if (ch->has_grease)
		json_bool(&j, "grease", true);
	if (ch->has_ech)
		json_bool(&j, "ech", true);
	add_fingerprints(t, &j, ch, proto, ref);
	fr->ja3_hash = ref[HREF_JA3_HASH];
	fr->ja4 = ref[HREF_JA4];
	fr->ja4_r = ref[HREF_JA4_R];
	fr->has_grease = ch->has_grease;
	t->n_client_hellos++;
	return side_close(t, fr, 0, &j);
}

bool
tls_render_server(struct tls_ctx *t, struct tls_frags *fr,
    const struct tls_server_hello *sh, char proto)
{
	char buf[TLS_FP_JA3S_MAX + 64];
	struct json j;
	size_t n;

	if (!side_open(t, fr, 1, &j))
		return false;
	json_version(&j, "version", sh->selected_version ?
	    sh->selected_version : sh->legacy_version);
	json_hex16(&j, "cipher", sh->cipher);
	if (sh->has_alpn)
		render_alpn(&j, "server_alpn", &sh->alpn, 1, NULL);
	n = tls_fp_ja3s(sh, buf, sizeof(buf));
	json_strn(&j, "ja3s", buf, n < sizeof(buf) ? n : sizeof(buf) - 1);
	n = tls_fp_ja3s_md5(sh, buf, sizeof(buf));
	json_strn(&j, "ja3s_hash", buf, n);
#ifdef FP_JA4PLUS
	n = ja4s_format(sh, proto, false, buf, sizeof(buf));
	json_strn(&j, "ja4s", buf, n < sizeof(buf) ? n : sizeof(buf) - 1);
	n = ja4s_format(sh, proto, true, buf, sizeof(buf));
	json_strn(&j, "ja4s_r", buf, n < sizeof(buf) ? n : sizeof(buf) - 1);
#endif
	t->n_server_hellos++;
	return side_close(t, fr, 1, &j);
}

#ifdef FP_JA4PLUS
/* The cache entry of one certificate, rendered if it was not there. */
static const struct tls_cert_entry *
cert_lookup(struct tls_ctx *t, const uint8_t *der, size_t len)
{
	struct tls_cert_entry *e;
	struct ja4x *x = t->x509;
	uint8_t d[32];
	uint64_t h = 0;
	bool whole = len > 0 && len <= CERT_DER_MAX;
	struct json j;

	if (whole) {
		h = mix64_bytes(der, len);
		e = &t->certs->e[h % CERT_CACHE_SLOTS];
		if (e->len != 0 && e->der_len == len && e->hash == h &&
		    memcmp(e->der, der, len) == 0) {
			t->n_cert_cache_hits++;
			return e;
		}
	} else {
		if (!tls_fp_sha256(der, len, d))
			return NULL;
		e = &t->certs->e[((uint32_t)d[0] << 8 | d[1]) %
		    CERT_CACHE_SLOTS];
		if (e->len != 0 && e->der_len == 0 &&
		    memcmp(e->digest, d, sizeof(e->digest)) == 0) {
			t->n_cert_cache_hits++;
			return e;
		}
	}
	t->n_cert_cache_misses++;
	json_init(&j, e->text, sizeof(e->text));
	json_obj_open(&j, NULL);
	if (ja4x_from_der(der, len, x) == TLS_OK) {
		json_str(&j, "ja4x", x->ja4x);
		json_str(&j, "issuer", x->issuer);
		json_str(&j, "subject", x->subject);
	} else {
		json_bool(&j, "malformed", true);
	}
	json_obj_close(&j);
	if (j.overflow || j.len > UINT16_MAX) {
		e->len = 0;
		return NULL;
	}
	if (whole) {
		e->hash = h;
		e->der_len = (uint16_t)len;
		memcpy(e->der, der, len);
	} else {
		e->hash = 0;
		e->der_len = 0;
		memcpy(e->digest, d, sizeof(e->digest));
	}
	e->len = (uint16_t)j.len;
	return e;
}
#endif

void
tls_render_certs(struct tls_ctx *t, struct tls_frags *fr, const uint8_t *body,
    const struct tls_certificate *certs)
{
#ifdef FP_JA4PLUS
	struct json j;

	if (t->x509 == NULL || t->certs == NULL || certs->n_certs == 0 ||
	    !side_open(t, fr, 1, &j))
		return;
	json_arr_open(&j, "certificates");
	for (unsigned i = 0; i < certs->n_certs; i++) {
		const struct tls_cert_entry *e = cert_lookup(t,
		    body + certs->certs[i].off, certs->certs[i].len);

		if (e != NULL)
			json_raw(&j, NULL, e->text, e->len);
	}
	json_arr_close(&j);
	side_close(t, fr, 1, &j);
#else
	(void)t, (void)fr, (void)body, (void)certs;
#endif
}

void
tls_emit_frags(const struct tls_ctx *t, const struct tls_frags *fr,
    struct json *j)
{
	for (int side = 0; side < 2; side++)
		frag_emit(t->frags, &fr->side[side], j);
}

void
tls_frags_evidence(const struct tls_ctx *t, const struct tls_frags *fr,
    struct evidence *ev)
{
	const struct frag *c = &fr->side[0];
	size_t n;
	const char *s;

	if (t == NULL || c->slot == 0 || fr->ja4.len == 0)
		return;
	ev->have |= EV_TLS;
	s = frag_ref_get(t->frags, c, &fr->ja4, &n);
	ev_str_set(&ev->ja4, s, n);
	s = frag_ref_get(t->frags, c, &fr->ja4_r, &n);
	ev_str_set(&ev->ja4_r, s, n);
	s = frag_ref_get(t->frags, c, &fr->ja3_hash, &n);
	ev_str_set(&ev->ja3_hash, s, n);
	s = frag_ref_get(t->frags, c, &fr->alpn, &n);
	ev_str_set(&ev->alpn, s, n);
	ev->tls_grease = fr->has_grease;
}

void
tls_release_frags(struct tls_ctx *t, struct tls_frags *fr)
{
	frag_release(t->frags, &fr->side[0]);
	frag_release(t->frags, &fr->side[1]);
	memset(&fr->ja4, 0, sizeof(fr->ja4));
	fr->ja4_r = fr->ja3_hash = fr->alpn = fr->ja4;
}

void
tls_emit_anomalies(struct json *j, const char *key, uint32_t hello,
    uint32_t rec)
{
	static const char *const names[] = {
		/* TLS_ANOM_*, bits 0-19 */
		"truncated", "trailing_bytes", "odd_length", "ciphers_cap",
		"extensions_cap", "list_cap", "extension_truncated",
		"extension_duplicate", "extension_bad", "session_id_long",
		"no_ciphers", "no_null_compression", "sni_bad", "alpn_bad",
		"psk_not_last", "sslv2", "empty_extensions", "bad_version",
		"downgrade", "empty_certificate",
		/* TLS_REC_ANOM_*, shifted to bits 20-28 */
		"sslv2_hello", "handshake_overflow", "record_bad_type",
		"record_bad_version", "record_too_long", "empty_handshake",
		"dtls_fragments", "heartbeat", "warning_alert",
	};

	json_anomalies(j, key, (hello & 0xfffffu) | (rec & 0x1ffu) << 20,
	    names, sizeof(names) / sizeof(names[0]));
}

/* A second ClientHello (after HelloRetryRequest): its JA4 beside the
 * first's, which fingerprints the flow. */
static void
render_retry(struct tls_ctx *t, struct tls_flow *st,
    const struct tls_client_hello *ch)
{
	char buf[TLS_FP_JA4_LEN + 1];
	struct json j;

	if (st->fr.side[0].slot == 0 || !side_open(t, &st->fr, 0, &j))
		return;
	tls_fp_ja4(ch, 't', TLS_FP_JA4, buf, sizeof(buf));
	json_str(&j, "retry_ja4", buf);
	side_close(t, &st->fr, 0, &j);
}

/* The client random is in the key log: take a decryption slot. */
static void
dec_open(struct tls_ctx *t, struct tls_flow *st,
    const struct tls_client_hello *ch)
{
	const struct tls_keylog_entry *e;

	if (t->keylog == NULL || st->dec_slot != 0 ||
	    (e = tls_keylog_find(t->keylog, ch->random)) == NULL)
		return;
	t->n_dec_flows++;
	if ((st->dec_slot = slab_alloc(&t->dec)) != 0) {
		struct tls_dec *d = slab_ptr(&t->dec, st->dec_slot);

		tls_dec_init(d, e);
		d->early_data = ch->has_early_data;
	}
}

/* The ServerHello (not a HelloRetryRequest) chose the version and suite:
 * derive the keys. */
static void
dec_start(struct tls_ctx *t, struct tls_flow *st,
    const struct tls_server_hello *sh)
{
	struct tls_dec *d = slab_ptr(&t->dec, st->dec_slot);
	uint16_t version = sh->selected_version ? sh->selected_version :
	    sh->legacy_version;

	if (d == NULL || d->phase != TLS_DEC_WAIT)
		return;
	if (tls_dec_start(t->dec_ctx, d, version, sh->cipher,
	    sh->random) != 0)
		t->n_dec_unsupported++;
}

/* The client's records after the handshake.  True while more may be
 * decrypted. */
static bool
dec_client(struct an_ctx *ctx, struct tls_flow *st, const uint8_t *buf,
    size_t len)
{
	struct tls_ctx *t = ctx->tls;
	struct tls_dec *d = slab_ptr(&t->dec, st->dec_slot);
	enum tls_dec_phase ph;

	if (d == NULL)
		return false;
	if (d->phase == TLS_DEC_WAIT)
		return true;
	ph = tls_dec_feed(t->dec_ctx, d, buf, len);
	if (d->plain_len > 0 && !(st->dec_flags & TLS_D_DECRYPTED)) {
		st->dec_flags |= TLS_D_DECRYPTED;
		t->n_dec_decrypted++;
	}
	if (ph == TLS_DEC_FAILED && !(st->dec_flags & TLS_D_FAILED)) {
		st->dec_flags |= TLS_D_FAILED;
		t->n_dec_auth_failed++;
		ctx->n_anomalies++;
	}
	return ph == TLS_DEC_HS || ph == TLS_DEC_APP;
}

/* TLS 1.3: the server's encrypted handshake, for its certificates.  True
 * while more of it may come. */
static bool
dec_server(struct an_ctx *ctx, struct tls_flow *st, const uint8_t *buf,
    size_t len)
{
	struct tls_ctx *t = ctx->tls;
	struct tls_dec *d = slab_ptr(&t->dec, st->dec_slot);
	struct tls_certificate certs;
	enum tls_dec_phase ph;
	struct tls_hs_msg m;
	size_t pos = 0;

	if (d == NULL || d->s_phase != TLS_DEC_HS)
		return false;
	ph = tls_dec_feed_server(t->dec_ctx, d, buf, len);
	if (ph == TLS_DEC_FAILED && !(st->dec_flags & TLS_D_FAILED)) {
		st->dec_flags |= TLS_D_FAILED;
		t->n_dec_auth_failed++;
		ctx->n_anomalies++;
	}
	while (!(st->flags & TLS_F_CERTS_DONE) && st->fr.side[1].slot != 0 &&
	    tls_hs_next(d->s_hs, d->s_hs_len, &pos, &m) == TLS_OK) {
		if (m.type != TLS_HS_CERTIFICATE)
			continue;
		st->flags |= TLS_F_CERTS_DONE;
		tls_parse_certificate(m.body, m.len, true, &certs);
		st->hello_anoms |= certs.anomalies;
		tls_render_certs(t, &st->fr, m.body, &certs);
	}
	return ph == TLS_DEC_HS;
}

const uint8_t *
tls_plaintext(void *state, struct an_ctx *ctx, int dir, size_t *len,
    bool *first)
{
	struct tls_flow *st = state;
	struct tls_dec *d;

	*len = 0;
	*first = false;
	if (dir != AN_DIR_CLIENT || ctx->tls == NULL || st->dec_slot == 0)
		return NULL;
	d = slab_ptr(&ctx->tls->dec, st->dec_slot);
	if (d->plain_len == 0)
		return NULL;
	*len = d->plain_len;
	if (!(st->dec_flags & TLS_D_GIVEN)) {
		st->dec_flags |= TLS_D_GIVEN;
		*first = true;
	}
	return d->plain;
}

static void
client_msg(struct tls_ctx *t, struct tls_flow *st, const struct tls_hs_msg *m)
{
	if (m->type != TLS_HS_CLIENT_HELLO || st->n_client_hellos == 255)
		return;
	st->n_client_hellos++;
	if (tls_parse_client_hello(m->body, m->len, &t->ch) != TLS_OK) {
		st->flags |= TLS_F_MALFORMED;
		t->n_malformed++;
	}
	st->hello_anoms |= t->ch.anomalies;
	if (st->n_client_hellos == 1) {
		tls_render_client(t, &st->fr, &t->ch, 't');
		dec_open(t, st, &t->ch);
	}
	else if (st->n_client_hellos == 2)
		render_retry(t, st, &t->ch);
}

static void
server_msg(struct tls_ctx *t, struct tls_flow *st, const struct tls_hs_msg *m)
{
	if (m->type == TLS_HS_SERVER_HELLO && st->n_server_hellos < 255) {
		st->n_server_hellos++;
		if (tls_parse_server_hello(m->body, m->len, &t->sh) !=
		    TLS_OK) {
			st->flags |= TLS_F_MALFORMED;
			t->n_malformed++;
		}
		st->hello_anoms |= t->sh.anomalies;
		if (t->sh.is_hrr)
			st->flags |= TLS_F_HRR;
		else
			dec_start(t, st, &t->sh);
		/* The first ServerHello fingerprints the flow, a
		 * HelloRetryRequest included (as the JA3S and JA4S
		 * references do); the hello after it changes nothing. */
		if (st->fr.side[1].slot != 0)
			return;
		st->server_version = t->sh.selected_version ?
		    t->sh.selected_version : t->sh.legacy_version;
		tls_render_server(t, &st->fr, &t->sh, 't');
		/* TLS 1.3 encrypts the certificates: nothing more to see. */
		if (st->server_version == 0x0304)
			st->flags |= TLS_F_SERVER_DONE;
		return;
	}
	if (m->type == TLS_HS_CERTIFICATE && !(st->flags & TLS_F_CERTS_DONE) &&
	    st->fr.side[1].slot != 0) {
		struct tls_certificate certs;

		st->flags |= TLS_F_CERTS_DONE | TLS_F_SERVER_DONE;
		tls_parse_certificate(m->body, m->len, false, &certs);
		st->hello_anoms |= certs.anomalies;
		tls_render_certs(t, &st->fr, m->body, &certs);
	}
}

static bool
has_prefix_ci(const uint8_t *buf, size_t len, const char *p)
{
	size_t n = strlen(p);

	if (len < n)
		return false;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = buf[i];

		if (c >= 'a' && c <= 'z')
			c = (uint8_t)(c - 'a' + 'A');
		if (c != (uint8_t)p[i])
			return false;
	}
	return true;
}

/* Does the client's stream open with a plaintext exchange that TLS then
 * follows: an HTTP CONNECT, a SOCKS 4 or 5 greeting, or a STARTTLS-style
 * command (SMTP, IMAP, POP3, XMPP, FTP AUTH TLS)? */
static bool
client_preamble(const uint8_t *buf, size_t len)
{
	static const char *const cmds[] = { "STARTTLS", "STLS", "AUTH TLS",
	    "<STARTTLS" };

	if (len >= 2 && ((buf[0] == 4 && buf[1] == 1) ||
	    (buf[0] == 5 && buf[1] >= 1 && buf[1] <= 9)))
		return true;
	if (has_prefix_ci(buf, len, "CONNECT "))
		return true;
	if (len > TLS_PREAMBLE_MAX)
		len = TLS_PREAMBLE_MAX;
	for (size_t i = 0; i < len; i++) {
		if (i > 0 && buf[i - 1] != '\n' && buf[i - 1] != ' ' &&
		    buf[i - 1] != '>')
			continue;
		for (size_t k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++)
			if (has_prefix_ci(buf + i, len - i, cmds[k]))
				return true;
	}
	return false;
}

/* Offset of the first plausible TLS handshake record carrying a message
 * of type hs_type within buf[0..len), or -1. */
static long
find_tls_start(const uint8_t *buf, size_t len, uint8_t hs_type)
{
	if (len > TLS_PREAMBLE_MAX)
		len = TLS_PREAMBLE_MAX;
	for (size_t i = 0; i + 10 <= len; i++) {
		uint32_t rlen = (uint32_t)buf[i + 3] << 8 | buf[i + 4];

		if (buf[i] == TLS_CT_HANDSHAKE && buf[i + 1] == 3 &&
		    buf[i + 2] <= 4 && rlen >= 4 && rlen <= TLS_RECORD_MAX_LEN &&
		    buf[i + 5] == hs_type && buf[i + 6] == 0 &&
		    buf[i + 9] == 3)
			return (long)i;
	}
	return -1;
}

/* Plain text lines so far: a command exchange that may turn to TLS. */
static bool
is_text(const uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((buf[i] < 0x20 || buf[i] > 0x7e) && buf[i] != '\r' &&
		    buf[i] != '\n' && buf[i] != '\t')
			return false;
	return true;
}

/* An HTTP request (other than CONNECT) never turns into TLS. */
static bool
is_http_request(const uint8_t *buf, size_t len)
{
	static const char *const methods[] = { "GET ", "POST ", "HEAD ",
	    "PUT ", "DELETE ", "OPTIONS ", "PATCH ", "TRACE " };

	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (has_prefix_ci(buf, len, methods[i]))
			return true;
	return false;
}

/* Find where TLS starts in a stream that does not begin with it.  Returns
 * 1 found (st->tls_off[dir] set), 0 not yet, -1 never. */
static int
locate_tls(struct tls_flow *st, int dir, const uint8_t *buf, size_t len)
{
	long off;

	if (dir == AN_DIR_CLIENT && !(st->flags & (TLS_F_PREAMBLE |
	    TLS_F_NO_PREAMBLE))) {
		if (client_preamble(buf, len))
			st->flags |= TLS_F_PREAMBLE;
		else if (len >= TLS_PREAMBLE_MAX || !is_text(buf, len) ||
		    is_http_request(buf, len))
			st->flags |= TLS_F_NO_PREAMBLE;
	}
	if (st->flags & TLS_F_NO_PREAMBLE)
		return -1;
	if (st->flags & TLS_F_PREAMBLE) {
		off = find_tls_start(buf, len, dir == AN_DIR_CLIENT ?
		    TLS_HS_CLIENT_HELLO : TLS_HS_SERVER_HELLO);
		if (off > 0) {
			st->tls_off[dir] = (uint16_t)off;
			return 1;
		}
	}
	/* The server may speak first (SMTP); wait for the client to tell,
	 * within bounds. */
	return len >= TLS_PREAMBLE_MAX ? -1 : 0;
}

static bool
tls_stream(void *state, struct an_ctx *ctx, int dir, const uint8_t *buf,
    size_t len)
{
	struct tls_flow *st = state;
	struct tls_ctx *t = ctx->tls;
	struct tls_record_state rs;
	struct tls_hs_msg m;
	enum tls_status rc;
	size_t pos;

	if (t == NULL)
		return false;
	/* Walk from the first byte every time: the bytes gathered so far
	 * are the same, so positions handled before stay valid. */
	if (st->tls_off[dir] == 0 && tls_record_probe(buf, len) ==
	    TLS_NOT_TLS) {
		int found = locate_tls(st, dir, buf, len);

		if (found <= 0)
			return found == 0;
	}
	buf += st->tls_off[dir];
	len -= st->tls_off[dir];
	tls_record_init(&rs, t->hs, TLS_HS_SCRATCH);
	rc = tls_record_feed(&rs, buf, len);
	if (rc == TLS_NOT_TLS)
		return false;
	if (rs.is_tls)
		st->flags |= TLS_F_IS_TLS;
	st->rec_anoms |= rs.anomalies;
	if (rs.is_sslv2) {
		if (dir == AN_DIR_CLIENT && st->n_client_hellos == 0) {
			st->n_client_hellos = 1;
			st->flags |= TLS_F_SSLV2;
			if (tls_parse_sslv2_client_hello(rs.hs_buf, rs.hs_len,
			    &t->ch) == TLS_OK)
				tls_render_client(t, &st->fr, &t->ch, 't');
			st->hello_anoms |= t->ch.anomalies;
		}
		return false;
	}
	pos = st->hs_pos[dir];
	while (tls_hs_next(rs.hs_buf, rs.hs_len, &pos, &m) == TLS_OK) {
		if (dir == AN_DIR_CLIENT)
			client_msg(t, st, &m);
		else
			server_msg(t, st, &m);
	}
	st->hs_pos[dir] = (uint32_t)pos;
	if (st->dec_slot != 0 && (dir == AN_DIR_CLIENT ?
	    dec_client(ctx, st, buf, len) : dec_server(ctx, st, buf, len)))
		return true;
	if (rc != TLS_NEED_MORE)
		return false;
	if (dir == AN_DIR_CLIENT)
		return st->n_client_hellos < 2;
	return !(st->flags & TLS_F_SERVER_DONE);
}

static bool
tls_has_output(const void *state)
{
	const struct tls_flow *st = state;

	return (st->flags & TLS_F_IS_TLS) && (st->n_client_hellos ||
	    st->n_server_hellos);
}

static void
tls_emit(const void *state, const struct an_ctx *ctx, const struct flow *f,
    struct json *j)
{
	const struct tls_flow *st = state;

	(void)f;
	json_obj_open(j, "tls");
	json_str(j, "transport", "tcp");
	if (ctx->tls != NULL)
		tls_emit_frags(ctx->tls, &st->fr, j);
	if (st->n_client_hellos > 1)
		json_u64(j, "client_hellos", st->n_client_hellos);
	if (st->flags & TLS_F_HRR)
		json_bool(j, "hello_retry_request", true);
	if (st->flags & TLS_F_SSLV2)
		json_bool(j, "sslv2_hello", true);
	if (st->flags & TLS_F_MALFORMED)
		json_bool(j, "malformed", true);
	if (st->tls_off[0] || st->tls_off[1])
		json_bool(j, "after_preamble", true);
	if (st->dec_flags & TLS_D_DECRYPTED)
		json_bool(j, "decrypted", true);
	if (st->dec_flags & TLS_D_FAILED)
		json_bool(j, "decrypt_failed", true);
	tls_emit_anomalies(j, "anomalies", st->hello_anoms, st->rec_anoms);
	json_obj_close(j);
}

static void
tls_end(void *state, struct an_ctx *ctx)
{
	struct tls_flow *st = state;

	if (ctx->tls != NULL)
		tls_release_frags(ctx->tls, &st->fr);
	if (ctx->tls != NULL && st->dec_slot != 0) {
		tls_dec_wipe(slab_ptr(&ctx->tls->dec, st->dec_slot));
		slab_release(&ctx->tls->dec, &st->dec_slot);
	}
}

static void
tls_evidence(const void *state, const struct an_ctx *ctx, struct evidence *ev)
{
	const struct tls_flow *st = state;

	tls_frags_evidence(ctx->tls, &st->fr, ev);
}

const struct analyzer tls_analyzer = {
	.name = "tls",
	.state_size = sizeof(struct tls_flow),
	.stream = tls_stream,
	.has_output = tls_has_output,
	.emit = tls_emit,
	.evidence = tls_evidence,
	.end = tls_end,
};
