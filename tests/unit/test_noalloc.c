/* tests/unit/test_noalloc.c: no allocation per handshake.  TLS, QUIC,
 * HTTP, DNS and SSH captures of pcaps/ go through a pipeline with every
 * analyzer twice; the second pass (the same connections an hour later,
 * new flows) must not call malloc, calloc, realloc or aligned allocation
 * at all, libcrypto included: the first pass has filled what is filled
 * once (the digest memo, the certificate arena, stdio's buffer).  Then a
 * second pipeline, made before counting, takes them once more: its
 * certificate cache is empty, so every certificate is decoded again by
 * OpenSSL, in the thread's arena (lib/crypto_arena.h), without malloc.
 *
 * The allocator is counted by defining it here (glibc's __libc_*
 * underneath), so a sanitizer build, whose runtime owns malloc, skips. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto_arena.h"
#include "sensor/capture.h"
#include "sensor/output.h"
#include "sensor/pipeline.h"
#include "tests/test.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define NOALLOC_SKIP	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define NOALLOC_SKIP	1
#endif
#endif

static bool counting;
static unsigned long n_allocs;

#ifndef NOALLOC_SKIP
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

void *
malloc(size_t n)
{
	n_allocs += counting;
	return __libc_malloc(n);
}

void *
calloc(size_t n, size_t size)
{
	n_allocs += counting;
	return __libc_calloc(n, size);
}

void *
realloc(void *p, size_t n)
{
	n_allocs += counting;
	return __libc_realloc(p, n);
}

void *
aligned_alloc(size_t align, size_t n)
{
	n_allocs += counting;
	return __libc_memalign(align, n);
}

int
posix_memalign(void **p, size_t align, size_t n)
{
	n_allocs += counting;
	if ((*p = __libc_memalign(align, n)) == NULL)
		return ENOMEM;
	return 0;
}

void
free(void *p)
{
	__libc_free(p);
}
#endif

#define MAX_FRAMES	20000

struct frame {
	int		 dlt;
	uint64_t	 ts_us;
	uint32_t	 caplen;
	uint32_t	 wire_len;
	uint8_t		*data;
};

static struct frame frames[MAX_FRAMES];
static size_t n_frames;

static void
keep(void *arg, int dlt, uint64_t ts_us, const uint8_t *data,
    uint32_t caplen, uint32_t wire_len)
{
	struct frame *f;

	(void)arg;
	if (n_frames == MAX_FRAMES || (f = &frames[n_frames],
	    f->data = malloc(caplen ? caplen : 1)) == NULL)
		return;
	memcpy(f->data, data, caplen);
	f->dlt = dlt;
	f->ts_us = ts_us;
	f->caplen = caplen;
	f->wire_len = wire_len;
	n_frames++;
}

/* Every frame of the captures, each capture moved to start one second
 * after the last ended (their connections never overlap). */
static void
load(const char *dir)
{
	static const char *const names[] = { "curl_https.pcap",
	    "openssl_tls12.pcap", "openssl_tls13.pcap", "gnutls.pcap",
	    "python_https.pcap", "quic-go-v1-initial.pcap", "chromium.pcap",
	    "firefox.pcap", "dtls_frag.pcap", "curl_http.pcap", "dig.pcap",
	    "ssh.pcap" };
	static volatile sig_atomic_t no_stop;
	uint64_t at = 1700000000ull * 1000000;
	char path[4096];

	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		struct capture c;
		size_t first = n_frames;

		snprintf(path, sizeof(path), "%s/pcaps/%s", dir, names[i]);
		if (!CHECK(capture_open_offline(&c, path, NULL) == 0))
			continue;
		CHECK(capture_run(&c, keep, NULL, &no_stop) == CAPTURE_EOF);
		capture_close(&c);
		if (n_frames == first)
			continue;
		for (size_t k = n_frames; k-- > first + 1;)
			frames[k].ts_us -= frames[first].ts_us;
		frames[first].ts_us = 0;
		for (size_t k = first; k < n_frames; k++)
			frames[k].ts_us += at;
		at = frames[n_frames - 1].ts_us + 1000000;
	}
}

static void
pass(struct pipeline *p, uint64_t shift)
{
	for (size_t i = 0; i < n_frames; i++)
		pipeline_packet(p, frames[i].dlt, frames[i].ts_us + shift,
		    frames[i].data, frames[i].caplen, frames[i].wire_len);
	pipeline_finish(p);
}

int
main(void)
{
	const char *dir = getenv("top_srcdir");
	struct pipeline_config cfg = {
		.flow = { .max_flows = 1024, .tcp_idle_us = 300000000,
		    .udp_idle_us = 60000000, .closing_us = 1000000 },
		.stream_slots = 64, .stream_bytes = 16384,
		.frag_slots = 64, .quic_slots = 16,
		.deterministic = true, .hash_seed = 1,
		.analyzer_mask = UINT32_MAX,
	};
	struct pipeline p, p2;
	struct output out;
	struct crypto_arena_stats s0, s1, a0, a1;
	uint64_t records;

#ifdef NOALLOC_SKIP
	puts("SKIP: a sanitizer owns the allocator");
	return 77;
#endif
	CHECK(crypto_arena_install());
	load(dir != NULL ? dir : ".");
	CHECK(n_frames > 200);
	if (!CHECK(output_file_open(&out, "/dev/null") == 0) ||
	    !CHECK(pipeline_init(&p, &cfg, &out) == 0))
		return 1;
	crypto_arena_stats(&s0);
	pass(&p, 0);
	crypto_arena_stats(&s1);
	records = p.stats.records;
	CHECK(records > 20);
	counting = true;
	pass(&p, 3600ull * 1000000);
	counting = false;
	CHECK_EQ_U(p.stats.records, 2 * records);
	CHECK_EQ_U(n_allocs, 0);
	printf("second pass: %zu frames, %" PRIu64 " records, %lu "
	    "allocations\n", n_frames, p.stats.records - records, n_allocs);

	if (!CHECK(pipeline_init(&p2, &cfg, &out) == 0))
		return 1;
	crypto_arena_stats(&a0);
	n_allocs = 0;
	counting = true;
	pass(&p2, 7200ull * 1000000);
	counting = false;
	crypto_arena_stats(&a1);
	CHECK_EQ_U(p2.stats.records, records);
	CHECK_EQ_U(n_allocs, 0);
	CHECK_EQ_U(a1.n_spilled, 0);
	CHECK_EQ_U(a1.n_set_aside, 0);
	CHECK_EQ_U(a1.n_texts_moved, 0);
	/* Every certificate decoded again, in the arena. */
	CHECK_EQ_U(a1.n_scopes - a0.n_scopes, s1.n_scopes - s0.n_scopes);
#ifdef FP_JA4PLUS
	CHECK(a1.n_scopes - a0.n_scopes > 0);
#endif
	printf("new pipeline: %" PRIu64 " records, %" PRIu64 " certificates "
	    "decoded, %lu allocations\n", p2.stats.records,
	    a1.n_scopes - a0.n_scopes, n_allocs);
	pipeline_free(&p2);
	pipeline_free(&p);
	output_close(&out);
	for (size_t i = 0; i < n_frames; i++)
		free(frames[i].data);
	return test_failures ? 1 : 0;
}
