/* tests/fuzz/fuzz_hpack.c: the HPACK decoder and the HTTP/2 client stream
 * parser.  The first byte picks the mode: 0 two header blocks split at the
 * second byte through one decoder (table limit from the third), 1 an
 * HTTP/2 client stream after the connection preface (added here), with
 * every following request, 2 a bare Huffman string. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "analyzers/hpack.h"
#include "analyzers/http2.h"
#ifdef FP_JA4PLUS
#include "analyzers/ja4h.h"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct hpack_decoder dec;
static struct hpack_block blk;
static struct http2_preface pre;
static struct http_request req;
static struct http_cookies ck;
static uint8_t stream[1 << 16];

static void
check(int ok)
{
	if (!ok)
		__builtin_trap();
}

static void
blocks(const uint8_t *d, size_t n)
{
	size_t cut;

	if (n < 2)
		return;
	cut = d[0] < n - 2 ? d[0] : n - 2;
	hpack_init(&dec, (uint32_t)d[1] << 5);
	d += 2;
	n -= 2;
	(void)hpack_decode(&dec, d, cut, &blk);
	(void)hpack_decode(&dec, d + cut, n - cut, &blk);
	check(dec.size <= dec.max_size && dec.max_size <= HPACK_TABLE_CAP);
	check(blk.n <= HPACK_MAX_FIELDS && blk.used <= HPACK_BLOCK_BUF);
	for (size_t i = 0; i < blk.n; i++)
		check(strlen(hpack_field_name(&blk, i)) <= blk.f[i].name_len);
}

static void
request(void)
{
	check(req.version_major == 2 && req.hdrs.n <= HTTP_MAX_HEADERS);
#ifdef FP_JA4PLUS
	static struct ja4h j;

	ja4h_compute(&req, &ck, &j);
#endif
}

static void
h2(const uint8_t *d, size_t n)
{
	char ak[HTTP2_AKAMAI_SIZE];
	size_t off, used;
	uint32_t an = 0;

	if (n > sizeof(stream) - HTTP2_PREFACE_LEN)
		n = sizeof(stream) - HTTP2_PREFACE_LEN;
	memcpy(stream, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", HTTP2_PREFACE_LEN);
	memcpy(stream + HTTP2_PREFACE_LEN, d, n);
	n += HTTP2_PREFACE_LEN;
	hpack_init(&dec, 4096);
	enum http2_status st = http2_parse_preface(stream, n, &dec, &pre,
	    &req, &ck);
	check(http2_akamai(&pre, ak, sizeof(ak)) < sizeof(ak));
	if (st != HTTP2_OK)
		return;
	request();
	for (off = pre.consumed; off < n;) {
		st = http2_parse_next_request(stream + off, n - off, &dec, &req,
		    &ck, &used, &an);
		if (st == HTTP2_OK)
			request();
		else if (st != HTTP2_NEED_MORE || used == 0)
			break;
		off += used;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t out[256];

	if (size == 0)
		return 0;
	switch (data[0] % 3) {
	case 0:
		blocks(data + 1, size - 1);
		break;
	case 1:
		h2(data + 1, size - 1);
		break;
	default:
		(void)hpack_huffman_decode(data + 1, size - 1, out, sizeof(out));
		break;
	}
	return 0;
}
