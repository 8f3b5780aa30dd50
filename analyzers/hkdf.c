/* analyzers/hkdf.c: HKDF-Expand-Label over a caller's HMAC context. */
#include "analyzers/hkdf.h"

#include <string.h>

#include <openssl/crypto.h>

int
hkdf_hmac(EVP_MAC_CTX *hmac, size_t hash_len, const uint8_t *key,
    size_t key_len, const uint8_t *a, size_t a_len, const uint8_t *b,
    size_t b_len, uint8_t *out)
{
	static const uint8_t empty[1];
	size_t n = 0;

	/* OpenSSL wants a non-NULL pointer even for an empty key. */
	if (key_len == 0)
		key = empty;
	return EVP_MAC_init(hmac, key, key_len, NULL) == 1 &&
	    EVP_MAC_update(hmac, a, a_len) == 1 &&
	    EVP_MAC_update(hmac, b, b_len) == 1 &&
	    EVP_MAC_final(hmac, out, &n, hash_len) == 1 && n == hash_len ?
	    0 : -1;
}

/* HKDF-Expand (RFC 5869 2.3) for out_len <= hash_len: one block,
 * T(1) = HMAC(PRK, info || 0x01). */
static int
hkdf_expand1(EVP_MAC_CTX *hmac, size_t hash_len, const uint8_t *prk,
    const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len)
{
	static const uint8_t one = 0x01;
	uint8_t t[HKDF_HASH_MAX];
	int rc;

	rc = hkdf_hmac(hmac, hash_len, prk, hash_len, info, info_len, &one, 1,
	    t);
	memcpy(out, t, out_len);
	OPENSSL_cleanse(t, sizeof(t));
	return rc;
}

int
hkdf_expand_label(EVP_MAC_CTX *hmac, size_t hash_len, const uint8_t *secret,
    const char *label, uint8_t *out, size_t out_len)
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
	return hkdf_expand1(hmac, hash_len, secret, info, n, out, out_len);
}
