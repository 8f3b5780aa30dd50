/* analyzers/registry.c: the one table of analyzers. */
#include "analyzers/analyzer.h"

#include "analyzers/tcp.h"

const struct analyzer *const analyzers[] = {
	&tcp_analyzer,
};

const size_t n_analyzers = sizeof(analyzers) / sizeof(analyzers[0]);
