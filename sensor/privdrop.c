/* sensor/privdrop.c: switch user, drop capabilities, no_new_privs. */
#include "sensor/privdrop.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifdef __linux__
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#endif

int
privdrop_lookup(const char *name, uid_t *uid, gid_t *gid, char *err,
    size_t errsz)
{
	struct passwd *pw;

	errno = 0;
	if ((pw = getpwnam(name)) == NULL) {
		snprintf(err, errsz, "--user %s: %s", name, errno ?
		    strerror(errno) : "no such user");
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

static int
step_failed(char *err, size_t errsz, const char *step)
{
	snprintf(err, errsz, "dropping privileges: %s: %s", step,
	    strerror(errno));
	return -1;
}

int
privdrop_user(uid_t uid, gid_t gid, char *err, size_t errsz)
{
	if (setgroups(1, &gid) != 0)
		return step_failed(err, errsz, "setgroups");
	if (setgid(gid) != 0)
		return step_failed(err, errsz, "setgid");
	if (setuid(uid) != 0)
		return step_failed(err, errsz, "setuid");
	/* setuid() from root sets all three user ids; prove it. */
	if (getuid() != uid || geteuid() != uid || getgid() != gid ||
	    getegid() != gid) {
		snprintf(err, errsz, "dropping privileges: ids did not "
		    "change");
		return -1;
	}
	if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		snprintf(err, errsz, "dropping privileges: root could be "
		    "regained");
		return -1;
	}
	return 0;
}

#ifdef __linux__
void
privdrop_bounding(void)
{
	/* Needs CAP_SETPCAP (EPERM without); a capability number past the
	 * kernel's last one is EINVAL. */
	for (int cap = 0; cap <= 63; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 &&
		    errno == EINVAL)
			break;
}

int
privdrop_caps(char *err, size_t errsz)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	privdrop_bounding();
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capset, &hdr, data) != 0)
		return step_failed(err, errsz, "capset");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return step_failed(err, errsz, "PR_SET_NO_NEW_PRIVS");
	return 0;
}
#else
void
privdrop_bounding(void)
{
}

int
privdrop_caps(char *err, size_t errsz)
{
	(void)err, (void)errsz;
	return 0;
}
#endif
