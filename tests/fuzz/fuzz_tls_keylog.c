/* tests/fuzz/fuzz_tls_keylog.c: the NSS key log parser on any bytes, and
 * the same bytes as a pcapng file walked for Decryption Secrets Blocks. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "analyzers/tls_keylog.h"
#include "log.h"
#include "sensor/pcapng_dsb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
	}
	return 0;
}
