/* analyzers/tls_decrypt.c: TLS 1.2 and 1.3 client records with keys from
 * the key log. */
#include "analyzers/tls_decrypt.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "analyzers/hkdf.h"

#define TAG_LEN		16

enum { AEAD_AES128GCM, AEAD_AES256GCM, AEAD_CHACHA, AEAD_N };

static const char *const aead_names[AEAD_N] = {
	"AES-128-GCM", "AES-256-GCM", "ChaCha20-Poly1305",
};
static const uint8_t aead_key_len[AEAD_N] = { 16, 32, 32 };

/* The AEAD suites decrypted here. */
static const struct {
	uint16_t	 id;
	uint8_t		 aead;
	uint8_t		 hash_len;
} dec_suites[] = {
	{ 0x1301, AEAD_AES128GCM, 32 }, { 0x1302, AEAD_AES256GCM, 48 },
	{ 0x1303, AEAD_CHACHA, 32 },
	{ 0x009c, AEAD_AES128GCM, 32 }, { 0x009d, AEAD_AES256GCM, 48 },
	{ 0x009e, AEAD_AES128GCM, 32 }, { 0x009f, AEAD_AES256GCM, 48 },
	{ 0xc02b, AEAD_AES128GCM, 32 }, { 0xc02c, AEAD_AES256GCM, 48 },
	{ 0xc02f, AEAD_AES128GCM, 32 }, { 0xc030, AEAD_AES256GCM, 48 },
	{ 0xcca8, AEAD_CHACHA, 32 }, { 0xcca9, AEAD_CHACHA, 32 },
	{ 0xccaa, AEAD_CHACHA, 32 },
};

struct tls_dec_ctx {
	/* One context per AEAD, set up once: a record re-keys its own
	 * in place, so flows of different suites allocate nothing. */
	EVP_CIPHER_CTX	*aead[AEAD_N];
	EVP_KDF		*prf;
	uint8_t		 rec[TLS_RECORD_MAX_LEN];	/* plaintext */
};

struct tls_dec_ctx *
tls_dec_ctx_new(void)
{
	struct tls_dec_ctx *c = calloc(1, sizeof(*c));
	bool ok = true;

	if (c == NULL)
		return NULL;
	for (int i = 0; i < AEAD_N; i++) {
		EVP_CIPHER *ci = EVP_CIPHER_fetch(NULL, aead_names[i], NULL);

		c->aead[i] = EVP_CIPHER_CTX_new();
		ok = ok && ci != NULL && c->aead[i] != NULL &&
		    EVP_DecryptInit_ex(c->aead[i], ci, NULL, NULL, NULL) == 1;
		EVP_CIPHER_free(ci);	/* the context holds its own */
	}
	c->prf = EVP_KDF_fetch(NULL, OSSL_KDF_NAME_TLS1_PRF, NULL);
	ok = ok && c->prf != NULL;
	if (!ok) {
		tls_dec_ctx_free(c);
		errno = ENOMEM;
		return NULL;
	}
	return c;
}

void
tls_dec_ctx_free(struct tls_dec_ctx *c)
{
	if (c == NULL)
		return;
	for (int i = 0; i < AEAD_N; i++)
		EVP_CIPHER_CTX_free(c->aead[i]);
	EVP_KDF_free(c->prf);
	OPENSSL_cleanse(c->rec, sizeof(c->rec));
	free(c);
}

void
tls_dec_init(struct tls_dec *d, const struct tls_keylog_entry *e)
{
	memset(d, 0, offsetof(struct tls_dec, plain));
	d->keys = e;
	d->phase = TLS_DEC_WAIT;
}

void
tls_dec_wipe(struct tls_dec *d)
{
	OPENSSL_cleanse(d->s_hs, d->s_hs_len);
	OPENSSL_cleanse(d, offsetof(struct tls_dec, plain) + d->plain_len);
	memset(d, 0, offsetof(struct tls_dec, plain));
}

