/* sensor/watch.c: reload on file change, with inotify. */
#include "sensor/watch.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#ifdef __linux__
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define WATCH_MAX_DIRS	72	/* the model directory's versions too */
#define WATCH_EVENTS	(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | \
			    IN_CREATE | IN_DELETE | IN_EXCL_UNLINK | \
			    IN_ONLYDIR)

/* One watched directory and the names in it that count. */
struct watch_dir {
	int		 wd;		/* -1: gone */
	char		*path;
	bool		 is_any;	/* every visible name */
	bool		 is_yaml;	/* *.yaml */
	bool		 is_model_root;	/* its new subdirectories too */
	const char	*names[WATCH_MAX_FILES + 2]; /* borrowed */
	size_t		 n_names;
};

struct watch {
	int		 ifd;
	int		 stop[2];	/* pipe: a byte stops the thread */
	pthread_t	 thread;
	struct watch_dir dirs[WATCH_MAX_DIRS];
	size_t		 n_dirs;
	/* What to watch, owned copies without trailing slashes. */
	char		*rules_dir;
	char		*files[WATCH_MAX_FILES];
	char		*model_dir;
	unsigned	 quiet_ms;
	watch_fire_fn	*fire;
	void		*arg;
	char		 changed[PATH_MAX];	/* the last change */
	unsigned	 n_changed;
};

bool
watch_is_available(void)
{
	return true;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The entry of directory path, added (the same directory twice is one
 * inotify watch: one entry); NULL with err. */
static struct watch_dir *
add_dir(struct watch *w, const char *path, char *err, size_t errsz)
{
	struct watch_dir *d;
	int wd;

	if ((wd = inotify_add_watch(w->ifd, path, WATCH_EVENTS)) < 0) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return NULL;
	}
	for (size_t i = 0; i < w->n_dirs; i++)
		if (w->dirs[i].wd == wd)
			return &w->dirs[i];
	if (w->n_dirs == WATCH_MAX_DIRS) {
		inotify_rm_watch(w->ifd, wd);
		snprintf(err, errsz, "%s: more than %d directories", path,
		    WATCH_MAX_DIRS);
		return NULL;
	}
	d = &w->dirs[w->n_dirs];
	memset(d, 0, sizeof(*d));
	if ((d->path = strdup(path)) == NULL) {
		inotify_rm_watch(w->ifd, wd);
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return NULL;
	}
	d->wd = wd;
	w->n_dirs++;
	return d;
}

static bool
is_hidden(const char *name)
{
	size_t len = strlen(name);

	return len == 0 || name[0] == '.' || name[len - 1] == '~';
}

/* Does a change of name in d count? */
static bool
is_relevant(const struct watch_dir *d, const char *name)
{
	size_t len = strlen(name);

	if (strcmp(name, "..data") == 0)	/* ConfigMap volume swap */
		return true;
	if (is_hidden(name))
		return false;
	if (d->is_any)
		return true;
	if (d->is_yaml && len > 5 && strcmp(name + len - 5, ".yaml") == 0)
		return true;
	for (size_t i = 0; i < d->n_names; i++)
		if (strcmp(name, d->names[i]) == 0)
			return true;
	return false;
}

/* Watch every file of the version subdirectory name of the model root. */
static void
add_version_dir(struct watch *w, const struct watch_dir *root,
    const char *name)
{
	char path[PATH_MAX], err[PATH_MAX + 64];
	struct watch_dir *d;

	if (is_hidden(name) || (size_t)snprintf(path, sizeof(path), "%s/%s",
	    root->path, name) >= sizeof(path))
		return;
	if ((d = add_dir(w, path, err, sizeof(err))) == NULL) {
		if (errno != ENOTDIR && errno != ENOENT)
			log_warnx("watch: %s", err);
		return;
	}
	d->is_any = true;
}

static int
add_model_root(struct watch *w, const char *dir, char *err, size_t errsz)
{
	struct watch_dir *d;
	struct dirent *e;
	DIR *dp;

	if ((d = add_dir(w, dir, err, errsz)) == NULL)
		return -1;
	d->is_any = true;
	d->is_model_root = true;
	if ((dp = opendir(dir)) == NULL)
		return 0;
	while ((e = readdir(dp)) != NULL)
		if (e->d_type == DT_DIR || e->d_type == DT_UNKNOWN ||
		    e->d_type == DT_LNK)
			add_version_dir(w, d, e->d_name);
	closedir(dp);
	return 0;
}

/* The directory of path, with path's name: a GeoIP database moved into
 * place, a rules or model directory replaced (a symlink swapped). */
