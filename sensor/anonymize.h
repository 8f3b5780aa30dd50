/* sensor/anonymize.h: keyed, prefix-preserving IP address pseudonyms.
 *
 * Crypto-PAn (Xu, Fan, Ammar, Moon 2002) with AES-128 from libcrypto.  The
 * 32-byte key is an AES key (bytes 0..15) and a pad secret (bytes 16..31,
 * encrypted once into the 128-bit pad).  Bit i of the pseudonym is bit i of
 * the address XOR the top bit of AES(the address's first i bits followed by
 * the pad's bits i..127).  Hence:
 *   - two addresses whose longest common prefix is n bits map to pseudonyms
 *     whose longest common prefix is n bits (subnets stay subnets);
 *   - the map is a bijection per address family and depends only on the key,
 *     so every sensor holding the key gives a client the same pseudonym.
 * IPv4 is the published algorithm (same results as the reference code);
 * IPv6 is the same construction over all 128 bits.
 *
 * No allocation after anon_new(); no globals.  A struct anon holds a cipher
 * context, so it belongs to one worker (make one per worker, same key). */
#ifndef FP_SENSOR_ANONYMIZE_H
#define FP_SENSOR_ANONYMIZE_H

#include <stddef.h>
#include <stdint.h>

#include "log.h"

#define ANON_KEY_LEN	32

struct anon;

/* Read the key file at path: exactly 32 raw bytes, or 64 hex digits
 * (trailing whitespace allowed).  Returns 0, or -1 with a message naming the
 * file in err (empty, too short, too long, unreadable); key is then left
 * untouched. */
int		 anon_key_load(const char *path, uint8_t key[ANON_KEY_LEN],
		    char *err, size_t errsz) FP_WARN_UNUSED;

/* Schedule key once.  Returns the pseudonymizer (owned by caller, freed
 * with anon_free()), or NULL with a message in err. */
struct anon	*anon_new(const uint8_t key[ANON_KEY_LEN], char *err,
		    size_t errsz);
void		 anon_free(struct anon *a);

/* Pseudonym of addr (4 bytes for ip_version 4, else 16) into out (as many
 * bytes).  Returns 0, or -1 if libcrypto failed: out is then all zero, so
 * the real address never leaks. */
int		 anon_addr(struct anon *a, uint8_t ip_version,
		    const uint8_t *addr, uint8_t *out) FP_WARN_UNUSED;

#endif