/* TLS 1.3 key and IV from a traffic secret of the key log. */
static int
derive13(const struct tls_dec *d, int kind, uint8_t *key, uint8_t *iv)
{
	const struct tls_keylog_entry *e = d->keys;

	if (!(e->have & (1u << kind)) || e->len[kind] != d->hash_len)
		return -1;
	return hkdf_expand_label(d->hash_len, e->secret[kind], "key", key,
	    d->key_len) == 0 &&
	    hkdf_expand_label(d->hash_len, e->secret[kind], "iv", iv, 12) ==
	    0 ? 0 : -1;
}

/* The client's keys from a traffic secret. */
static int
keys13(struct tls_dec_ctx *c, struct tls_dec *d, int kind)
{
	d->seq = 0;
	return derive13(d, kind, d->key, d->iv);
}

/* TLS 1.2 key block (RFC 5246 6.3): client key, server key, client IV,
 * server IV (AEAD: no MAC keys). */
static int
keys12(struct tls_dec_ctx *c, struct tls_dec *d, const uint8_t sr[32])
{
	const struct tls_keylog_entry *e = d->keys;
	size_t iv_len = d->aead == AEAD_CHACHA ? 12 : 4;
	uint8_t seed[13 + 64], block[2 * 32 + 2 * 12];
	size_t n = 2 * (size_t)d->key_len + 2 * iv_len;
	OSSL_PARAM params[4];
	EVP_KDF_CTX *k;
	int rc = -1;

	if (!(e->have & (1u << TLS_KL_MASTER)) || e->len[TLS_KL_MASTER] != 48)
		return -1;
	memcpy(seed, "key expansion", 13);
	memcpy(seed + 13, sr, 32);
	memcpy(seed + 45, e->client_random, 32);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
	    d->hash_len == 48 ? "SHA384" : "SHA256", 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET,
	    (void *)e->secret[TLS_KL_MASTER], 48);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED,
	    seed, sizeof(seed));
	params[3] = OSSL_PARAM_construct_end();
	if ((k = EVP_KDF_CTX_new(c->prf)) != NULL &&
	    EVP_KDF_derive(k, block, n, params) == 1) {
		memcpy(d->key, block, d->key_len);
		memcpy(d->iv, block + 2 * d->key_len, iv_len);
		rc = 0;
	}
	EVP_KDF_CTX_free(k);
	OPENSSL_cleanse(block, sizeof(block));
	d->seq = 0;
	return rc;
}

int
tls_dec_start(struct tls_dec_ctx *c, struct tls_dec *d, uint16_t version,
    uint16_t suite, const uint8_t server_random[32])
{
	size_t i;

	d->phase = TLS_DEC_DONE;
	for (i = 0; i < sizeof(dec_suites) / sizeof(dec_suites[0]); i++)
		if (dec_suites[i].id == suite)
			break;
	if (i == sizeof(dec_suites) / sizeof(dec_suites[0]) ||
	    (version == 0x0304) != (suite >> 8 == 0x13) ||
	    (version != 0x0303 && version != 0x0304))
		return -1;
	d->version = version;
	d->suite = suite;
	d->aead = dec_suites[i].aead;
	d->hash_len = dec_suites[i].hash_len;
	d->key_len = aead_key_len[d->aead];
	d->s_phase = TLS_DEC_DONE;
	if (version == 0x0303) {
		if (keys12(c, d, server_random) != 0)
			return -1;
		d->phase = TLS_DEC_HS;
		return 0;
	}
	if (derive13(d, TLS_KL_SERVER_HS, d->s_key, d->s_iv) == 0)
		d->s_phase = TLS_DEC_HS;
	if (keys13(c, d, TLS_KL_CLIENT_HS) == 0) {
		d->phase = TLS_DEC_HS;
		return 0;
	}
	/* Only the application secret: the first record that does not
	 * open with it is taken to be the Finished. */
	if (keys13(c, d, TLS_KL_CLIENT_AP) != 0)
		return -1;
	d->trial = true;
	d->phase = TLS_DEC_APP;
	return 0;
}

/* Decrypt one record (header hdr[5], fragment frag[0..n)) into c->rec.
 * Returns the plaintext length, or -1 if it does not authenticate. */
