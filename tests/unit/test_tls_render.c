/* tests/unit/test_tls_render.c: the ClientHello members of a record, and
 * the cache that renders them once per distinct hello; with JA4+, the
 * certificate cache.
 *
 * Every rendering is checked against the fingerprint functions called
 * directly (themselves checked against tshark and the JA4 specification in
 * test_tls_fp), whether it came from the cache or not; the counters show
 * which it was. */
#include "analyzers/tls.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "analyzers/tls_fp.h"
#include "analyzers/tls_hello.h"
#ifdef FP_JA4PLUS
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "analyzers/ja4x.h"
#endif
#include "tests/fixtures/tls/fixtures.h"
#include "tests/test.h"

static struct frag_pool pool;
static struct tls_ctx *ctx;

/* The value of "key" in the rendered members text, into out. */
static bool
member(const char *text, size_t len, const char *key, char *out,
    size_t outsz)
{
	char pat[32];
	const char *p, *e, *end = text + len;

	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	if ((p = memmem(text, len, pat, strlen(pat))) == NULL)
		return false;
	p += strlen(pat);
	if ((e = memchr(p, '"', (size_t)(end - p))) == NULL ||
	    (size_t)(e - p) >= outsz)
		return false;
	memcpy(out, p, (size_t)(e - p));
	out[e - p] = '\0';
	return true;
}

/* Render ch into a fresh fragment and check every fingerprint member and
 * the refs the verdict reads against the functions called directly.  The
 * text goes to text (NUL-terminated). */
static void
render_check(const struct tls_client_hello *ch, char proto, char *text,
    size_t textsz)
{
	static char want[TLS_FP_JA3_MAX + TLS_FP_JA4_RAW_MAX + 1];
	static char got[TLS_FP_JA3_MAX + TLS_FP_JA4_RAW_MAX + 1];
	static const struct {
		const char	*key;
		int		 form;	/* -1: ja3, -2: ja3 md5 */
	} m[] = {
		{ "ja3", -1 }, { "ja3_hash", -2 },
		{ "ja4", TLS_FP_JA4 }, { "ja4_r", TLS_FP_JA4_R },
		{ "ja4_o", TLS_FP_JA4_O }, { "ja4_ro", TLS_FP_JA4_RO },
	};
	struct tls_frags fr;
	struct evidence ev;
	const char *s;
	size_t n;

	memset(&fr, 0, sizeof(fr));
	if (!CHECK(tls_render_client(ctx, &fr, ch, proto)))
		return;
	s = slab_ptr(&pool.slab, fr.side[0].slot);
	n = fr.side[0].len;
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		if (m[i].form == -1)
			(void)tls_fp_ja3(ch, want, sizeof(want));
		else if (m[i].form == -2)
			(void)tls_fp_ja3_md5(ch, want, sizeof(want));
		else
			(void)tls_fp_ja4(ch, proto, m[i].form, want,
			    sizeof(want));
		if (CHECK(member(s, n, m[i].key, got, sizeof(got))))
			CHECK_EQ_S(got, want);
	}
	/* The refs name the values in this fragment. */
	memset(&ev, 0, sizeof(ev));
	tls_frags_evidence(ctx, &fr, &ev);
	(void)tls_fp_ja4(ch, proto, TLS_FP_JA4, want, sizeof(want));
	CHECK(ev.ja4.len == strlen(want) &&
	    memcmp(ev.ja4.s, want, ev.ja4.len) == 0);
	(void)tls_fp_ja4(ch, proto, TLS_FP_JA4_R, want, sizeof(want));
	CHECK(ev.ja4_r.len == strlen(want) &&
	    memcmp(ev.ja4_r.s, want, ev.ja4_r.len) == 0);
	(void)tls_fp_ja3_md5(ch, want, sizeof(want));
	CHECK(ev.ja3_hash.len == strlen(want) &&
	    memcmp(ev.ja3_hash.s, want, ev.ja3_hash.len) == 0);
	if (text != NULL) {
		n = n < textsz ? n : textsz - 1;
		memcpy(text, s, n);
		text[n] = '\0';
	}
	tls_release_frags(ctx, &fr);
}

