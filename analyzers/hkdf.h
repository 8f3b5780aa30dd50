/* analyzers/hkdf.h: HMAC and HKDF-Expand-Label (RFC 2104, RFC 8446 7.1)
 * with SHA-256 or SHA-384, shared by the QUIC Initial keys
 * (analyzers/quic.c) and TLS 1.3 record keys (analyzers/tls_decrypt.c).
 *
 * The hashes are libcrypto's SHA256_* and SHA384_* on the caller's stack:
 * nothing is allocated (an EVP_MAC context allocates each time it is
 * given a new key, so a connection's few derivations cost dozens of
 * allocations through it).  Only outputs of at most one hash block are
 * supported (keys, IVs, secrets): out_len <= hash_len. */
#ifndef FP_ANALYZERS_HKDF_H
#define FP_ANALYZERS_HKDF_H

#include <stddef.h>
#include <stdint.h>

#define HKDF_HASH_MAX	48	/* SHA-384 */

/* HKDF-Expand-Label(secret, label, "", out_len) into out, with SHA-256
 * (hash_len 32) or SHA-384 (48); secret is hash_len bytes; label is at
 * most 32 characters, without the "tls13 " prefix.  Returns 0, or -1 if
 * an argument is out of range. */
int	hkdf_expand_label(size_t hash_len, const uint8_t *secret,
	    const char *label, uint8_t *out, size_t out_len);

/* HMAC(key, a || b) into out[hash_len] (32: SHA-256, 48: SHA-384); a and
 * b may be NULL when empty.  Returns 0, or -1 for another hash_len. */
int	hkdf_hmac(size_t hash_len, const uint8_t *key, size_t key_len,
	    const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len,
	    uint8_t *out);

#endif