static long
open_record(struct tls_dec_ctx *c, const struct tls_dec *d,
    const uint8_t *key, const uint8_t *iv, uint64_t seq, const uint8_t *hdr,
    const uint8_t *frag, size_t n)
{
	EVP_CIPHER_CTX *a = c->aead[d->aead];
	uint8_t nonce[12], aad[13];
	size_t aad_len, explicit = 0;
	int len = 0, fin = 0;

	if (d->version == 0x0303 && d->aead != AEAD_CHACHA)
		explicit = 8;
	if (n < explicit + TAG_LEN)
		return -1;
	if (explicit) {
		memcpy(nonce, iv, 4);
		memcpy(nonce + 4, frag, 8);
	} else {
		memcpy(nonce, iv, 12);
		for (int i = 0; i < 8; i++)
			nonce[4 + i] ^= (uint8_t)(seq >> (56 - 8 * i));
	}
	n -= explicit + TAG_LEN;
	if (d->version == 0x0304) {
		memcpy(aad, hdr, 5);
		aad_len = 5;
	} else {
		for (int i = 0; i < 8; i++)
			aad[i] = (uint8_t)(seq >> (56 - 8 * i));
		memcpy(aad + 8, hdr, 3);
		aad[11] = (uint8_t)(n >> 8);
		aad[12] = (uint8_t)n;
		aad_len = 13;
	}
	if (EVP_DecryptInit_ex(a, NULL, NULL, key, nonce) != 1 ||
	    EVP_DecryptUpdate(a, NULL, &len, aad, (int)aad_len) != 1 ||
	    EVP_DecryptUpdate(a, c->rec, &len, frag + explicit, (int)n) != 1 ||
	    EVP_CIPHER_CTX_ctrl(a, EVP_CTRL_AEAD_SET_TAG, TAG_LEN,
	    (void *)(frag + explicit + n)) != 1 ||
	    EVP_DecryptFinal_ex(a, c->rec + len, &fin) != 1)
		return -1;
	return (long)n;
}

/* Is there a complete Finished among the handshake messages p[0..n)? */
static bool
hs_finished(const uint8_t *p, size_t n)
{
	size_t pos = 0;

	while (pos + 4 <= n) {
		size_t m = (size_t)p[pos + 1] << 16 | (size_t)p[pos + 2] << 8 |
		    p[pos + 3];

		if (m > n - pos - 4)
			return false;
		if (p[pos] == TLS_HS_FINISHED)
			return true;
		pos += 4 + m;
	}
	return false;
}

/* A server record's handshake plaintext c->rec[0..n) (inner type and
 * padding still on). */
static void
take_server(struct tls_dec_ctx *c, struct tls_dec *d, size_t n)
{
	while (n > 0 && c->rec[n - 1] == 0)
		n--;
	if (n == 0 || c->rec[n - 1] != TLS_CT_HANDSHAKE) {
		d->s_phase = TLS_DEC_DONE;
		return;
	}
	n--;
	if (n > TLS_DEC_SERVER_HS_MAX - d->s_hs_len) {
		d->s_phase = TLS_DEC_DONE;
		return;
	}
	memcpy(d->s_hs + d->s_hs_len, c->rec, n);
	d->s_hs_len += (uint32_t)n;
	if (hs_finished(d->s_hs, d->s_hs_len))
		d->s_phase = TLS_DEC_DONE;
}

enum tls_dec_phase
tls_dec_feed_server(struct tls_dec_ctx *c, struct tls_dec *d,
    const uint8_t *stream, size_t len)
{
	while (d->s_phase == TLS_DEC_HS && len - d->s_consumed >= 5) {
		const uint8_t *h = stream + d->s_consumed;
		size_t n = (size_t)h[3] << 8 | h[4];
		long pl;

		if (n > TLS_RECORD_MAX_LEN) {
			d->s_phase = TLS_DEC_DONE;
			break;
		}
		if (len - d->s_consumed - 5 < n)
			break;
		d->s_consumed += (uint32_t)(5 + n);
		if (h[0] != TLS_CT_APPLICATION_DATA)
			continue;	/* ServerHello, ChangeCipherSpec */
		if ((pl = open_record(c, d, d->s_key, d->s_iv, d->s_seq, h,
		    h + 5, n)) < 0) {
			d->s_phase = TLS_DEC_FAILED;
			break;
		}
		d->s_seq++;
		take_server(c, d, (size_t)pl);
		OPENSSL_cleanse(c->rec, (size_t)pl);
	}
	return (enum tls_dec_phase)d->s_phase;
}

