/* analyzers/hpack.h: HPACK (RFC 7541) header block decoder.
 *
 * One struct hpack_decoder per direction of an HTTP/2 connection holds the
 * dynamic table in a fixed arena (HPACK_TABLE_CAP bytes of names and
 * values; RFC 7541 sizes count 32 more per entry, so the arena can never
 * overflow).  Decoding allocates nothing.  The dynamic table keeps header
 * values (cookies included) for the life of the flow: it is flow state,
 * never serialised; hpack_wipe() clears it.
 *
 * A table size update above HPACK_TABLE_CAP (a peer that advertised a
 * bigger SETTINGS_HEADER_TABLE_SIZE) is clamped and flagged: entries the
 * encoder still has but we evicted then decode as errors. */
#ifndef FP_ANALYZERS_HPACK_H
#define FP_ANALYZERS_HPACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HPACK_TABLE_CAP		4096	/* RFC 7541 default table size */
#define HPACK_MAX_ENTRIES	(HPACK_TABLE_CAP / 32)
#define HPACK_MAX_STRING	8192	/* longer strings are cut in output */
#define HPACK_MAX_FIELDS	128
#define HPACK_BLOCK_BUF		16384

/* Block anomalies (struct hpack_block.anomalies). */
#define HPACK_ANOM_FIELDS_TRUNCATED	0x0001u	/* over HPACK_MAX_FIELDS */
#define HPACK_ANOM_BUF_FULL		0x0002u	/* HPACK_BLOCK_BUF: field dropped */
#define HPACK_ANOM_SIZE_CLAMPED		0x0004u	/* size update > our cap */
#define HPACK_ANOM_LATE_SIZE_UPDATE	0x0008u	/* size update after a field */
#define HPACK_ANOM_UPPERCASE_NAME	0x0010u	/* RFC 9113 wants lower case */
#define HPACK_ANOM_STRING_CUT		0x0020u	/* over HPACK_MAX_STRING */
#define HPACK_ANOM_LONG_INT_PAD		0x0040u	/* redundant 0x80 bytes */

/* Field flags (struct hpack_field.flags). */
#define HPACK_F_INDEXED		0x01u	/* fully from a table */
#define HPACK_F_NEVER_INDEXED	0x02u	/* 0001xxxx literal */
#define HPACK_F_ADDED		0x04u	/* inserted into the dynamic table */
#define HPACK_F_HUFFMAN		0x08u	/* value was Huffman-coded */

enum hpack_status { HPACK_OK, HPACK_MALFORMED };

enum hpack_error {
	HPACK_ERR_NONE,
	HPACK_ERR_TRUNCATED,	/* block ends inside a representation */
	HPACK_ERR_INTEGER,	/* over 2^32-1 or too many bytes */
	HPACK_ERR_INDEX,	/* 0 or beyond the tables */
	HPACK_ERR_HUFFMAN,	/* EOS, bad padding */
	HPACK_ERR_BROKEN	/* decoder failed earlier: connection lost */
};

struct hpack_entry {
	uint16_t	off;		/* into arena, may wrap */
	uint16_t	name_len;
	uint16_t	value_len;
};

struct hpack_decoder {
	uint32_t	limit;		/* SETTINGS_HEADER_TABLE_SIZE, capped */
	uint32_t	max_size;	/* current, from size updates */
	uint32_t	size;		/* RFC 7541 4.1 size of the entries */
	uint16_t	n;		/* entries */
	uint16_t	first;		/* ring slot of the oldest entry */
	uint16_t	head;		/* arena offset of the next write */
	bool		is_broken;
	struct hpack_entry ent[HPACK_MAX_ENTRIES];
	uint8_t		arena[HPACK_TABLE_CAP];
};

struct hpack_field {
	uint16_t	name_off;	/* into buf, NUL-terminated */
	uint16_t	name_len;
	uint16_t	value_off;
	uint16_t	value_len;
	uint8_t		flags;		/* HPACK_F_* */
};

/* Decoded header list of one block.  Scratch: it holds every value of the
 * block, cookies included; owned by the caller, not to be serialised. */
struct hpack_block {
	struct hpack_field f[HPACK_MAX_FIELDS];
	uint16_t	n;		/* stored fields, in order */
	uint16_t	n_seen;		/* fields in the block */
	uint16_t	used;
	uint32_t	anomalies;	/* HPACK_ANOM_* */
	enum hpack_error err;
	char		buf[HPACK_BLOCK_BUF];
};

/* Empty the table; limit is the decoder side's SETTINGS_HEADER_TABLE_SIZE
 * (4096 by default), clamped to HPACK_TABLE_CAP. */
void	hpack_init(struct hpack_decoder *d, uint32_t limit);

/* Zero the decoder, values included. */
void	hpack_wipe(struct hpack_decoder *d);

/* Decode one complete header block blk[0..len) into *out (fully
 * overwritten), updating the dynamic table.  On HPACK_MALFORMED, out->err
 * says why, *out keeps the fields before the error, and d is marked broken
 * (RFC 7541: a decoding error is fatal to the connection). */
enum hpack_status hpack_decode(struct hpack_decoder *d, const uint8_t *blk,
		    size_t len, struct hpack_block *out);

/* Decode a Huffman string src[0..len) into dst (dstsz bytes, not
 * NUL-terminated).  Returns the full decoded length (may exceed dstsz:
 * the excess is dropped), or -1 on EOS, overlong or non-1 padding. */
long	hpack_huffman_decode(const uint8_t *src, size_t len, uint8_t *dst,
	    size_t dstsz);

/* Name and value of field i, NUL-terminated, borrowed from b. */
const char	*hpack_field_name(const struct hpack_block *b, size_t i);
const char	*hpack_field_value(const struct hpack_block *b, size_t i);

#endif
