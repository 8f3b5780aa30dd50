/* lib/crypto_arena.c: libcrypto's allocations in a per-thread arena while
 * a scope is open (see crypto_arena.h). */
#include "crypto_arena.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

/* A block: its size in a header of ARENA_ALIGN bytes, then the bytes. */
#define ARENA_ALIGN	16

struct arena {
	uint8_t		*base;		/* CRYPTO_ARENA_BYTES */
	size_t		 used;
	size_t		 n_live;	/* blocks carved and not freed */
	unsigned	 slot;		/* in bases[] */
};

static atomic_bool installed;
static pthread_once_t warm_once = PTHREAD_ONCE_INIT;
/* Every arena ever registered, by base address (0: slot freed), so that a
 * block is recognised whichever thread frees it, and whenever. */
static _Atomic uintptr_t bases[CRYPTO_ARENA_MAX];
static atomic_uint n_bases;
static atomic_uint_fast64_t n_scopes, n_spilled, n_set_aside, n_texts_moved;

static _Thread_local struct arena *cur;
static _Thread_local bool in_scope;

static bool
in_arena(const void *p, const struct arena *a)
{
	uintptr_t u = (uintptr_t)p, b = (uintptr_t)a->base;

	return u >= b && u < b + CRYPTO_ARENA_BYTES;
}

static bool
in_any_arena(const void *p)
{
	unsigned n = atomic_load_explicit(&n_bases, memory_order_acquire);
	uintptr_t u = (uintptr_t)p;

	if (n > CRYPTO_ARENA_MAX)
		n = CRYPTO_ARENA_MAX;
	for (unsigned i = 0; i < n; i++) {
		uintptr_t b = atomic_load_explicit(&bases[i],
		    memory_order_relaxed);

		if (b != 0 && u >= b && u < b + CRYPTO_ARENA_BYTES)
			return true;
	}
	return false;
}

static size_t
block_size(const void *p)
{
	size_t n;

	memcpy(&n, (const uint8_t *)p - ARENA_ALIGN, sizeof(n));
	return n;
}

static void *
arena_malloc(size_t n, const char *file, int line)
{
	struct arena *a = cur;

	(void)file;
	(void)line;
	if (n == 0)
		return NULL;		/* as CRYPTO_malloc() */
	if (in_scope && a != NULL) {
		size_t need = ARENA_ALIGN + ((n + ARENA_ALIGN - 1) &
		    ~(size_t)(ARENA_ALIGN - 1));

		if (n < CRYPTO_ARENA_BYTES &&
		    need <= CRYPTO_ARENA_BYTES - a->used) {
			uint8_t *p = a->base + a->used;

			memcpy(p, &n, sizeof(n));
			a->used += need;
			a->n_live++;
			return p + ARENA_ALIGN;
		}
		atomic_fetch_add_explicit(&n_spilled, 1,
		    memory_order_relaxed);
	}
	return malloc(n);
}

static void
arena_free(void *p, const char *file, int line)
{
	(void)file;
	(void)line;
	if (p == NULL)
		return;
	if (cur != NULL && in_arena(p, cur)) {
		cur->n_live--;
		return;
	}
	if (atomic_load_explicit(&n_bases, memory_order_relaxed) != 0 &&
	    in_any_arena(p))
		return;			/* in an arena set aside */
	free(p);
}

static void *
arena_realloc(void *p, size_t n, const char *file, int line)
{
	void *q;
	size_t old;

	if (p == NULL)
		return arena_malloc(n, file, line);
	if (n == 0) {
		arena_free(p, file, line);	/* as CRYPTO_realloc() */
		return NULL;
	}
	if (!((cur != NULL && in_arena(p, cur)) ||
	    (atomic_load_explicit(&n_bases, memory_order_relaxed) != 0 &&
	    in_any_arena(p))))
		return realloc(p, n);
	old = block_size(p);
	if ((q = arena_malloc(n, file, line)) == NULL)
		return NULL;
	memcpy(q, p, old < n ? old : n);
	arena_free(p, file, line);
	return q;
}

/* A certificate for key, self-signed, decoded once. */
static void
warm_up_key(EVP_PKEY *key)
{
	X509 *x = X509_new(), *y;
	unsigned char *der = NULL;
	const unsigned char *p;
	int len;

	if (key == NULL || x == NULL)
		goto out;
	if (X509_set_version(x, X509_VERSION_3) &&
	    ASN1_INTEGER_set(X509_get_serialNumber(x), 1) &&
	    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN",
	    MBSTRING_ASC, (const unsigned char *)"fpsensor", -1, -1, 0) &&
	    X509_set_issuer_name(x, X509_get_subject_name(x)) &&
	    X509_gmtime_adj(X509_getm_notBefore(x), 0) != NULL &&
	    X509_gmtime_adj(X509_getm_notAfter(x), 60) != NULL &&
	    X509_set_pubkey(x, key) &&
	    X509_sign(x, key, EVP_PKEY_is_a(key, "ED25519") ||
	    EVP_PKEY_is_a(key, "ED448") ? NULL : EVP_sha256()) > 0 &&
	    (len = i2d_X509(x, &der)) > 0) {
		p = der;
		if ((y = d2i_X509(NULL, &p, len)) != NULL)
			X509_free(y);
	}
	OPENSSL_free(der);