/* Does a TLS 1.3 handshake record's plaintext hold the Finished? */
static bool
has_finished(const uint8_t *p, size_t n)
{
	size_t pos = 0;

	while (pos + 4 <= n) {
		if (p[pos] == TLS_HS_FINISHED)
			return true;
		pos += 4 + ((size_t)p[pos + 1] << 16 | (size_t)p[pos + 2] << 8 |
		    p[pos + 3]);
	}
	return false;
}

static void
append(struct tls_dec *d, const uint8_t *p, size_t n)
{
	size_t room = TLS_DEC_PLAIN_MAX - d->plain_len;

	if (n >= room) {
		n = room;
		d->phase = TLS_DEC_DONE;
	}
	memcpy(d->plain + d->plain_len, p, n);
	d->plain_len += (uint32_t)n;
}

/* A decrypted record's content: type, plaintext c->rec[0..n). */
static void
take(struct tls_dec_ctx *c, struct tls_dec *d, uint8_t type, size_t n)
{
	if (d->version == 0x0304) {
		/* TLSInnerPlaintext: content, type, zeros. */
		while (n > 0 && c->rec[n - 1] == 0)
			n--;
		if (n == 0) {
			d->phase = TLS_DEC_DONE;
			return;
		}
		type = c->rec[--n];
	}
	if (type == TLS_CT_APPLICATION_DATA && (d->phase == TLS_DEC_APP ||
	    d->version == 0x0303))
		append(d, c->rec, n);
	else if (type == TLS_CT_HANDSHAKE && d->version == 0x0304 &&
	    d->phase == TLS_DEC_HS && has_finished(c->rec, n)) {
		if (keys13(c, d, TLS_KL_CLIENT_AP) == 0)
			d->phase = TLS_DEC_APP;
		else
			d->phase = TLS_DEC_DONE;
	} else if (type == TLS_CT_HANDSHAKE && d->version == 0x0303)
		d->phase = TLS_DEC_APP;		/* after the Finished */
	else if (type == TLS_CT_ALERT)
		d->phase = TLS_DEC_DONE;
}

enum tls_dec_phase
tls_dec_feed(struct tls_dec_ctx *c, struct tls_dec *d, const uint8_t *stream,
    size_t len)
{
	while (d->phase == TLS_DEC_HS || d->phase == TLS_DEC_APP) {
		const uint8_t *h = stream + d->consumed;
		size_t n;
		long pl;

		if (len - d->consumed < 5)
			break;
		n = (size_t)h[3] << 8 | h[4];
		if (n > TLS_RECORD_MAX_LEN) {
			d->phase = TLS_DEC_DONE;
			break;
		}
		if (len - d->consumed - 5 < n)
			break;
		d->consumed += (uint32_t)(5 + n);
		if (h[0] == TLS_CT_CHANGE_CIPHER_SPEC) {
			d->saw_ccs = true;
			continue;
		}
		if (d->version == 0x0303 ? !d->saw_ccs :
		    h[0] != TLS_CT_APPLICATION_DATA)
			continue;	/* plaintext: hellos, key exchange */
		if ((pl = open_record(c, d, d->key, d->iv, d->seq, h, h + 5,
		    n)) < 0) {
			if (d->trial) {
				d->trial = false;
				continue;
			}
			if (d->early_data && d->phase == TLS_DEC_HS &&
			    d->version == 0x0304)
				continue;	/* 0-RTT data: not ours */
			d->phase = TLS_DEC_FAILED;
			break;
		}
		d->trial = false;
		d->seq++;
		take(c, d, h[0], (size_t)pl);
		OPENSSL_cleanse(c->rec, (size_t)pl);
	}
	return (enum tls_dec_phase)d->phase;
}
