/* tests/unit/test_tls_keylog.c: the NSS key log parser (good, bad and
 * odd lines), the pcapng Decryption Secrets Block walk (both byte orders,
 * lengths that lie), and TLS 1.3 / 1.2 record decryption against records
 * sealed here with OpenSSL. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <stdlib.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "analyzers/tls_decrypt.h"
#include "analyzers/tls_keylog.h"
#include "log.h"
#include "sensor/pcapng_dsb.h"
#include "tests/test.h"

static char cr_hex[65], sec_hex[97];
static uint8_t cr[32], sec[48];

static void
fill(void)
{
	for (int i = 0; i < 32; i++) {
		cr[i] = (uint8_t)(0xa0 + i);
		snprintf(cr_hex + 2 * i, 3, "%02x", cr[i]);
	}
	for (int i = 0; i < 48; i++) {
		sec[i] = (uint8_t)(i * 7);
		snprintf(sec_hex + 2 * i, 3, "%02X", sec[i]);
	}
}

static long
load(struct tls_keylog *kl, const char *text)
{
	return tls_keylog_load_buf(kl, "t.keys", text, strlen(text));
}

static void
test_good(void)
{
	struct tls_keylog kl;
	const struct tls_keylog_entry *e;
	char buf[1024];

	tls_keylog_init(&kl);
	snprintf(buf, sizeof(buf), "# comment\r\n\n"
	    "CLIENT_RANDOM %s %s\r\n"
	    "CLIENT_TRAFFIC_SECRET_0 %s %.64s\n"
	    "EXPORTER_SECRET %s %.64s\n"
	    /* no final newline */
	    "CLIENT_HANDSHAKE_TRAFFIC_SECRET %s %s",
	    cr_hex, sec_hex, cr_hex, sec_hex, cr_hex, sec_hex, cr_hex,
	    sec_hex);
	CHECK_EQ_U(load(&kl, buf), 0);
	CHECK_EQ_U(kl.n, 1);
	CHECK_EQ_U(kl.n_keys, 3);	/* the exporter secret is skipped */
	e = tls_keylog_find(&kl, cr);
	CHECK(e != NULL);
	if (e != NULL) {
		CHECK_EQ_U(e->len[TLS_KL_MASTER], 48);
		CHECK(memcmp(e->secret[TLS_KL_MASTER], sec, 48) == 0);
		CHECK_EQ_U(e->len[TLS_KL_CLIENT_AP], 32);
		CHECK(memcmp(e->secret[TLS_KL_CLIENT_AP], sec, 32) == 0);
		CHECK_EQ_U(e->len[TLS_KL_CLIENT_HS], 48);
		CHECK(!(e->have & (1u << TLS_KL_SERVER_AP)));
	}
	cr[0] ^= 1;
	CHECK(tls_keylog_find(&kl, cr) == NULL);
	cr[0] ^= 1;
	tls_keylog_free(&kl);
	CHECK(tls_keylog_find(&kl, cr) == NULL);
}

/* The table of bad lines holds formats. */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

static void
test_bad(void)
{
	static const char *const bad[] = {
		"CLIENT_RANDOM",
		"CLIENT_RANDOM ",
		"CLIENT_RANDOM abcd 00",
		"UNKNOWN_LABEL 00 00",
		"client_random %s %s",		/* labels: upper case */
		"CLIENT_RANDOM %s %.64s",	/* a master secret is 48 B */
		"CLIENT_RANDOM %.62s %s",	/* short random */
		"CLIENT_RANDOM %sab %s",	/* long random */
		"CLIENT_RANDOM %s %sab",	/* long secret */
		"CLIENT_TRAFFIC_SECRET_0 %s %.40s",
		"CLIENT_TRAFFIC_SECRET_0 %s %.63s",	/* odd digits */
		"CLIENT_TRAFFIC_SECRET_0 %s %.62szz",	/* not hex */
		"CLIENT_TRAFFIC_SECRET_0 %.63sg %.64s",	/* not hex */
		"CLIENT_TRAFFIC_SECRET_0  %s %.64s",	/* two spaces */
	};
	struct tls_keylog kl;
	char buf[1024], big[TLS_KEYLOG_LINE_MAX + 64];

	tls_keylog_init(&kl);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(buf, sizeof(buf), bad[i], cr_hex, sec_hex);
		if (!CHECK_EQ_U(load(&kl, buf), 1))
			fprintf(stderr, "  line %zu accepted\n", i);
	}
	CHECK_EQ_U(kl.n_refused, sizeof(bad) / sizeof(bad[0]));
	CHECK_EQ_U(kl.n_keys, 0);
	CHECK_EQ_U(kl.n, 0);
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK_EQ_U(load(&kl, big), 1);
	/* A NUL inside a line is just a bad byte. */
	CHECK_EQ_U(tls_keylog_load_buf(&kl, "t", "CLIENT_RANDOM\0x\n", 16), 1);
	tls_keylog_free(&kl);
}