out:
	X509_free(x);
	EVP_PKEY_free(key);
}

/* OpenSSL fetches a key type's decoders the first time it decodes such a
 * key, and keeps them in caches for the life of the process.  Done in a
 * scope, that would hold the arena, so it is done before the first scope,
 * on malloc, for the key types certificates carry (RSA-PSS certificates
 * mostly carry an RSA key).  About 20 ms, mostly the RSA key. */
static void
warm_up(void)
{
	warm_up_key(EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)512));
	warm_up_key(EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"));
	warm_up_key(EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"));
	warm_up_key(EVP_PKEY_Q_keygen(NULL, NULL, "ED448"));
	ERR_clear_error();
}

bool
crypto_arena_install(void)
{
	bool expected = false;

	if (!atomic_compare_exchange_strong(&installed, &expected, true))
		return false;
	if (!CRYPTO_set_mem_functions(arena_malloc, arena_realloc,
	    arena_free)) {
		atomic_store(&installed, false);
		return false;
	}
	return true;
}

/* This thread's arena, made (and registered) at its first scope. */
static struct arena *
arena_get(void)
{
	struct arena *a;
	unsigned slot;

	if (cur != NULL)
		return cur;
	if (atomic_load(&n_bases) >= CRYPTO_ARENA_MAX)
		return NULL;
	if ((a = malloc(sizeof(*a))) == NULL)
		return NULL;
	if ((a->base = aligned_alloc(ARENA_ALIGN, CRYPTO_ARENA_BYTES)) ==
	    NULL) {
		free(a);
		return NULL;
	}
	if ((slot = atomic_fetch_add(&n_bases, 1)) >= CRYPTO_ARENA_MAX) {
		free(a->base);
		free(a);
		return NULL;
	}
	a->used = a->n_live = 0;
	a->slot = slot;
	atomic_store_explicit(&bases[slot], (uintptr_t)a->base,
	    memory_order_release);
	/* The thread's error queue, made now on malloc. */
	ERR_clear_error();
	return cur = a;
}

bool
crypto_arena_begin(void)
{
	if (!atomic_load_explicit(&installed, memory_order_relaxed) ||
	    in_scope)
		return false;
	(void)pthread_once(&warm_once, warm_up);
	if (arena_get() == NULL)
		return false;
	in_scope = true;
	atomic_fetch_add_explicit(&n_scopes, 1, memory_order_relaxed);
	return true;
}

void
crypto_arena_end(void)
{
	if (!in_scope)
		return;
	/* What a failed decode left on the error queue, freed while the
	 * scope is still open. */
	ERR_clear_error();
	in_scope = false;
	if (cur->n_live != 0) {
		/* The queue keeps the text buffers of cleared errors for
		 * reuse.  An error raised in every slot makes OpenSSL grow
		 * each buffer it has, from malloc now, moving the text out
		 * of the arena. */
		atomic_fetch_add_explicit(&n_texts_moved, 1,
		    memory_order_relaxed);
		for (int i = 0; i < ERR_NUM_ERRORS; i++)
			ERR_raise_data(ERR_LIB_USER, ERR_R_INTERNAL_ERROR,
			    "-");
		ERR_clear_error();
	}
	if (cur->n_live == 0) {
		cur->used = 0;
		return;
	}
	/* A block lives on (a library cache took it): never reuse this
	 * arena, but keep recognising its blocks. */
	atomic_fetch_add_explicit(&n_set_aside, 1, memory_order_relaxed);
	free(cur);			/* the bookkeeping; the bytes stay */
	cur = NULL;
}

void
crypto_arena_thread_end(void)
{
	struct arena *a = cur;

	if (a == NULL || in_scope || a->n_live != 0)
		return;
	atomic_store_explicit(&bases[a->slot], 0, memory_order_release);
	free(a->base);
	free(a);
	cur = NULL;
}

void
crypto_arena_stats(struct crypto_arena_stats *st)
{
	st->n_scopes = atomic_load(&n_scopes);
	st->n_spilled = atomic_load(&n_spilled);
	st->n_set_aside = atomic_load(&n_set_aside);
	st->n_texts_moved = atomic_load(&n_texts_moved);
}
