/* sensor/output.h: where records go.
 *
 * An output takes complete records (one JSON object and its newline).  The
 * file output writes JSON lines to a path or stdout through a large buffer;
 * other outputs (Kafka) implement the same three operations. */
#ifndef FP_SENSOR_OUTPUT_H
#define FP_SENSOR_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct output {
	const char	*name;		/* for messages: a path or "stdout" */
	int		(*write)(struct output *o, const char *rec, size_t len);
	int		(*close)(struct output *o);
	int		(*flush)(struct output *o);	/* NULL: nothing */
	void		*impl;
	uint64_t	 n_records;
	uint64_t	 n_errors;
};

/* Open a JSON-lines file output on path ("-" or NULL: stdout).  Returns 0,
 * or -1 with errno set. */
int	output_file_open(struct output *o, const char *path);

/* Write one record.  Returns 0, or -1 when the output failed (the record is
 * counted in n_errors). */
int	output_write(struct output *o, const char *rec, size_t len);

/* Push out what is buffered (live capture when idle: records should not
 * wait for the buffer to fill).  Returns 0, or -1 if the output failed. */
int	output_flush(struct output *o);

/* Flush and close.  Returns 0, or -1 if anything could not be written. */
int	output_close(struct output *o);

#endif