static bool
parse(const struct fixture *f, struct tls_client_hello *ch)
{
	struct tls_hs_msg m;

	return CHECK(find_msg(f->client, f->client_len, TLS_HS_CLIENT_HELLO,
	    &m)) && CHECK(tls_parse_client_hello(m.body, m.len, ch) ==
	    TLS_OK);
}

/* Hits and misses since the last call. */
static void
cache_delta(uint64_t *hits, uint64_t *misses)
{
	static uint64_t h0, m0;

	*hits = ctx->n_hello_cache_hits - h0;
	*misses = ctx->n_hello_cache_misses - m0;
	h0 = ctx->n_hello_cache_hits;
	m0 = ctx->n_hello_cache_misses;
}

static void
replace_grease(uint16_t *v, size_t n, uint16_t with)
{
	for (size_t i = 0; i < n; i++)
		if (tls_is_grease(v[i]))
			v[i] = with;
}

#ifdef FP_JA4PLUS
/* A self-signed certificate for cn whose subjectAltName names n_names
 * hosts (to make it long), DER into *der (OPENSSL_free it). */
static int
make_cert(EVP_PKEY *key, const char *cn, int n_names, uint8_t **der)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	X509V3_CTX v3;
	X509_EXTENSION *ext;
	char *san = NULL;
	size_t cap = (size_t)n_names * 40 + 32, len = 0;
	int n = -1;

	if (x == NULL || name == NULL || (san = malloc(cap)) == NULL)
		goto out;
	len += (size_t)snprintf(san, cap, "DNS:%s", cn);
	for (int i = 0; i < n_names; i++)
		len += (size_t)snprintf(san + len, cap - len,
		    ",DNS:host%04d.example.test", i);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, name);
	X509_set_issuer_name(x, name);
	X509_set_pubkey(x, key);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name,
	    san)) == NULL)
		goto out;
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	if (X509_sign(x, key, EVP_sha256()) <= 0)
		goto out;
	*der = NULL;
	n = i2d_X509(x, der);
out:
	free(san);
	X509_NAME_free(name);
	X509_free(x);
	return n;
}

/* certs[0..n) rendered through a fresh fragment, into text. */
static void
render_certs(const uint8_t *body, const struct tls_certificate *c,
    char *text, size_t textsz)
{
	struct tls_frags fr;
	size_t n;

	memset(&fr, 0, sizeof(fr));
	tls_render_certs(ctx, &fr, body, c);
	n = fr.side[1].len < textsz ? fr.side[1].len : textsz - 1;
	memcpy(text, slab_ptr(&pool.slab, fr.side[1].slot), n);
	text[n] = '\0';
	tls_release_frags(ctx, &fr);
}

/* The certificate cache: a short certificate (kept whole) and a long one
 * (kept by digest) each rendered once, then found; the text is what
 * ja4x_from_der() makes of them; a certificate one byte away from a
 * cached one is not taken for it. */
