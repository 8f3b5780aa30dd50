/* tests/fuzz/fuzz_ssh.c: SSH identification, KEXINIT and HASSH over one
 * input taken as a whole stream and as bare binary packets. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "analyzers/ssh.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ssh_ident id;
static struct ssh_kexinit k;
static char raw[SSH_HASSH_RAW];

static void
check(int ok)
{
	if (!ok)
		__builtin_trap();
}

static void
kex(const uint8_t *d, size_t n)
{
	char md5[33];

	if (ssh_parse_kexinit(d, n, &k) != SSH_OK)
		return;
	check(k.consumed <= n);
	for (int i = 0; i < SSH_N_LISTS; i++)
		check(strlen(k.lists[i]) <= SSH_MAX_NAMELIST);
	check(ssh_hassh(&k, false, raw, sizeof(raw), md5) < sizeof(raw));
	(void)ssh_hassh(&k, true, raw, 8, md5);
	check(strlen(md5) == 32);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (ssh_parse_ident(data, size, &id) == SSH_OK) {
		check(id.consumed <= size && strlen(id.line) <= SSH_MAX_IDENT);
		kex(data + id.consumed, size - id.consumed);
	}
	kex(data, size);
	return 0;
}
