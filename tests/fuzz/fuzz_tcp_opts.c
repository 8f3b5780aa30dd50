/* tests/fuzz/fuzz_tcp_opts.c: TCP option parsing (p0f semantics) and JA4T
 * on arbitrary option bytes (at most 40, as in a TCP header). */
#include <stddef.h>
#include <stdint.h>

#include "analyzers/tcp_opts.h"
#include "analyzers/tcp_sig.h"
#ifdef FP_JA4PLUS
#include "analyzers/ja4t.h"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tcp_opts o;
	char buf[TCP_SIG_STR_MAX];

	if (size > 40)
		size = 40;
	tcp_opts_parse(data, size, size & 1, &o);
	if (o.n_opts > TCP_MAX_OPTS)
		__builtin_trap();
	tcp_sig_format_layout(o.layout, o.n_opts, o.eol_pad, buf, sizeof(buf));
#ifdef FP_JA4PLUS
	char j[JA4T_STR_MAX];
	ja4t_format(1024, data, size, j, sizeof(j));
#endif
	return 0;
}