/* Many client randoms: the table grows and keeps them all. */
static void
test_many(void)
{
	struct tls_keylog kl;
	char buf[256];
	bool ok = true;

	tls_keylog_init(&kl);
	for (int i = 0; i < 1000; i++) {
		snprintf(buf, sizeof(buf), "CLIENT_RANDOM %056d%08x %s\n", 0,
		    (unsigned)i * 2654435761u, sec_hex);
		ok = ok && load(&kl, buf) == 0;
	}
	CHECK(ok);
	CHECK_EQ_U(kl.n, 1000);
	for (int i = 0; i < 1000; i++) {
		uint8_t r[32] = { 0 };
		uint32_t v = (uint32_t)i * 2654435761u;

		r[28] = (uint8_t)(v >> 24), r[29] = (uint8_t)(v >> 16);
		r[30] = (uint8_t)(v >> 8), r[31] = (uint8_t)v;
		ok = ok && tls_keylog_find(&kl, r) != NULL;
	}
	CHECK(ok);
	tls_keylog_free(&kl);
}

/* ---- pcapng ---------------------------------------------------------- */

struct pbuf {
	uint8_t	 b[4096];
	size_t	 n;
	bool	 big;
};

static void
put32(struct pbuf *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p->b[p->n++] = (uint8_t)(p->big ? v >> (24 - 8 * i) :
		    v >> (8 * i));
}

static void
block(struct pbuf *p, uint32_t type, const void *body, size_t n)
{
	uint32_t len = (uint32_t)(12 + ((n + 3) & ~(size_t)3));

	put32(p, type);
	put32(p, len);
	memcpy(p->b + p->n, body, n);
	memset(p->b + p->n + n, 0, len - 12 - n);
	p->n += len - 12;
	put32(p, len);
}

static void
shb(struct pbuf *p)
{
	uint8_t body[16];
	struct pbuf t = { .big = p->big };

	put32(&t, 0x1a2b3c4d);
	t.b[4] = p->big ? 0 : 1, t.b[5] = p->big ? 1 : 0;	/* 1.0 */
	t.b[6] = 0, t.b[7] = 0;
	memset(t.b + 8, 0xff, 8);			/* length unknown */
	memcpy(body, t.b, 16);
	block(p, 0x0a0d0d0a, body, 16);
}

static void
dsb(struct pbuf *p, uint32_t type, const char *text)
{
	struct pbuf t = { .big = p->big };
	size_t n = strlen(text);

	put32(&t, type);
	put32(&t, (uint32_t)n);
	memcpy(t.b + t.n, text, n);
	block(p, 0x0000000a, t.b, t.n + n);
}

static long
scan(const struct pbuf *p, struct tls_keylog *kl, char *err, size_t errlen)
{
	FILE *fp = tmpfile();
	long n;

	if (fp == NULL)
		return -2;
	fwrite(p->b, 1, p->n, fp);
	fflush(fp);
	n = pcapng_dsb_scan(fp, "t.pcapng", kl, err, errlen);
	fclose(fp);
	return n;
}