static void
test_cert_cache(void)
{
	static uint8_t body[3 * 16384];
	static char got[4096], want[4096];
	static struct ja4x x;
	struct tls_certificate c;
	EVP_PKEY *key = EVP_EC_gen("P-256");
	uint8_t *der[2] = { NULL, NULL };
	int len[2];
	uint64_t h0, m0;

	if (!CHECK(key != NULL))
		return;
	len[0] = make_cert(key, "short.example.test", 2, &der[0]);
	len[1] = make_cert(key, "long.example.test", 200, &der[1]);
	if (!CHECK(len[0] > 0 && len[0] < 4096) ||
	    !CHECK(len[1] > 4096 && len[1] < 16384))
		goto out;
	for (int k = 0; k < 2; k++) {
		memset(&c, 0, sizeof(c));
		memcpy(body, der[k], (size_t)len[k]);
		c.n_certs = c.n_certs_wire = 1;
		c.certs[0].len = (uint32_t)len[k];
		if (!CHECK(ja4x_from_der(der[k], (size_t)len[k], &x) ==
		    TLS_OK))
			continue;
		snprintf(want, sizeof(want), "\"certificates\":[{\"ja4x\":"
		    "\"%s\",\"issuer\":\"%s\",\"subject\":\"%s\"}]", x.ja4x,
		    x.issuer, x.subject);
		h0 = ctx->n_cert_cache_hits;
		m0 = ctx->n_cert_cache_misses;
		render_certs(body, &c, got, sizeof(got));
		CHECK_EQ_S(got, want);
		render_certs(body, &c, got, sizeof(got));
		CHECK_EQ_S(got, want);
		CHECK_EQ_U(ctx->n_cert_cache_misses - m0, 1);
		CHECK_EQ_U(ctx->n_cert_cache_hits - h0, 1);
		/* One byte of the signature changed: the same names and
		 * JA4X, but another certificate, so not a hit. */
		body[len[k] - 1] ^= 0x01;
		render_certs(body, &c, got, sizeof(got));
		CHECK_EQ_U(ctx->n_cert_cache_misses - m0, 2);
		CHECK_EQ_U(ctx->n_cert_cache_hits - h0, 1);
	}
	/* Both in one message, as a chain: both found again. */
	memcpy(body, der[0], (size_t)len[0]);
	memcpy(body + len[0], der[1], (size_t)len[1]);
	memset(&c, 0, sizeof(c));
	c.n_certs = c.n_certs_wire = 2;
	c.certs[0].len = (uint32_t)len[0];
	c.certs[1].off = (uint32_t)len[0];
	c.certs[1].len = (uint32_t)len[1];
	h0 = ctx->n_cert_cache_hits;
	render_certs(body, &c, got, sizeof(got));
	CHECK(strstr(got, "short.example.test") != NULL &&
	    strstr(got, "long.example.test") != NULL);
	CHECK_EQ_U(ctx->n_cert_cache_hits - h0, 2);
out:
	OPENSSL_free(der[0]);
	OPENSSL_free(der[1]);
	EVP_PKEY_free(key);
}
#endif

