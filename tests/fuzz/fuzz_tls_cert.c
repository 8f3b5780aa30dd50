/* tests/fuzz/fuzz_tls_cert.c: the Certificate message splitter (TLS 1.2
 * and 1.3 layouts) and, with JA4+, JA4X of each certificate and of the
 * input taken as one DER certificate. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "analyzers/tls_hello.h"
#ifdef FP_JA4PLUS
#include "analyzers/ja4x.h"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
certs(const uint8_t *data, size_t size, bool is_tls13)
{
	static struct tls_certificate c;

	(void)tls_parse_certificate(data, size, is_tls13, &c);
	for (size_t i = 0; i < c.n_certs; i++) {
		if (c.certs[i].off > size ||
		    c.certs[i].len > size - c.certs[i].off)
			abort();	/* a ref outside the input */
#ifdef FP_JA4PLUS
		static struct ja4x x;

		(void)ja4x_from_der(data + c.certs[i].off, c.certs[i].len,
		    &x);
#endif
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	certs(data, size, false);
	certs(data, size, true);
#ifdef FP_JA4PLUS
	static struct ja4x x;

	(void)ja4x_from_der(data, size, &x);
#endif
	return 0;
}