static void
test_dsb(bool big)
{
	struct pbuf p = { .big = big }, q;
	struct tls_keylog kl;
	char line[256], err[256];
	uint8_t idb[8] = { 1, 0, 0, 0, 0, 0, 4, 0 };

	snprintf(line, sizeof(line), "CLIENT_RANDOM %s %s\n", cr_hex, sec_hex);
	shb(&p);
	block(&p, 1, idb, sizeof(idb));			/* interface */
	dsb(&p, 0x544c534b, line);
	dsb(&p, 0x57474b4c, "not TLS\n");	/* WireGuard: skipped */
	tls_keylog_init(&kl);
	CHECK_EQ_U(scan(&p, &kl, err, sizeof(err)), 1);
	CHECK(tls_keylog_find(&kl, cr) != NULL);
	tls_keylog_free(&kl);

	/* Truncated last block: named by its offset. */
	q = p;
	q.n -= 2;
	tls_keylog_init(&kl);
	CHECK_EQ_U(scan(&q, &kl, err, sizeof(err)), (uint64_t)-1);
	CHECK(strstr(err, "t.pcapng: offset ") != NULL);
	CHECK(strstr(err, "past the end") != NULL);
	tls_keylog_free(&kl);

	/* A header cut short. */
	q = p;
	q.n = 28 + 20 + 6;
	tls_keylog_init(&kl);
	CHECK_EQ_U(scan(&q, &kl, err, sizeof(err)), (uint64_t)-1);
	CHECK(strstr(err, "offset 48: truncated") != NULL);
	tls_keylog_free(&kl);

	/* Trailer differs from header; length not a multiple of 4. */
	q = p;
	q.b[q.n - 1] ^= 0x40;
	q.b[q.n - 4] ^= 0x40;
	tls_keylog_init(&kl);
	CHECK_EQ_U(scan(&q, &kl, err, sizeof(err)), (uint64_t)-1);
	CHECK(strstr(err, "trailing block length") != NULL);
	tls_keylog_free(&kl);
	q = p;
	q.b[28 + 20 + (big ? 7 : 4)] += 2;	/* the DSB's length */
	tls_keylog_init(&kl);
	CHECK_EQ_U(scan(&q, &kl, err, sizeof(err)), (uint64_t)-1);
	CHECK(strstr(err, "offset 48: block length not a multiple") != NULL);
	tls_keylog_free(&kl);

	/* Secrets length past its block. */
	q = p;
	q.b[28 + 20 + 12 + (big ? 2 : 1)] += 1;	/* 256 more */
	tls_keylog_init(&kl);
	CHECK_EQ_U(scan(&q, &kl, err, sizeof(err)), (uint64_t)-1);
	CHECK(strstr(err, "secrets length") != NULL);
	tls_keylog_free(&kl);

	/* Bad byte-order magic. */
	q = p;
	q.b[8] ^= 0xff;
	tls_keylog_init(&kl);
	CHECK_EQ_U(scan(&q, &kl, err, sizeof(err)), (uint64_t)-1);
	CHECK(strstr(err, "offset 0: bad byte-order magic") != NULL);
	tls_keylog_free(&kl);

	/* Not pcapng at all. */
	q.n = 0;
	put32(&q, 0xa1b2c3d4);
	tls_keylog_init(&kl);
	CHECK_EQ_U(scan(&q, &kl, err, sizeof(err)), 0);
	tls_keylog_free(&kl);
}

/* ---- records ---------------------------------------------------------- */

/* tls_decrypt.h promises no allocation per record: count OpenSSL's. */
static long n_ossl_alloc;

static void *
count_malloc(size_t n, const char *file, int line)
{
	(void)file, (void)line;
	n_ossl_alloc++;
	return malloc(n);
}

static void *
count_realloc(void *p, size_t n, const char *file, int line)
{
	(void)file, (void)line;
	n_ossl_alloc++;
	return realloc(p, n);
}

static void
count_free(void *p, const char *file, int line)
{
	(void)file, (void)line;
	free(p);
}

/* Seal plaintext pt as one record with key/nonce/aad; out gets the
 * fragment (ciphertext and tag). */
static size_t
seal(const char *cipher, const uint8_t *key, const uint8_t *nonce,
    const uint8_t *aad, size_t aad_len, const uint8_t *pt, size_t n,
    uint8_t *out)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	EVP_CIPHER *ci = EVP_CIPHER_fetch(NULL, cipher, NULL);
	int len = 0;

	EVP_EncryptInit_ex(c, ci, NULL, key, nonce);
	EVP_EncryptUpdate(c, NULL, &len, aad, (int)aad_len);
	EVP_EncryptUpdate(c, out, &len, pt, (int)n);
	EVP_EncryptFinal_ex(c, out + len, &len);
	EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, out + n);
	EVP_CIPHER_CTX_free(c);
	EVP_CIPHER_free(ci);
	return n + 16;
}

