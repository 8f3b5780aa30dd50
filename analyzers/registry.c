/* analyzers/registry.c: the one table of analyzers. */
#include "analyzers/analyzer.h"

#include "analyzers/tcp.h"
#include "analyzers/tls.h"
#include "analyzers/app.h"
#include "analyzers/ndpi.h"

const struct analyzer *const analyzers[] = {
	&tcp_analyzer,
	&tls_analyzer,
	&tls_udp_analyzer,
	&http_analyzer,
	&dns_analyzer,
	&ssh_analyzer,
	&fp_ndpi_analyzer,
};

const size_t n_analyzers = sizeof(analyzers) / sizeof(analyzers[0]);
