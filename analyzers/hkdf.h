/* analyzers/hkdf.h: HKDF-Expand-Label (RFC 8446 7.1), shared by the QUIC
 * Initial keys (analyzers/quic.c) and TLS 1.3 record keys
 * (analyzers/tls_decrypt.c).
 *
 * The caller owns an EVP_MAC_CTX for HMAC whose digest is already set
 * (SHA-256 or SHA-384); it is re-keyed per call, so nothing is allocated.
 * Only outputs of at most one hash block are supported (keys, IVs,
 * secrets): out_len <= hash_len. */
#ifndef FP_ANALYZERS_HKDF_H
#define FP_ANALYZERS_HKDF_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#define HKDF_HASH_MAX	48	/* SHA-384 */

/* HKDF-Expand-Label(secret, label, "", out_len) into out.  hmac's digest
 * gives hash_len bytes (32 or 48); secret is hash_len bytes; label is at
 * most 32 characters, without the "tls13 " prefix.  Returns 0, or -1 if
 * OpenSSL failed or an argument is out of range. */
int	hkdf_expand_label(EVP_MAC_CTX *hmac, size_t hash_len,
	    const uint8_t *secret, const char *label, uint8_t *out,
	    size_t out_len);

/* HMAC(key, a || b) into out[hash_len], on hmac (re-keyed). */
int	hkdf_hmac(EVP_MAC_CTX *hmac, size_t hash_len, const uint8_t *key,
	    size_t key_len, const uint8_t *a, size_t a_len, const uint8_t *b,
	    size_t b_len, uint8_t *out);

#endif
