/* analyzers/tcp.h: TCP handshake analyzer (p0f signature and OS label for
 * the SYN and the SYN+ACK; JA4T/JA4TS with --enable-ja4plus). */
#ifndef FP_ANALYZERS_TCP_H
#define FP_ANALYZERS_TCP_H

#include "analyzers/analyzer.h"

extern const struct analyzer tcp_analyzer;

#endif
