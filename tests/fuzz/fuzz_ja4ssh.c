/* tests/fuzz/fuzz_ja4ssh.c: JA4SSH windows (FoxIO License 1.1; built with
 * --enable-ja4plus) over one input cut into TCP segments: each segment is
 * a header byte (bit 0: server; bit 1: bare ACK; bits 2..7: length / 4)
 * and that many payload bytes; the second pass feeds the input whole to
 * each side, as a clear-text SSH stream. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "analyzers/ja4ssh.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ja4ssh s;

static void
check(int ok)
{
	if (!ok)
		__builtin_trap();
}

static void
check_state(void)
{
	struct ja4ssh_fp fp;
	char buf[JA4SSH_STR_MAX];

	check(s.n < JA4SSH_WINDOW);
	check(s.n_fp <= JA4SSH_MAX_WINDOWS);
	for (int i = 0; i < s.n_fp; i++) {
		check(s.fp[i].n_ssh[0] + s.fp[i].n_ssh[1] == JA4SSH_WINDOW);
		check(ja4ssh_format(&s.fp[i], buf, sizeof(buf)) < sizeof(buf));
	}
	if (ja4ssh_pending(&s, &fp)) {
		check(fp.n_ssh[0] + fp.n_ssh[1] == s.n);
		check(ja4ssh_format(&fp, buf, sizeof(buf)) < sizeof(buf));
	}
	for (int i = 0; i < 2; i++)
		check(s.side[i].phase <= JA4SSH_PH_OPAQUE);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;

	ja4ssh_init(&s, 0, 0);
	while (off < size) {
		uint8_t h = data[off++];
		size_t n = (size_t)(h >> 2) * 4;

		if (n > size - off)
			n = size - off;
		ja4ssh_segment(&s, h & 1, (h & 2) ? 0x10 : 0x18, data + off, n,
		    (uint32_t)n);
		off += n;
	}
	check_state();
	ja4ssh_init(&s, 1, 1);
	ja4ssh_segment(&s, false, 0x18, data, size, (uint32_t)size);
	ja4ssh_segment(&s, true, 0x18, data, size, (uint32_t)size);
	check_state();
	return 0;
}