/* RFC 8448 3 (simple 1-RTT handshake): the client's application traffic
 * secret and the key and IV it gives. */
static const char rfc8448_cap[] =
    "9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5";
static const uint8_t rfc8448_key[16] = {
	0x17, 0x42, 0x2d, 0xda, 0x59, 0x6e, 0xd5, 0xd9, 0xac, 0xd8, 0x90,
	0xe3, 0xc6, 0x3f, 0x50, 0x51,
};
static const uint8_t rfc8448_iv[12] = {
	0x5b, 0x78, 0x92, 0x3d, 0xee, 0x08, 0x57, 0x90, 0x33, 0xe5, 0x23,
	0xd9,
};

static void
test_tls13(struct tls_dec_ctx *c)
{
	static struct tls_dec d;
	struct tls_keylog kl;
	uint8_t stream[512], pt[64], nonce[12], sr[32] = { 0 };
	size_t n = 0, m;
	char line[256];
	long before;

	tls_keylog_init(&kl);
	snprintf(line, sizeof(line), "CLIENT_TRAFFIC_SECRET_0 %s %s\n",
	    cr_hex, rfc8448_cap);
	CHECK_EQ_U(load(&kl, line), 0);
	tls_dec_init(&d, tls_keylog_find(&kl, cr));
	CHECK_EQ_U(tls_dec_start(c, &d, 0x0304, 0x1301, sr), 0);
	CHECK(memcmp(d.key, rfc8448_key, 16) == 0);
	CHECK(memcmp(d.iv, rfc8448_iv, 12) == 0);
	/* A ChangeCipherSpec, a record under another key (taken for the
	 * Finished: no handshake secret), then two records of data. */
	memcpy(stream, "\x14\x03\x03\x00\x01\x01", 6);
	n = 6;
	memcpy(stream + n, "\x17\x03\x03\x00\x15", 5);
	memset(stream + n + 5, 0x55, 0x15);
	n += 5 + 0x15;
	for (uint64_t seq = 0; seq < 2; seq++) {
		memcpy(pt, seq ? "world" : "hello", 5);
		pt[5] = 23;			/* inner type */
		memset(pt + 6, 0, 3);		/* padding */
		memcpy(nonce, rfc8448_iv, 12);
		nonce[11] ^= (uint8_t)seq;
		memcpy(stream + n, "\x17\x03\x03\x00\x19", 5);
		m = seal("AES-128-GCM", rfc8448_key, nonce, stream + n, 5, pt,
		    9, stream + n + 5);
		CHECK_EQ_U(m, 0x19);
		n += 5 + m;
	}
	/* Fed a byte at a time, as a stream grows; no allocation. */
	before = n_ossl_alloc;
	for (size_t len = 1; len <= n; len++)
		tls_dec_feed(c, &d, stream, len);
	CHECK_EQ_U(n_ossl_alloc - before, 0);
	CHECK_EQ_U(d.plain_len, 10);
	CHECK(memcmp(d.plain, "helloworld", 10) == 0);
	CHECK_EQ_U(d.phase, TLS_DEC_APP);
	/* A forged record: authentication fails, decryption stops. */
	memcpy(stream + n, stream + n - 30, 30);
	stream[n + 10] ^= 1;
	CHECK_EQ_U(tls_dec_feed(c, &d, stream, n + 30), TLS_DEC_FAILED);
	CHECK_EQ_U(d.plain_len, 10);
	tls_dec_wipe(&d);
	CHECK_EQ_U(d.plain_len, 0);
	/* A suite not decrypted here, or the wrong version for it. */
	tls_dec_init(&d, tls_keylog_find(&kl, cr));
	CHECK_EQ_U(tls_dec_start(c, &d, 0x0304, 0x1304, sr), (uint64_t)-1);
	tls_dec_init(&d, tls_keylog_find(&kl, cr));
	CHECK_EQ_U(tls_dec_start(c, &d, 0x0303, 0x1301, sr), (uint64_t)-1);
	/* TLS 1.2 without a master secret. */
	tls_dec_init(&d, tls_keylog_find(&kl, cr));
	CHECK_EQ_U(tls_dec_start(c, &d, 0x0303, 0xc02f, sr), (uint64_t)-1);
	CHECK_EQ_U(d.phase, TLS_DEC_DONE);
	tls_keylog_free(&kl);
}

