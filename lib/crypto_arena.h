/* lib/crypto_arena.h: libcrypto's allocations in a per-thread arena while
 * a scope is open, so that decoding a certificate calls no malloc.
 *
 * crypto_arena_install() routes every OpenSSL allocation of the process
 * through this file.  Outside a scope (and on threads that never open
 * one) each call goes straight to malloc, realloc and free.  Inside
 * crypto_arena_begin() .. crypto_arena_end() on a thread, allocations are
 * carved from that thread's arena (ARENA_BYTES, allocated at the thread's
 * first scope) and frees of them cost nothing; the arena is reused by the
 * next scope once every block carved in this one has been freed.  A block
 * that outlives its scope (kept by a library cache, say) is never
 * reclaimed under it: its arena is set aside, still recognised by free()
 * and realloc(), and the thread takes a new one at its next scope (at
 * most CRYPTO_ARENA_MAX arenas in all; after that, plain malloc).  A scope
 * needing more than an arena holds spills to malloc.  The texts of errors
 * a failed decode raised stay on the thread's error queue: they are moved
 * to malloc when the scope ends.  All of it is counted. */
#ifndef FP_LIB_CRYPTO_ARENA_H
#define FP_LIB_CRYPTO_ARENA_H

#include <stdbool.h>
#include <stdint.h>

#define CRYPTO_ARENA_BYTES	(256u << 10)
#define CRYPTO_ARENA_MAX	64

struct crypto_arena_stats {
	uint64_t	 n_scopes;	/* scopes opened with an arena */
	uint64_t	 n_spilled;	/* allocations in a scope, no room */
	/* Scopes that left error texts on the thread's error queue (a
	 * certificate OpenSSL refused), moved to malloc at the end. */
	uint64_t	 n_texts_moved;
	uint64_t	 n_set_aside;	/* arenas left with a live block */
};

/* Route libcrypto's allocator here.  Call first thing in main(), before
 * anything has used libcrypto: false (and nothing changed) otherwise, or
 * when called twice; scopes then fall back to malloc silently.  The first
 * scope of the process first decodes a public key of each common type
 * outside any scope, so that OpenSSL's lasting caches are made on
 * malloc. */
bool	crypto_arena_install(void);

/* Open (true) a scope on this thread; false when not installed or no
 * arena can be had (the code inside runs the same, on malloc). */
bool	crypto_arena_begin(void);

/* Close the scope a true crypto_arena_begin() opened. */
void	crypto_arena_end(void);

/* Free this thread's arena if nothing in it is still in use.  For the end
 * of a thread that opened scopes. */
void	crypto_arena_thread_end(void);

/* The process's counters so far. */
void	crypto_arena_stats(struct crypto_arena_stats *st);

#endif
