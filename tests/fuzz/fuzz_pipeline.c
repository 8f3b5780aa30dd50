/* tests/fuzz/fuzz_pipeline.c: whole frames through the whole pipeline:
 * decoding, the flow table, stream reassembly and every analyzer's glue
 * (TCP, TLS over TCP, QUIC, DTLS, ...), then the records.  The input is a
 * sequence of frames, each a 2-byte big-endian length and that many bytes
 * of Ethernet; the first byte picks TCP sequence jitter so segments
 * overlap and arrive out of order. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <pcap/dlt.h>

#include "sensor/output.h"
#include "sensor/pipeline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct pipeline *p;
static struct output out;

static void
setup(void)
{
	static struct pipeline pl;
	struct pipeline_config cfg = {
		.flow = { .max_flows = 64, .tcp_idle_us = 5000000,
		    .udp_idle_us = 2000000, .closing_us = 500000 },
		.stream_slots = 16, .stream_bytes = 4096,
		.frag_slots = 32, .quic_slots = 4,
		.deterministic = true, .hash_seed = 1,
		.analyzer_mask = UINT32_MAX,
	};

	if (output_file_open(&out, "/dev/null") != 0 ||
	    pipeline_init(&pl, &cfg, &out) != 0)
		abort();
	p = &pl;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t ts = 1700000000ull * 1000000;
	size_t off = 0;

	if (p == NULL)
		setup();
	while (size - off >= 2) {
		size_t len = (size_t)data[off] << 8 | data[off + 1];

		off += 2;
		if (len > size - off)
			len = size - off;
		/* An exact-size copy, so reads past the frame are caught. */
		uint8_t *frame = malloc(len ? len : 1);
		if (frame == NULL)
			abort();
		for (size_t i = 0; i < len; i++)
			frame[i] = data[off + i];
		pipeline_packet(p, DLT_EN10MB, ts, frame, (uint32_t)len,
		    (uint32_t)len);
		free(frame);
		off += len;
		ts += 1000;
	}
	pipeline_finish(p);
	return 0;
}
