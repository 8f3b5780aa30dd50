/* tests/fuzz/fuzz_tls_hello.c: the TLS record walker, DTLS framing, the
 * hello parsers and the fingerprints over one input, which is taken both
 * as a TCP byte stream and as a bare handshake body. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stddef.h>
#include <stdint.h>

#include "analyzers/tls_fp.h"
#include "analyzers/tls_hello.h"
#include "analyzers/tls_record.h"
#ifdef FP_JA4PLUS
#include "analyzers/ja4s.h"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char out[TLS_FP_JA3_MAX + TLS_FP_JA4_RAW_MAX + 1];

static void
client(const struct tls_client_hello *ch)
{
	(void)tls_fp_ja3(ch, out, sizeof(out));
	(void)tls_fp_ja3_md5(ch, out, sizeof(out));
	(void)tls_fp_ja4(ch, 't', TLS_FP_JA4, out, sizeof(out));
	(void)tls_fp_ja4(ch, 'q', TLS_FP_JA4_R, out, sizeof(out));
	(void)tls_fp_ja4(ch, 'd', TLS_FP_JA4_O, out, sizeof(out));
	(void)tls_fp_ja4(ch, 't', TLS_FP_JA4_RO, out, 40);
}

static void
server(const struct tls_server_hello *sh)
{
	(void)tls_fp_ja3s(sh, out, sizeof(out));
	(void)tls_fp_ja3s_md5(sh, out, sizeof(out));
#ifdef FP_JA4PLUS
	(void)ja4s_format(sh, 't', false, out, sizeof(out));
	(void)ja4s_format(sh, 't', true, out, 20);
#endif
}

static void
messages(const uint8_t *hs, size_t len)
{
	static struct tls_client_hello ch;
	static struct tls_server_hello sh;
	static struct tls_certificate cert;
	struct tls_hs_msg m;
	size_t pos = 0;

	while (tls_hs_next(hs, len, &pos, &m) == TLS_OK) {
		if (m.type == TLS_HS_CLIENT_HELLO) {
			(void)tls_parse_client_hello(m.body, m.len, &ch);
			client(&ch);
		} else if (m.type == TLS_HS_SERVER_HELLO) {
			(void)tls_parse_server_hello(m.body, m.len, &sh);
			server(&sh);
		} else if (m.type == TLS_HS_CERTIFICATE) {
			(void)tls_parse_certificate(m.body, m.len, false,
			    &cert);
		}
	}
}

static void
stream(const uint8_t *data, size_t size)
{
	static uint8_t hs[1 << 14];
	struct tls_record_state st;
	size_t step = size > 0 ? 1 + data[size - 1] % 64 : 1;

	/* Fed in growing pieces, as a reassembler would. */
	tls_record_init(&st, hs, sizeof(hs));
	for (size_t len = 0; len < size; len += step)
		if (tls_record_feed(&st, data, len) != TLS_NEED_MORE)
			break;
	(void)tls_record_feed(&st, data, size);
	if (st.is_sslv2) {
		static struct tls_client_hello ch;

		(void)tls_parse_sslv2_client_hello(st.hs_buf, st.hs_len, &ch);
		client(&ch);
	} else {
		messages(st.hs_buf, st.hs_len);
	}
}

static void
datagram(const uint8_t *data, size_t size)
{
	static struct tls_client_hello ch;
	struct dtls_record rec;
	struct dtls_hs hs;
	size_t pos = 0;

	while (dtls_record_next(data, size, &pos, &rec) == TLS_OK) {
		size_t hpos = 0;

		if (rec.type != TLS_CT_HANDSHAKE)
			continue;
		while (dtls_hs_parse(rec.fragment, rec.len, &hpos, &hs) ==
		    TLS_OK)
			if (hs.is_complete && hs.type == TLS_HS_CLIENT_HELLO) {
				(void)dtls_parse_client_hello(hs.frag,
				    hs.frag_len, &ch);
				client(&ch);
			}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tls_client_hello ch;
	static struct tls_server_hello sh;

	stream(data, size);
	datagram(data, size);
	messages(data, size);
	(void)tls_parse_client_hello(data, size, &ch);
	client(&ch);
	(void)dtls_parse_client_hello(data, size, &ch);
	(void)tls_parse_server_hello(data, size, &sh);
	server(&sh);
	(void)tls_parse_sslv2_client_hello(data, size, &ch);
	return 0;
}
