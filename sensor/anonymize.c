/* sensor/anonymize.c: Crypto-PAn pseudonyms with AES-128 (libcrypto). */
#include "sensor/anonymize.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "cursor.h"

#define ANON_BLOCK	16
#define ANON_MAX_BITS	128

struct anon {
	EVP_CIPHER_CTX	*ctx;		/* AES-128-ECB, key scheduled once */
	uint8_t		 pad[ANON_BLOCK];
};

/* 64 hex digits into key; false if buf is anything else. */
static bool
key_from_hex(const uint8_t *buf, size_t len, uint8_t key[ANON_KEY_LEN])
{
	uint8_t tmp[ANON_KEY_LEN];

	if (len != 2 * ANON_KEY_LEN)
		return false;
	for (size_t i = 0; i < ANON_KEY_LEN; i++) {
		int hi = hex_digit(buf[2 * i]), lo = hex_digit(buf[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		tmp[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(key, tmp, sizeof(tmp));
	return true;
}

int
anon_key_load(const char *path, uint8_t key[ANON_KEY_LEN], char *err,
    size_t errsz)
{
	uint8_t buf[2 * ANON_KEY_LEN + 64];
	size_t len, text_len;
	FILE *fp;
	int e;

	if ((fp = fopen(path, "rb")) == NULL) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	len = fread(buf, 1, sizeof(buf), fp);
	e = ferror(fp) ? errno : 0;
	fclose(fp);
	if (e != 0) {
		snprintf(err, errsz, "%s: %s", path, strerror(e));
		return -1;
	}
	if (len == 0) {
		snprintf(err, errsz, "%s: empty key file (32 bytes or 64 hex "
		    "digits needed)", path);
		return -1;
	}
	text_len = len;
	while (text_len > 0 && isspace(buf[text_len - 1]))
		text_len--;
	if (len < sizeof(buf) && key_from_hex(buf, text_len, key))
		return 0;
	if (len == ANON_KEY_LEN) {
		memcpy(key, buf, ANON_KEY_LEN);
		return 0;
	}
	snprintf(err, errsz, "%s: key too %s (%s%zu bytes; 32 bytes or 64 hex "
	    "digits needed)", path, len < ANON_KEY_LEN ? "short" : "long",
	    len == sizeof(buf) ? "at least " : "", len);
	return -1;
}

struct anon *
anon_new(const uint8_t key[ANON_KEY_LEN], char *err, size_t errsz)
{
	struct anon *a;
	int n = 0;

	if ((a = calloc(1, sizeof(*a))) == NULL ||
	    (a->ctx = EVP_CIPHER_CTX_new()) == NULL) {
		snprintf(err, errsz, "anonymize: out of memory");
		anon_free(a);
		return NULL;
	}
	if (EVP_EncryptInit_ex(a->ctx, EVP_aes_128_ecb(), NULL, key,
	    NULL) != 1 || EVP_CIPHER_CTX_set_padding(a->ctx, 0) != 1 ||
	    EVP_EncryptUpdate(a->ctx, a->pad, &n, key + ANON_BLOCK,
	    ANON_BLOCK) != 1 || n != ANON_BLOCK) {
		snprintf(err, errsz, "anonymize: AES-128 unavailable in "
		    "libcrypto");
		anon_free(a);
		return NULL;
	}
	return a;
}

void
anon_free(struct anon *a)
{
	if (a == NULL)
		return;
	EVP_CIPHER_CTX_free(a->ctx);
	OPENSSL_cleanse(a->pad, sizeof(a->pad));
	free(a);
}

int
anon_addr(struct anon *a, uint8_t ip_version, const uint8_t *addr,
    uint8_t *out)
{
	uint8_t in[ANON_MAX_BITS * ANON_BLOCK];
	uint8_t enc[ANON_MAX_BITS * ANON_BLOCK];
	size_t n_bits = ip_version == 4 ? 32 : 128, n_bytes = n_bits / 8;
	int n = 0;

	/* Block i: the first i bits of the address, then the pad.  The blocks
	 * do not depend on each other, so one ECB call encrypts them all. */
	for (size_t i = 0; i < n_bits; i++) {
		uint8_t *blk = in + i * ANON_BLOCK;
		size_t whole = i / 8, rest = i % 8;

		memcpy(blk, a->pad, ANON_BLOCK);
		memcpy(blk, addr, whole);
		if (rest != 0) {
			uint8_t keep = (uint8_t)(0xff << (8 - rest));

			blk[whole] = (uint8_t)((addr[whole] & keep) |
			    (a->pad[whole] & (uint8_t)~keep));
		}
	}
	memset(out, 0, n_bytes);
	if (EVP_EncryptUpdate(a->ctx, enc, &n, in,
	    (int)(n_bits * ANON_BLOCK)) != 1 ||
	    n != (int)(n_bits * ANON_BLOCK))
		return -1;
	for (size_t i = 0; i < n_bits; i++)
		out[i / 8] |= (uint8_t)((enc[i * ANON_BLOCK] >> 7) <<
		    (7 - i % 8));
	for (size_t i = 0; i < n_bytes; i++)
		out[i] ^= addr[i];
	return 0;
}
