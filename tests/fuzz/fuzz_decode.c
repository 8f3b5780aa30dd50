/* tests/fuzz/fuzz_decode.c: link to transport decoding and the TCP
 * signature path on arbitrary frames.  The first input byte picks the
 * link type, the rest is the frame. */
#include <stddef.h>
#include <stdint.h>

#include <pcap/dlt.h>

#include "analyzers/p0f_db.h"
#include "analyzers/tcp_sig.h"
#include "sensor/decode.h"
#ifdef FP_JA4PLUS
#include "analyzers/ja4t.h"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int dlts[] = {
	DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW, DLT_IPV4,
	DLT_IPV6, DLT_NULL, DLT_LOOP,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct packet pkt = { 0 };
	struct tcp_sig sig;
	struct p0f_match m;
	char buf[TCP_SIG_STR_MAX];
	bool is_synack;

	if (size < 1)
		return 0;
	if (decode_packet(dlts[data[0] % (sizeof(dlts) / sizeof(dlts[0]))],
	    data + 1, size - 1, &pkt) != DECODE_OK)
		return 0;
	if (pkt.payload_len > 0 && pkt.payload[pkt.payload_len - 1] == 0x5a)
		buf[0] = 0;	/* touch the last payload byte (ASan) */
	if (!tcp_sig_eligible(&pkt, &is_synack))
		return 0;
	tcp_sig_from_packet(&pkt, &sig);
	tcp_sig_format(&sig, 1460, buf, sizeof(buf));
	p0f_db_match_tcp(NULL, &sig, 0, &m);
#ifdef FP_JA4PLUS
	char j[JA4T_STR_MAX];
	ja4t_format(sig.win, pkt.tcp_opts, pkt.tcp_opts_len, j, sizeof(j));
#endif
	return 0;
}
