/* sensor/capture.h: reading packets from a capture file (pcap or pcapng,
 * told apart by content; "-" is stdin) through libpcap. */
#ifndef FP_SENSOR_CAPTURE_H
#define FP_SENSOR_CAPTURE_H

#include <pcap/pcap.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum capture_result {
	CAPTURE_EOF = 0,	/* read to the end */
	CAPTURE_DAMAGED,	/* stopped at damage; see message */
	CAPTURE_STOPPED,	/* a signal asked us to stop */
};

struct capture {
	pcap_t		*pcap;		/* libpcap reader, or NULL */
	const char	*path;
	int		 dlt;
	uint64_t	 n_read;
	/* Classic pcap in a regular file, read in large blocks without
	 * libpcap: buf holds whole records from buf_off to buf_len. */
	int		 fd;		/* -1: libpcap reads */
	uint8_t		*buf;
	size_t		 buf_off;	/* next record header */
	size_t		 buf_len;
	bool		 eof;		/* nothing after buf_len */
	struct mapped	*mp;		/* capture_map(), or NULL */
	unsigned	 mp_slot;	/* this walk's place in a shared map */
	bool		 swapped;	/* other byte order than ours */
	bool		 nsec;		/* nanosecond timestamps */
	uint32_t	 snaplen;
	bool		 has_filter;
	struct bpf_program filter;
	uint64_t	 n_over_snaplen; /* records longer than the snaplen */
	char		 err[PCAP_ERRBUF_SIZE + 512];
};

/* Called for each packet; data is borrowed until it returns. */
typedef void	capture_fn(void *arg, int dlt, uint64_t ts_us,
		    const uint8_t *data, uint32_t caplen, uint32_t wire_len);

/* Open path and apply the BPF filter (may be NULL).  A regular file in the
 * classic pcap format is walked without libpcap (the same checks, messages
 * and results): in 1 MiB blocks of read(), or in place after
 * capture_map(); pcapng, stdin and anything else go through libpcap.
 * Returns 0, or -1 with a message naming the file in c->err. */
int			 capture_open_offline(struct capture *c,
			    const char *path, const char *bpf);

/* Walk the file in place instead of reading it: map it, and populate the
 * page tables a chunk ahead of the walk, so that it neither copies nor
 * faults page by page.  What the walk passes stays readable until the
 * capture is closed (what it has left a chunk behind is given back and
 * faulted in again if read).  A file cut while mapped ends the walk as
 * damaged (SIGBUS is caught for the mapping).  Only for the direct
 * reader, before the first packet; false when not done (the walk then
 * reads with read()). */
bool			 capture_map(struct capture *c);

/* Walk c's file through the map of another capture of the same file
 * (capture_map(from), neither walk started), so that its pages are
 * populated once for both: whichever walk is ahead populates, and a chunk
 * is unmapped again once every walk has left it.  For replay workers that
 * each walk the whole file.  False when not done (c is left as it was;
 * capture_map(c) still works). */
bool			 capture_map_share(struct capture *c,
			    struct capture *from);

/* Read every packet into fn until the end, damage, or *stop. */
enum capture_result	 capture_run(struct capture *c, capture_fn *fn,
			    void *arg, volatile sig_atomic_t *stop);

void			 capture_close(struct capture *c);

#endif