/* The server's handshake under its handshake secret: messages gathered
 * across records until the Finished, then nothing more. */
static void
test_server13(struct tls_dec_ctx *c)
{
	static struct tls_dec d;
	static const uint8_t msgs[] = {
		8, 0, 0, 2, 0, 0,			/* EncryptedExtensions */
		11, 0, 0, 4, 0, 0, 0, 0,		/* Certificate, empty */
		20, 0, 0, 3, 1, 2, 3,			/* Finished */
	};
	struct tls_keylog kl;
	uint8_t stream[256], pt[32], nonce[12], sr[32] = { 0 };
	size_t n = 0, cut[] = { 0, 10, sizeof(msgs) };
	char line[512];

	tls_keylog_init(&kl);
	snprintf(line, sizeof(line), "SERVER_HANDSHAKE_TRAFFIC_SECRET %s %s\n"
	    "CLIENT_TRAFFIC_SECRET_0 %s %s\n", cr_hex, rfc8448_cap, cr_hex,
	    rfc8448_cap);
	CHECK_EQ_U(load(&kl, line), 0);
	tls_dec_init(&d, tls_keylog_find(&kl, cr));
	CHECK_EQ_U(tls_dec_start(c, &d, 0x0304, 0x1303, sr), 0);
	CHECK_EQ_U(d.s_phase, TLS_DEC_HS);
	memcpy(stream, "\x16\x03\x03\x00\x02\x02\x00", 7);	/* "hello" */
	n = 7;
	for (int r = 0; r < 2; r++) {
		size_t m = cut[r + 1] - cut[r];

		memcpy(pt, msgs + cut[r], m);
		pt[m] = 22;			/* inner type: handshake */
		memcpy(nonce, d.s_iv, 12);
		nonce[11] ^= (uint8_t)r;
		stream[n] = 23, stream[n + 1] = 3, stream[n + 2] = 3;
		stream[n + 3] = 0, stream[n + 4] = (uint8_t)(m + 1 + 16);
		n += 5 + seal("ChaCha20-Poly1305", d.s_key, nonce, stream + n,
		    5, pt, m + 1, stream + n + 5);
	}
	CHECK_EQ_U(tls_dec_feed_server(c, &d, stream, n - 1), TLS_DEC_HS);
	CHECK_EQ_U(d.s_hs_len, 10);
	CHECK_EQ_U(tls_dec_feed_server(c, &d, stream, n), TLS_DEC_DONE);
	CHECK_EQ_U(d.s_hs_len, sizeof(msgs));
	CHECK(memcmp(d.s_hs, msgs, sizeof(msgs)) == 0);
	/* No server secret: nothing to do on that side. */
	tls_keylog_free(&kl);
	tls_keylog_init(&kl);
	snprintf(line, sizeof(line), "CLIENT_TRAFFIC_SECRET_0 %s %s\n",
	    cr_hex, rfc8448_cap);
	CHECK_EQ_U(load(&kl, line), 0);
	tls_dec_init(&d, tls_keylog_find(&kl, cr));
	CHECK_EQ_U(tls_dec_start(c, &d, 0x0304, 0x1303, sr), 0);
	CHECK_EQ_U(tls_dec_feed_server(c, &d, stream, n), TLS_DEC_DONE);
	CHECK_EQ_U(d.s_hs_len, 0);
	tls_dec_wipe(&d);
	tls_keylog_free(&kl);
}

int
main(void)
{
	struct tls_dec_ctx *c;
	bool is_counting = CRYPTO_set_mem_functions(count_malloc,
	    count_realloc, count_free) == 1;

	log_init("test_tls_keylog", LOG_LEVEL_ERROR);
	if (!is_counting)
		fprintf(stderr, "no OpenSSL allocation hook: not counted\n");
	fill();
	test_good();
	test_bad();
	test_many();
	test_dsb(false);
	test_dsb(true);
	if ((c = tls_dec_ctx_new()) == NULL) {
		fprintf(stderr, "tls_dec_ctx_new failed\n");
		return 99;
	}
	CHECK(!is_counting || n_ossl_alloc > 0);	/* the hook works */
	test_tls13(c);
	test_server13(c);
	tls_dec_ctx_free(c);
	return test_done("test_tls_keylog");
}
