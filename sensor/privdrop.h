/* sensor/privdrop.h: giving up privileges once the capture is open.
 *
 * Live capture needs CAP_NET_RAW and CAP_NET_ADMIN to open its sockets and
 * nothing afterwards.  privdrop_user() switches to an unprivileged user
 * (supplementary groups, group, user, in that order) and checks that the
 * switch cannot be undone; privdrop_caps() then empties every capability
 * set it can (bounding set first, while CAP_SETPCAP is still held;
 * effective, permitted, inheritable and ambient) and sets no_new_privs, so
 * nothing executed later can gain privileges either.  Both act on the
 * calling thread and, for the user switch, on every thread of the process
 * (the C library applies set*id to all threads); call them before starting
 * the workers. */
#ifndef FP_SENSOR_PRIVDROP_H
#define FP_SENSOR_PRIVDROP_H

#include <stddef.h>
#include <sys/types.h>

/* Look name up now (before any chroot or drop).  Returns 0 and the ids, or
 * -1 with "unknown user NAME" in err. */
int	privdrop_lookup(const char *name, uid_t *uid, gid_t *gid, char *err,
	    size_t errsz);

/* Empty the capability bounding set (no later exec can gain any), as far
 * as CAP_SETPCAP allows: call it before privdrop_user(), which loses it. */
void	privdrop_bounding(void);

/* Become uid/gid with only gid as group.  Returns 0, or -1 with the failed
 * step in err (the process must not go on then). */
int	privdrop_user(uid_t uid, gid_t gid, char *err, size_t errsz);

/* Drop every capability and set no_new_privs.  Returns 0, or -1 with the
 * failed step in err.  Without Linux capabilities: only what the system
 * has (no_new_privs where it exists). */
int	privdrop_caps(char *err, size_t errsz);

#endif
