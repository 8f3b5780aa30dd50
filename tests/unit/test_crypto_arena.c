/* tests/unit/test_crypto_arena.c: libcrypto's allocations in a scope come
 * from the thread's arena, which the next scope reuses once all were freed;
 * a block kept past its scope sets its arena aside and stays usable
 * (realloc keeps its bytes, free is harmless); what does not fit spills to
 * malloc; a certificate decodes in a scope and leaves nothing behind; each
 * thread has its own arena. */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "crypto_arena.h"
#include "tests/test.h"

static unsigned char *cert_der;
static int cert_len;

/* A self-signed EC certificate, made outside any scope. */
static void
make_cert(void)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *x = X509_new();

	CHECK(k != NULL && x != NULL);
	CHECK(X509_set_version(x, X509_VERSION_3));
	CHECK(ASN1_INTEGER_set(X509_get_serialNumber(x), 7));
	CHECK(X509_gmtime_adj(X509_getm_notBefore(x), 0) != NULL);
	CHECK(X509_gmtime_adj(X509_getm_notAfter(x), 3600) != NULL);
	CHECK(X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN",
	    MBSTRING_ASC, (const unsigned char *)"arena.test", -1, -1, 0));
	CHECK(X509_set_issuer_name(x, X509_get_subject_name(x)));
	CHECK(X509_set_pubkey(x, k));
	CHECK(X509_sign(x, k, EVP_sha256()) > 0);
	CHECK((cert_len = i2d_X509(x, &cert_der)) > 0);
	X509_free(x);
	EVP_PKEY_free(k);
}

/* Decode the certificate in a scope; its subject's CN, checked. */
static void
decode_in_scope(void)
{
	const unsigned char *p = cert_der;
	char cn[64] = "";
	X509 *x;

	CHECK(crypto_arena_begin());
	x = d2i_X509(NULL, &p, cert_len);
	if (CHECK(x != NULL)) {
		X509_NAME_get_text_by_NID(X509_get_subject_name(x),
		    NID_commonName, cn, sizeof(cn));
		X509_free(x);
	}
	crypto_arena_end();
	CHECK_EQ_S(cn, "arena.test");
}

static void *
other_thread(void *arg)
{
	struct crypto_arena_stats a, b;

	(void)arg;
	crypto_arena_stats(&a);
	decode_in_scope();
	decode_in_scope();
	crypto_arena_stats(&b);
	CHECK_EQ_U(b.n_scopes - a.n_scopes, 2);
	crypto_arena_thread_end();
	return NULL;
}

int
main(void)
{
	struct crypto_arena_stats a, b;
	unsigned char *blk[32], *first, *kept, *big;
	pthread_t th;

	CHECK(crypto_arena_install());
	CHECK(!crypto_arena_install());
	make_cert();

	/* Blocks of a scope: written, grown with their bytes, freed; the
	 * next scope starts where this one did. */
	crypto_arena_stats(&a);
	CHECK(crypto_arena_begin());
	CHECK(!crypto_arena_begin());		/* not nested */
	for (int i = 0; i < 32; i++) {
		blk[i] = OPENSSL_malloc((size_t)(i * 7 + 1));
		if (CHECK(blk[i] != NULL))
			memset(blk[i], 'a' + i % 26, (size_t)(i * 7 + 1));
	}
	first = blk[0];
	blk[5] = OPENSSL_realloc(blk[5], 4000);
	CHECK(blk[5] != NULL && blk[5][0] == 'f' && blk[5][35] == 'f');
	CHECK(OPENSSL_malloc(0) == NULL);
	for (int i = 0; i < 32; i++)
		OPENSSL_free(blk[i]);
	crypto_arena_end();
	CHECK(crypto_arena_begin());
	blk[0] = OPENSSL_malloc(10);
	CHECK(blk[0] == first);
	OPENSSL_free(blk[0]);
	crypto_arena_end();

	/* A certificate decoded in a scope leaves nothing behind. */
	decode_in_scope();
	decode_in_scope();
	crypto_arena_stats(&b);
	CHECK_EQ_U(b.n_scopes - a.n_scopes, 4);
	CHECK_EQ_U(b.n_set_aside, a.n_set_aside);
	CHECK_EQ_U(b.n_spilled, a.n_spilled);
	CHECK_EQ_U(b.n_texts_moved, a.n_texts_moved);

	/* Broken certificates (cut short, a byte changed) fail to decode
	 * in a scope and leave nothing behind either: the texts of their
	 * errors, which the error queue keeps, are moved out. */
	for (int i = 1; i < cert_len; i += 3) {
		unsigned char bad[2048];
		const unsigned char *p = bad;
		X509 *x;

		if (cert_len > (int)sizeof(bad))
			break;
		memcpy(bad, cert_der, (size_t)cert_len);
		bad[i] ^= 0x5a;
		CHECK(crypto_arena_begin());
		if ((x = d2i_X509(NULL, &p, i % 2 ? cert_len : i)) != NULL)
			X509_free(x);
		crypto_arena_end();
	}
	crypto_arena_stats(&b);
	CHECK_EQ_U(b.n_set_aside, a.n_set_aside);
	CHECK_EQ_U(b.n_spilled, a.n_spilled);
	CHECK(b.n_texts_moved > a.n_texts_moved);

	/* Larger than the arena: from malloc, counted. */
	CHECK(crypto_arena_begin());
	big = OPENSSL_malloc(CRYPTO_ARENA_BYTES + 1);
	CHECK(big != NULL);
	if (big != NULL)
		big[CRYPTO_ARENA_BYTES] = 1;
	OPENSSL_free(big);
	crypto_arena_end();
	crypto_arena_stats(&a);
	CHECK_EQ_U(a.n_spilled, b.n_spilled + 1);

	/* Kept past its scope: the arena is set aside, the block lives on
	 * and is reallocated (bytes kept) and freed outside any scope. */
	CHECK(crypto_arena_begin());
	kept = OPENSSL_malloc(100);
	if (CHECK(kept != NULL))
		memset(kept, 'k', 100);
	crypto_arena_end();
	crypto_arena_stats(&b);
	CHECK_EQ_U(b.n_set_aside, a.n_set_aside + 1);
	if (kept != NULL) {
		kept = OPENSSL_realloc(kept, 1000);
		CHECK(kept != NULL && kept[0] == 'k' && kept[99] == 'k');
		OPENSSL_free(kept);
	}
	/* The next scope takes a new arena and works as before. */
	decode_in_scope();
	crypto_arena_stats(&a);
	CHECK_EQ_U(a.n_set_aside, b.n_set_aside);

	/* Another thread: its own arena, given back at its end. */
	CHECK(pthread_create(&th, NULL, other_thread, NULL) == 0);
	pthread_join(th, NULL);
	decode_in_scope();

	OPENSSL_free(cert_der);
	crypto_arena_thread_end();
	return test_done("test_crypto_arena");
}