static int
add_parent(struct watch *w, const char *path, char *err, size_t errsz)
{
	const char *slash = strrchr(path, '/');
	struct watch_dir *d;
	char dir[PATH_MAX];

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 :
		    (int)(slash - path), path);
	if (slash != NULL && slash[1] == '\0')
		return 0;			/* "/" */
	if ((d = add_dir(w, dir, err, errsz)) == NULL)
		return -1;
	if (d->n_names < WATCH_MAX_FILES + 2)
		d->names[d->n_names++] = slash != NULL ? slash + 1 : path;
	return 0;
}

/* The last change is the one named: after "mv x.tmp x", x. */
static void
note_change(struct watch *w, const struct watch_dir *d, const char *name)
{
	w->n_changed++;
	snprintf(w->changed, sizeof(w->changed), "%s%s%s",
	    d != NULL ? d->path : name, d != NULL ? "/" : "",
	    d != NULL ? name : "");
}

static struct watch_dir *
dir_of(struct watch *w, int wd)
{
	for (size_t i = 0; i < w->n_dirs; i++)
		if (w->dirs[i].wd == wd)
			return &w->dirs[i];
	return NULL;
}

/* One inotify event; true when it counts as a change. */
static bool
on_event(struct watch *w, const struct inotify_event *ev)
{
	struct watch_dir *d;
	const char *name = ev->len > 0 ? ev->name : "";

	if (ev->mask & IN_Q_OVERFLOW) {
		note_change(w, NULL, "(inotify queue overflow)");
		return true;
	}
	if ((d = dir_of(w, ev->wd)) == NULL)
		return false;
	if (ev->mask & IN_IGNORED) {		/* directory gone */
		d->wd = -1;
		return false;
	}
	if (d->is_model_root && (ev->mask & IN_ISDIR) &&
	    (ev->mask & (IN_CREATE | IN_MOVED_TO)))
		add_version_dir(w, d, name);
	if (!is_relevant(d, name))
		return false;
	note_change(w, d, name);
	return true;
}