int
main(void)
{
	static char a[FRAG_BYTES + 1], b[FRAG_BYTES + 1];
	static struct tls_client_hello ch, ch2;
	uint64_t hits, misses;
	bool grease_seen = false;

	if (slab_init(&pool.slab, 16, FRAG_BYTES) != 0 ||
	    (ctx = tls_ctx_new(&pool, 0)) == NULL) {
		fprintf(stderr, "test_tls_render: out of memory\n");
		return 99;
	}
	for (size_t i = 0; i < N_FIXTURES; i++) {
		const struct fixture *f = &fixtures[i];

		if (!parse(f, &ch))
			continue;
		/* First time: rendered (unless an earlier fixture had the
		 * same hello); second time: the same text from the cache. */
		cache_delta(&hits, &misses);
		render_check(&ch, 't', a, sizeof(a));
		cache_delta(&hits, &misses);
		CHECK_EQ_U(hits + misses, 1);
		render_check(&ch, 't', b, sizeof(b));
		cache_delta(&hits, &misses);
		CHECK_EQ_U(misses, 0);
		CHECK_EQ_U(hits, 1);
		CHECK_EQ_S(b, a);
		CHECK(strstr(a, f->ja4) != NULL);

		/* Other GREASE values: the same fingerprints, a hit. */
		ch2 = ch;
		replace_grease(ch2.ciphers, ch2.n_ciphers, 0x5a5a);
		replace_grease(ch2.extensions, ch2.n_extensions, 0x7a7a);
		replace_grease(ch2.groups, ch2.n_groups, 0x9a9a);
		replace_grease(ch2.versions, ch2.n_versions, 0xdada);
		grease_seen |= ch.has_grease;
		render_check(&ch2, 't', b, sizeof(b));
		cache_delta(&hits, &misses);
		CHECK_EQ_U(hits, 1);
		CHECK_EQ_S(b, a);

		/* Each field the fingerprints read changes the key. */
		ch2 = ch;
		ch2.ciphers[ch2.n_ciphers - 1] ^= 0x0100;
		render_check(&ch2, 't', b, sizeof(b));
		ch2 = ch;
		ch2.extensions[0] = ch2.extensions[0] == 0x0017 ? 0x0016 :
		    0x0017;
		render_check(&ch2, 't', NULL, 0);
		ch2 = ch;
		ch2.has_sni = !ch2.has_sni;
		render_check(&ch2, 't', NULL, 0);
		render_check(&ch, 'q', NULL, 0);
		ch2 = ch;
		ch2.legacy_version ^= 0x0002;
		render_check(&ch2, 't', NULL, 0);
		ch2 = ch;
		ch2.point_formats[ch2.n_point_formats++] = 2;
		render_check(&ch2, 't', NULL, 0);
		ch2 = ch;
		ch2.sig_algs[ch2.n_sig_algs++] = 0x0201;
		render_check(&ch2, 't', NULL, 0);
		ch2 = ch;
		ch2.groups[ch2.n_groups++] = 0x0100;
		render_check(&ch2, 't', NULL, 0);
		ch2 = ch;
		ch2.n_alpn = 1;
		ch2.alpn[0] = (struct tls_alpn){ .len = 3, .wire_len = 3,
		    .last = 'x', .name = "spx" };
		render_check(&ch2, 't', NULL, 0);
		cache_delta(&hits, &misses);
		CHECK_EQ_U(hits, 0);
		CHECK_EQ_U(misses, 9);
	}
	CHECK(grease_seen);

	/* A hello whose members do not fit a cache entry is rendered every
	 * time, right, and not kept. */
	if (parse(&fixtures[0], &ch)) {
		struct tls_frags fr;

		ch.n_ciphers = 120;
		for (size_t i = 0; i < ch.n_ciphers; i++)
			ch.ciphers[i] = (uint16_t)(0xc000 + i);
		render_check(&ch, 't', a, sizeof(a));
		render_check(&ch, 't', b, sizeof(b));
		cache_delta(&hits, &misses);
		CHECK_EQ_U(hits, 0);
		CHECK_EQ_U(misses, 2);
		CHECK_EQ_S(b, a);

		/* Nor does one whose key is too long: it does not fit a
		 * fragment either, which is counted, and nothing is cached. */
		ch.n_ciphers = TLS_MAX_CIPHERS;
		for (size_t i = 0; i < TLS_MAX_CIPHERS; i++)
			ch.ciphers[i] = (uint16_t)(0x1300 + i);
		ch.n_groups = TLS_MAX_GROUPS;
		ch.n_sig_algs = TLS_MAX_SIG_ALGS;
		for (size_t i = 0; i < TLS_MAX_SIG_ALGS; i++) {
			ch.groups[i] = (uint16_t)(0x0100 + i);
			ch.sig_algs[i] = (uint16_t)(0x0400 + i);
		}
		memset(&fr, 0, sizeof(fr));
		CHECK(!tls_render_client(ctx, &fr, &ch, 't'));
		CHECK_EQ_U(pool.n_too_big, 1);
		cache_delta(&hits, &misses);
		CHECK_EQ_U(hits + misses, 0);
		tls_release_frags(ctx, &fr);
	}
#ifdef FP_JA4PLUS
	test_cert_cache();
#endif
	tls_ctx_free(ctx);
	slab_free(&pool.slab);
	return test_done("test_tls_render");
}
