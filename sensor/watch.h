/* sensor/watch.h: reload on file change.
 *
 * One thread watches, with inotify (Linux), the files a running sensor
 * loaded: the *.yaml of the rules directory, each GeoIP database and the
 * model directory (its entries, among them a `default` symlink, and the
 * files of each version subdirectory).  A file written and closed, moved
 * or linked into place, created or deleted there starts a quiet period;
 * once nothing else has changed for quiet_ms (a set copied file by file
 * is taken whole, not half), fire(arg, path) is called from that thread
 * with a path that changed, and the caller raises the same request as
 * SIGHUP.  Nothing runs on the packet path.
 *
 * Directories are watched, not the files themselves, so that a file
 * replaced by rename (mv, sed -i, editors) or by an atomic symlink swap
 * is seen, and so is a file that did not exist at start.  The directory
 * holding the rules or model directory is watched for its name too, and
 * every watch is set again from the paths before each request: a
 * directory replaced whole (a symlink swapped) is watched from then on.
 * Kubernetes ConfigMap volumes swap a "..data" symlink: a change of that
 * name counts for every watched file of the directory.  Hidden names
 * (".x.swp"), backups ("x~") and, in the rules directory, names not
 * ending in .yaml are ignored. */
#ifndef FP_SENSOR_WATCH_H
#define FP_SENSOR_WATCH_H

#include <stdbool.h>
#include <stddef.h>

#define WATCH_QUIET_MS		250
#define WATCH_MAX_FILES		4

struct watch;

/* What to watch; any may be NULL (not watched). */
struct watch_config {
	const char	*rules_dir;
	const char	*files[WATCH_MAX_FILES];	/* GeoIP databases */
	const char	*model_dir;
	unsigned	 quiet_ms;		/* 0: WATCH_QUIET_MS */
};

typedef void	watch_fire_fn(void *arg, const char *path);

/* True when this build can watch files (Linux). */
bool	watch_is_available(void);

/* Start the watching thread (signals blocked in it).  Returns the watch,
 * or NULL with the reason in err (no inotify, no directory to watch, too
 * many watches); the caller then reloads on SIGHUP only. */
struct watch	*watch_start(const struct watch_config *cfg,
		    watch_fire_fn *fire, void *arg, char *err, size_t errsz);

/* Stop the thread and free w (NULL: nothing). */
void	watch_stop(struct watch *w);

#endif
