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

/* OpenSSL fetches a key type's decoders the first time it decodes such a
 * key, and keeps them in caches for the life of the process.  Done in a
 * scope, that would hold the arena, so it is done before the first scope,
 * on malloc: one public key (SubjectPublicKeyInfo) of each type
 * certificates carry, made with `openssl genpkey -algorithm T | openssl
 * pkey -pubout -outform DER` (RSA of 512 bits, EC on P-256, Ed25519,
 * Ed448; RSA-PSS certificates mostly carry an RSA key).  A key type not
 * warmed up costs one arena set aside, once. */
static const uint8_t spki_rsa[] = {
	0x30, 0x5c, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d,
	0x01, 0x01, 0x01, 0x05, 0x00, 0x03, 0x4b, 0x00, 0x30, 0x48, 0x02, 0x41,
	0x00, 0xd4, 0xf3, 0xc5, 0x4f, 0x2e, 0xd7, 0xa2, 0xf7, 0x57, 0x6b, 0xb8,
	0xa4, 0xd6, 0x54, 0x23, 0x70, 0x83, 0xf5, 0xef, 0xe0, 0x55, 0xd4, 0xc4,
	0x3b, 0x3d, 0x40, 0x04, 0x09, 0x64, 0xb1, 0xa7, 0x58, 0x04, 0x5f, 0xea,
	0xdf, 0xca, 0x2f, 0xec, 0x5c, 0x44, 0x38, 0x6d, 0x4f, 0x03, 0xf2, 0x0a,
	0x57, 0x20, 0xff, 0xbc, 0xda, 0xd5, 0x73, 0x64, 0xb8, 0x86, 0xce, 0x61,
	0x46, 0xed, 0xc6, 0x54, 0x75, 0x02, 0x03, 0x01, 0x00, 0x01,
};
static const uint8_t spki_ec[] = {
	0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02,
	0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03,
	0x42, 0x00, 0x04, 0x48, 0xa9, 0x25, 0xeb, 0xf6, 0xe9, 0xe2, 0x7c, 0xa5,
	0xbe, 0xc0, 0x3d, 0x9a, 0x1e, 0x75, 0x84, 0xbb, 0x02, 0xcf, 0x26, 0xc2,
	0xbf, 0xd5, 0x80, 0xbd, 0xd1, 0x76, 0xe8, 0x33, 0x04, 0x71, 0x48, 0x98,
	0x25, 0xbf, 0xea, 0xfa, 0xf5, 0xad, 0xc0, 0x33, 0xe6, 0x4d, 0xb4, 0x5a,
	0xfe, 0x50, 0x7b, 0x68, 0xd6, 0x29, 0x6e, 0x83, 0x68, 0x76, 0x01, 0xe5,
	0x1b, 0x9c, 0xc3, 0xb8, 0xf2, 0xbe, 0x8a,
};
static const uint8_t spki_ed25519[] = {
	0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
	0x9b, 0x61, 0x76, 0x29, 0xa3, 0x24, 0x36, 0x2d, 0x2e, 0xf2, 0x64, 0x9e,
	0x6a, 0xe0, 0x7c, 0xe1, 0x96, 0x59, 0xd5, 0x41, 0xbe, 0x0a, 0x56, 0x19,
	0x0b, 0x5c, 0x01, 0xe8, 0xcc, 0x21, 0xb9, 0xd5,
};
static const uint8_t spki_ed448[] = {
	0x30, 0x43, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x71, 0x03, 0x3a, 0x00,
	0xf1, 0xf6, 0xc9, 0xf9, 0xa1, 0x65, 0x24, 0xdc, 0xa3, 0xc6, 0xe6, 0x52,
	0xa8, 0x98, 0x6b, 0xe4, 0xe2, 0xa5, 0x98, 0xa6, 0x12, 0x18, 0xbe, 0x6c,
	0x62, 0x2d, 0x78, 0x68, 0x76, 0x20, 0x0a, 0xc9, 0x0d, 0x91, 0xda, 0x42,
	0xfb, 0xab, 0x20, 0x0b, 0xd3, 0xa6, 0x43, 0x21, 0x43, 0x5a, 0x20, 0x8d,
	0x6e, 0x73, 0x31, 0x18, 0xf2, 0x70, 0x08, 0x1d, 0x00,
};

static void
warm_up(void)
{
	static const struct {
		const uint8_t	*der;
		long		 len;
	} spki[] = {
		{ spki_rsa, sizeof(spki_rsa) }, { spki_ec, sizeof(spki_ec) },
		{ spki_ed25519, sizeof(spki_ed25519) },
		{ spki_ed448, sizeof(spki_ed448) },
	};

	for (size_t i = 0; i < sizeof(spki) / sizeof(spki[0]); i++) {
		const unsigned char *p = spki[i].der;

		EVP_PKEY_free(d2i_PUBKEY(NULL, &p, spki[i].len));
	}
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