/* Read every pending event; true when one counts. */
static bool
read_events(struct watch *w)
{
	char buf[8192] __attribute__((aligned(__alignof__(
	    struct inotify_event))));
	bool changed = false;
	ssize_t n;

	while ((n = read(w->ifd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n; ) {
			const struct inotify_event *ev = (const void *)p;

			changed |= on_event(w, ev);
			p += sizeof(*ev) + ev->len;
		}
	}
	return changed;
}

static void	rebuild(struct watch *w);

static void
fire(struct watch *w)
{
	if (w->n_changed > 1)
		log_info("watch: %s changed (and %u other changes): reload",
		    w->changed, w->n_changed - 1);
	else
		log_info("watch: %s changed: reload", w->changed);
	rebuild(w);
	w->fire(w->arg, w->changed);
	w->n_changed = 0;
}

static void *
watch_main(void *arg)
{
	struct watch *w = arg;
	uint64_t deadline = 0, now;	/* 0: no change pending */

#ifdef __GLIBC__
	pthread_setname_np(pthread_self(), "fpsensor-watch");
#endif
	for (;;) {
		struct pollfd pfd[2] = { { w->ifd, POLLIN, 0 },
		    { w->stop[0], POLLIN, 0 } };
		int timeout = -1, n;

		if (deadline != 0) {
			now = now_ms();
			timeout = deadline > now ? (int)(deadline - now) : 0;
		}
		if ((n = poll(pfd, 2, timeout)) < 0 && errno != EINTR) {
			log_warn("watch: poll; reload on SIGHUP only");
			break;
		}
		if (n > 0 && pfd[1].revents != 0)
			break;
		if (n > 0 && (pfd[0].revents & POLLIN) && read_events(w))
			deadline = now_ms() + w->quiet_ms;
		else if (n == 0 && deadline != 0) {
			deadline = 0;
			fire(w);
		}
	}
	return NULL;
}

static void
free_watch(struct watch *w)
{
	for (size_t i = 0; i < w->n_dirs; i++)
		free(w->dirs[i].path);
	for (size_t i = 0; i < WATCH_MAX_FILES; i++)
		free(w->files[i]);
	free(w->rules_dir);
	free(w->model_dir);
	if (w->ifd >= 0)
		close(w->ifd);
	if (w->stop[0] >= 0)
		close(w->stop[0]);
	if (w->stop[1] >= 0)
		close(w->stop[1]);
	free(w);
}

/* A copy of path without trailing slashes, into *dst; 0 or -1. */
static int
copy_path(char **dst, const char *path, char *err, size_t errsz)
{
	size_t len;

	if (path == NULL)
		return 0;
	if ((*dst = strdup(path)) == NULL) {
		snprintf(err, errsz, "%s", strerror(errno));
		return -1;
	}
	for (len = strlen(*dst); len > 1 && (*dst)[len - 1] == '/'; len--)
		(*dst)[len - 1] = '\0';
	return 0;
}

/* A step of add_all() went well, or may be passed over (logged). */
static bool
step_ok(int rc, bool is_strict, const char *err)
{
	if (rc == 0)
		return true;
	if (!is_strict)
		log_warnx("watch: %s", err);
	return !is_strict;
}

/* Every watch of w's paths.  Strict (at the start): the first error
 * fails; else each is logged and the others are still watched. */
static int
add_all(struct watch *w, bool is_strict, char *err, size_t errsz)
{
	struct watch_dir *d;

	if (w->rules_dir != NULL) {
		if ((d = add_dir(w, w->rules_dir, err, errsz)) != NULL)
			d->is_yaml = true;
		if (!step_ok(d != NULL ? 0 : -1, is_strict, err) ||
		    !step_ok(add_parent(w, w->rules_dir, err, errsz),
		    is_strict, err))
			return -1;
	}
	for (size_t i = 0; i < WATCH_MAX_FILES; i++)
		if (w->files[i] != NULL && !step_ok(add_parent(w,
		    w->files[i], err, errsz), is_strict, err))
			return -1;
	if (w->model_dir != NULL && (!step_ok(add_model_root(w,
	    w->model_dir, err, errsz), is_strict, err) ||
	    !step_ok(add_parent(w, w->model_dir, err, errsz), is_strict,
	    err)))
		return -1;
	if (w->n_dirs == 0) {
		snprintf(err, errsz, "nothing to watch");
		return -1;
	}
	return 0;
}

/*
 * Before each reload request: every watch again from the paths, so a
 * rules or model directory replaced (a symlink swapped, a directory moved
 * into place) is watched from then on, not the old one.  A change made
 * meanwhile is read by the reload that follows.
 */
static void
rebuild(struct watch *w)
{
	char err[PATH_MAX + 64];

	for (size_t i = 0; i < w->n_dirs; i++) {
		if (w->dirs[i].wd >= 0)
			inotify_rm_watch(w->ifd, w->dirs[i].wd);
		free(w->dirs[i].path);
	}
	w->n_dirs = 0;
	if (add_all(w, false, err, sizeof(err)) != 0)
		log_warnx("watch: %s", err);
}

struct watch *
watch_start(const struct watch_config *cfg, watch_fire_fn *fn, void *arg,
    char *err, size_t errsz)
{
	struct watch *w;
	sigset_t all, old;
	int rc;

	if ((w = calloc(1, sizeof(*w))) == NULL) {
		snprintf(err, errsz, "%s", strerror(errno));
		return NULL;
	}
	w->stop[0] = w->stop[1] = -1;
	w->quiet_ms = cfg->quiet_ms ? cfg->quiet_ms : WATCH_QUIET_MS;
	w->fire = fn;
	w->arg = arg;
	if ((w->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0 ||
	    pipe2(w->stop, O_CLOEXEC) != 0) {
		snprintf(err, errsz, "inotify: %s", strerror(errno));
		free_watch(w);
		return NULL;
	}
	if (copy_path(&w->rules_dir, cfg->rules_dir, err, errsz) != 0 ||
	    copy_path(&w->model_dir, cfg->model_dir, err, errsz) != 0) {
		free_watch(w);
		return NULL;
	}
	for (size_t i = 0; i < WATCH_MAX_FILES; i++)
		if (copy_path(&w->files[i], cfg->files[i], err, errsz) != 0) {
			free_watch(w);
			return NULL;
		}
	if (add_all(w, true, err, errsz) != 0) {
		free_watch(w);
		return NULL;
	}
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&w->thread, NULL, watch_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		snprintf(err, errsz, "thread: %s", strerror(rc));
		free_watch(w);
		return NULL;
	}
	return w;
}

void
watch_stop(struct watch *w)
{
	if (w == NULL)
		return;
	if (write(w->stop[1], "", 1) != 1)
		log_warn("watch: stop");
	pthread_join(w->thread, NULL);
	free_watch(w);
}

#else	/* !__linux__ */

bool
watch_is_available(void)
{
	return false;
}

struct watch *
watch_start(const struct watch_config *cfg, watch_fire_fn *fn, void *arg,
    char *err, size_t errsz)
{
	(void)cfg;
	(void)fn;
	(void)arg;
	snprintf(err, errsz, "watching files needs inotify (Linux)");
	return NULL;
}

void
watch_stop(struct watch *w)
{
	(void)w;
}

#endif
