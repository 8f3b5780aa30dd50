/* tests/fuzz/fuzz_quic.c: QUIC Initial parsing, decryption and frames.
 * The input is tried as a client UDP payload (header walk, key derivation,
 * decryption of whatever claims to be an Initial) and, since random bytes
 * almost never authenticate, also directly as a decrypted Initial payload
 * (frames and CRYPTO reassembly). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyzers/quic.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct quic_crypto_buf crypto;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct quic_ctx *ctx;
	struct quic_long_header h;
	struct quic_keys keys;
	struct quic_datagram d;
	struct quic_frames st;
	size_t msg_len;

	if (ctx == NULL && (ctx = quic_ctx_new()) == NULL)
		abort();
	(void)quic_is_initial_candidate(data, size);
	(void)quic_parse_long_header(data, size, &h);

	memset(&keys, 0, sizeof(keys));
	memset(&crypto, 0, sizeof(crypto));
	if (quic_parse_datagram(ctx, data, size, &keys, &crypto, &d) ==
	    QUIC_ERROR)
		abort();
	/* Twice: the second pass runs with cached keys. */
	(void)quic_parse_datagram(ctx, data, size, &keys, &crypto, &d);

	memset(&st, 0, sizeof(st));
	memset(&crypto, 0, sizeof(crypto));
	(void)quic_parse_frames(data, size, &crypto, &st);
	if (quic_crypto_hello_complete(&crypto, &msg_len) &&
	    msg_len > quic_crypto_contiguous(&crypto))
		abort();
	return 0;
}
