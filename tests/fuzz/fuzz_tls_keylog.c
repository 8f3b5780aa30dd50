/* tests/fuzz/fuzz_tls_keylog.c: the NSS key log parser on any bytes; the
 * same bytes as a pcapng file walked for Decryption Secrets Blocks, and as
 * a client's TLS 1.2 and 1.3 records and a TLS 1.3 server's handshake
 * under fixed secrets, fed as a stream that grows. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "analyzers/tls_decrypt.h"
#include "analyzers/tls_keylog.h"
#include "log.h"
#include "sensor/pcapng_dsb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct {
	uint16_t	 version;
	uint16_t	 suite;
} suites[] = {
	{ 0x0304, 0x1301 }, { 0x0304, 0x1302 }, { 0x0304, 0x1303 },
	{ 0x0303, 0xc02f }, { 0x0303, 0xc030 }, { 0x0303, 0xcca8 },
};

static void
records(const uint8_t *data, size_t size)
{
	static struct tls_dec_ctx *c;
	static struct tls_keylog_entry e;
	static struct tls_dec d;
	static const uint8_t sr[32];

	if (c == NULL) {
		if ((c = tls_dec_ctx_new()) == NULL)
			abort();
		e.have = 0x1f;
		for (int k = 0; k < TLS_KL_KINDS; k++) {
			e.len[k] = 48;
			for (int i = 0; i < 48; i++)
				e.secret[k][i] = (uint8_t)(k * 48 + i);
		}
		e.len[TLS_KL_CLIENT_AP] = 32;	/* so the 384-bit suite lacks */
	}
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		tls_dec_init(&d, &e);
		d.early_data = (data[0] & 1) != 0;
		if (tls_dec_start(c, &d, suites[i].version, suites[i].suite,
		    sr) != 0)
			continue;
		for (size_t len = 1; len <= size; len += 1 + len / 8) {
			(void)tls_dec_feed(c, &d, data, len);
			(void)tls_dec_feed_server(c, &d, data, len);
		}
		(void)tls_dec_feed(c, &d, data, size);
		(void)tls_dec_feed_server(c, &d, data, size);
		if (d.consumed > size || d.plain_len > TLS_DEC_PLAIN_MAX ||
		    d.s_consumed > size || d.s_hs_len > TLS_DEC_SERVER_HS_MAX)
			abort();
		tls_dec_wipe(&d);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	struct tls_keylog kl;
	char err[256];
	FILE *fp;

	if (!init) {
		log_init("fuzz_tls_keylog", LOG_LEVEL_ERROR);
		init = 1;
	}
	tls_keylog_init(&kl);
	if (tls_keylog_load_buf(&kl, "fuzz", (const char *)data, size) < 0)
		abort();
	/* Every entry held is found by its own client random. */
	for (size_t i = 0; i < kl.cap; i++)
		if (kl.e[i].have != 0 &&
		    tls_keylog_find(&kl, kl.e[i].client_random) != &kl.e[i])
			abort();
	tls_keylog_free(&kl);
	if (size > 0 && (fp = fmemopen((void *)data, size, "rb")) != NULL) {
		tls_keylog_init(&kl);
		(void)pcapng_dsb_scan(fp, "fuzz", &kl, err, sizeof(err));
		tls_keylog_free(&kl);
		fclose(fp);
		records(data, size);
	}
	return 0;
}
