/* sensor/pcapng_dsb.h: the TLS key logs a pcapng file carries in
 * Decryption Secrets Blocks (block type 0x0000000A, secrets type
 * 0x544c534b "TLSK"), which libpcap does not expose: the file's blocks are
 * walked once before it is replayed.
 *
 * The walk reads headers and trailers only, and each TLSK block's
 * secrets; it follows each section's byte order.  A block whose lengths
 * lie (too short, not a multiple of 4, past the end of the file, trailer
 * not equal to header) is an error naming the file and the offset. */
#ifndef FP_SENSOR_PCAPNG_DSB_H
#define FP_SENSOR_PCAPNG_DSB_H

#include <stddef.h>
#include <stdio.h>

#include "analyzers/tls_keylog.h"

#define PCAPNG_DSB_MAX	(16u << 20)	/* secrets in one block */

/* Walk fp (seekable, from its start) named name; add the key log of each
 * TLSK block to kl (refused lines are logged as "NAME (secrets block at
 * OFFSET):LINE: ...").  A file that is not pcapng has none: 0.  Returns
 * the number of TLSK blocks, or -1 with err[0..errlen) saying why. */
long	pcapng_dsb_scan(FILE *fp, const char *name, struct tls_keylog *kl,
	    char *err, size_t errlen);

/* The same for the file at path; "-", a pipe, a FIFO or anything else
 * that is not a regular file is not read (it could not be read again by
 * the replay): 0. */
long	pcapng_dsb_scan_path(const char *path, struct tls_keylog *kl,
	    char *err, size_t errlen);

#endif
