/* analyzers/hkdf.c: HMAC and HKDF-Expand-Label on libcrypto's SHA-2. */
#define OPENSSL_SUPPRESS_DEPRECATED	/* SHA256_Init: no allocation */
#include "analyzers/hkdf.h"

#include <stdbool.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#define HMAC_BLOCK_MAX	128	/* SHA-384's block */

/* One hash in progress, SHA-256 or SHA-384. */
struct sha2 {
	bool		 is384;
	union {
		SHA256_CTX	 s256;
		SHA512_CTX	 s512;
	} u;
};

static void
sha2_init(struct sha2 *h, bool is384)
{
	h->is384 = is384;
	if (is384)
		SHA384_Init(&h->u.s512);
	else
		SHA256_Init(&h->u.s256);
}

static void
sha2_update(struct sha2 *h, const void *p, size_t len)
{
	if (len == 0)
		return;
	if (h->is384)
		SHA384_Update(&h->u.s512, p, len);
	else
		SHA256_Update(&h->u.s256, p, len);
}

static void
sha2_final(struct sha2 *h, uint8_t *out)
{
	if (h->is384)
		SHA384_Final(out, &h->u.s512);
	else
		SHA256_Final(out, &h->u.s256);
}

int
hkdf_hmac(size_t hash_len, const uint8_t *key, size_t key_len,
    const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len,
    uint8_t *out)
{
	bool is384 = hash_len == 48;
	size_t block = is384 ? 128 : 64;
	uint8_t k[HMAC_BLOCK_MAX], inner[HKDF_HASH_MAX];
	struct sha2 h;

	if (hash_len != 32 && hash_len != 48)
		return -1;
	memset(k, 0, sizeof(k));
	if (key_len > block) {		/* a long key is hashed first */
		sha2_init(&h, is384);
		sha2_update(&h, key, key_len);
		sha2_final(&h, k);
	} else if (key_len > 0)
		memcpy(k, key, key_len);
	for (size_t i = 0; i < block; i++)
		k[i] ^= 0x36;			/* ipad */
	sha2_init(&h, is384);
	sha2_update(&h, k, block);
	sha2_update(&h, a, a_len);
	sha2_update(&h, b, b_len);
	sha2_final(&h, inner);
	for (size_t i = 0; i < block; i++)
		k[i] ^= 0x36 ^ 0x5c;		/* opad */
	sha2_init(&h, is384);
	sha2_update(&h, k, block);
	sha2_update(&h, inner, hash_len);
	sha2_final(&h, out);
	OPENSSL_cleanse(k, sizeof(k));
	OPENSSL_cleanse(inner, sizeof(inner));
	OPENSSL_cleanse(&h, sizeof(h));
	return 0;
}

/* HKDF-Expand (RFC 5869 2.3) for out_len <= hash_len: one block,
 * T(1) = HMAC(PRK, info || 0x01). */
static int
hkdf_expand1(size_t hash_len, const uint8_t *prk, const uint8_t *info,
    size_t info_len, uint8_t *out, size_t out_len)
{
	static const uint8_t one = 0x01;
	uint8_t t[HKDF_HASH_MAX];
	int rc;

	rc = hkdf_hmac(hash_len, prk, hash_len, info, info_len, &one, 1, t);
	memcpy(out, t, out_len);
	OPENSSL_cleanse(t, sizeof(t));
	return rc;
}

int
hkdf_expand_label(size_t hash_len, const uint8_t *secret, const char *label,
    uint8_t *out, size_t out_len)
{
	uint8_t info[2 + 1 + 6 + 32 + 1];
	size_t label_len = strlen(label), n = 0;

	if (label_len > 32 || hash_len > HKDF_HASH_MAX || out_len > hash_len)
		return -1;
	info[n++] = (uint8_t)(out_len >> 8);
	info[n++] = (uint8_t)out_len;
	info[n++] = (uint8_t)(6 + label_len);
	memcpy(info + n, "tls13 ", 6);
	n += 6;
	memcpy(info + n, label, label_len);
	n += label_len;
	info[n++] = 0;
	return hkdf_expand1(hash_len, secret, info, n, out, out_len);
}
