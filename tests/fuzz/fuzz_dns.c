/* tests/fuzz/fuzz_dns.c: the DNS message parser over one input taken as a
 * UDP payload, as a TCP stream (length prefix) and name by name. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "analyzers/dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct dns_message m;

static void
check(int ok)
{
	if (!ok)
		__builtin_trap();
}

static void
sane(void)
{
	check(m.n_questions <= DNS_MAX_QUESTIONS);
	check(m.n_answers <= DNS_MAX_ANSWERS);
	check(m.edns.n_options <= DNS_MAX_OPTIONS);
	for (size_t i = 0; i < m.n_questions; i++)
		check(strlen(m.questions[i].name) < DNS_NAME_TEXT);
	for (size_t i = 0; i < m.n_answers; i++)
		check(strlen(m.answers[i].name) < DNS_NAME_TEXT &&
		    strlen(m.answers[i].target) < DNS_NAME_TEXT);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[DNS_NAME_TEXT];
	uint32_t an = 0;
	size_t used, end;

	(void)dns_parse(data, size, &m);
	sane();
	for (size_t off = 0; off < size;) {
		if (dns_parse_tcp(data + off, size - off, &m, &used) ==
		    DNS_NEED_MORE)
			break;
		sane();
		off += used;
	}
	for (size_t off = 0; off < size && off < 64; off++) {
		end = dns_read_name(data, size, off, text, &an);
		check(end <= size && strlen(text) < DNS_NAME_TEXT);
	}
	return 0;
}
