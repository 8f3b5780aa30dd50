/* sensor/spool.h: an on-disk FIFO of records waiting for delivery.
 *
 * Records that the Kafka output could not deliver are appended here and read
 * back in order once the broker is reachable again, also by the next run of
 * the sensor.  The spool is a directory of segment files named
 * <16 hex digits>.seg, oldest first, plus spool.pos (how far delivery got)
 * and spool.lock (one process per directory).
 *
 * A segment starts with the 8 bytes "FPSPOOL2"; each record follows as
 *
 *	u32 length (big endian)  u32 CRC-32C of length and payload  payload
 *
 * (segments of the first format, "FPSPOOL1", carry CRC-32 instead: they are
 * still read, and appended to in their own format);
 * and a header of zeros ends the records (what follows is room allocated
 * for appending, or records of the file's earlier life).  The newest
 * segment is written through a shared mapping, grown a chunk at a time
 * with fallocate(2) (a full disk is then an append error, never a fault):
 * the payload, a zero header after it, then its own header, so a process
 * killed at any instant leaves every earlier record whole, followed by a
 * zero header or by one record that fails its CRC; the next open cuts the
 * zeros silently and a damaged tail with a log line.  A record is in the
 * page cache once spool_append() returns: it survives the process being
 * killed, not the machine crashing.  Segments are fsync'ed when they are
 * rolled (unless no_sync_on_roll) and at spool_close(), so a power loss can
 * lose the newest records of the open segment (with no_sync_on_roll:
 * whatever the kernel had not written back yet, about 30 s by default).
 * The last segment rolled is kept mapped and, once delivered, reused as
 * the next new segment (renamed, its first header zeroed first), so a
 * steady stream of appends and acknowledgements costs no syscall and no
 * page fault per record.
 *
 * The records on disk never exceed max_bytes: an append that would is
 * refused and counted in n_dropped (files may hold up to two segments and
 * a 1 MiB chunk more, allocated ahead or kept for reuse).  Single-threaded;
 * no allocation after spool_open(). */
#ifndef FP_SENSOR_SPOOL_H
#define FP_SENSOR_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"

#define SPOOL_RECORD_MAX	(1u << 20)	/* payload bytes per record */
#define SPOOL_REC_HDR		8		/* length + CRC */
#define SPOOL_SEG_HDR		8		/* "FPSPOOL1" */
#define SPOOL_DEFAULT_MAX_BYTES	(1ull << 30)
#define SPOOL_DEFAULT_SEG_BYTES	(16ull << 20)

struct spool_config {
	const char	*dir;		/* created (0700) if missing */
	uint64_t	 max_bytes;	/* cap on segment bytes on disk */
	uint64_t	 segment_bytes;	/* a segment is rolled past this */
	bool		 no_sync_on_roll; /* no fsync when a segment is full */
};

/* Where a record read by spool_read() sits; give it to spool_ack(). */
struct spool_pos {
	uint64_t	 seq;		/* segment number */
	uint64_t	 end;		/* offset just past the record */
	uint64_t	 ordinal;	/* record number, counted from the
					   first pending record at open */
};

struct spool_stats {
	uint64_t	 n_appended;
	uint64_t	 n_dropped;	/* refused: cap, size, I/O error */
	uint64_t	 n_acked;
	uint64_t	 n_truncated;	/* damaged tails cut off */
	uint64_t	 truncated_bytes;
	uint64_t	 records;	/* pending now (appended, not acked) */
	uint64_t	 bytes;		/* segment bytes on disk now */
};

struct spool;

/* Open (creating if needed) the spool in cfg->dir: takes the lock, checks
 * that the directory is writable, scans every segment (cutting off damaged
 * tails) and reads spool.pos.  Returns the spool (owned by caller, free with
 * spool_close), or NULL with a message naming the directory in err. */
struct spool	*spool_open(const struct spool_config *cfg, char *err,
		    size_t errlen) FP_WARN_UNUSED;

/* Append one record of len bytes (1..SPOOL_RECORD_MAX).  Returns 0; or
 * -ENOSPC (over max_bytes), -EMSGSIZE or another -errno, the record then
 * counted in n_dropped and not written. */
int	spool_append(struct spool *s, const void *rec, size_t len);

/* Read the next record after the read cursor and move the cursor past it.
 * Returns 1 with *rec (borrowed: valid until the next spool call), *len and
 * *pos set; 0 when every record has been read; -errno on an I/O error.  A
 * record failing its checks is logged and the segment cut off there. */
int	spool_read(struct spool *s, const void **rec, size_t *len,
	    struct spool_pos *pos);

/* The record just appended is also the next one to read (every earlier
 * record has been read): move the read cursor past it and set *pos as
 * spool_read() would, for a caller that sends it from its own copy.  Returns
 * false, moving nothing, when older records are still unread. */
bool	spool_take(struct spool *s, struct spool_pos *pos);

/* Move the read cursor back to the first record not yet acknowledged. */
void	spool_rewind(struct spool *s);

/* Every record up to and including the one at pos was delivered: forget
 * them, delete segments that are wholly delivered and record the position
 * in spool.pos.  Returns 0 or -errno (the position then not saved: the
 * records would be read again by the next run). */
int	spool_ack(struct spool *s, const struct spool_pos *pos);

/* As spool_ack(), but spool.pos is only written by spool_save_pos() (or
 * spool_close()), and a segment that is delivered and still being written
 * is kept for the next appends. */
int	spool_advance(struct spool *s, const struct spool_pos *pos);

/* Write spool.pos if acknowledgements moved it since the last write.
 * Returns 0 or -errno. */
int	spool_save_pos(struct spool *s);

/* Records appended and not yet acknowledged. */
uint64_t	spool_pending(const struct spool *s);

const struct spool_stats	*spool_stats(const struct spool *s);

/* fsync the open segment.  Returns 0 or -errno. */
int	spool_sync(struct spool *s);

/* Sync, save the position (deleting a last segment that is wholly
 * delivered), unlock and free.  spool_close(NULL) is a no-op.
 * Returns 0 or -errno. */
int	spool_close(struct spool *s);

/* CRC-32 (IEEE 802.3, as zlib's crc32) of buf, continuing from crc (0 to
 * start). */
uint32_t	spool_crc32(uint32_t crc, const void *buf, size_t len);

/* CRC-32C (Castagnoli, as in iSCSI and ext4), the same way; the SSE 4.2
 * instruction when the processor has it. */
uint32_t	spool_crc32c(uint32_t crc, const void *buf, size_t len);

#endif
