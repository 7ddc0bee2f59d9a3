// The C surface of librpm/librpmbuild that the `RPM` module uses.
// Only `static inline` wrappers for what Swift cannot call live here.
#ifndef CRPM_SHIM_H
#define CRPM_SHIM_H

#include <rpm/rpmlib.h>
#include <rpm/rpmts.h>
#include <rpm/rpmio.h>
#include <rpm/header.h>
#include <rpm/rpmtd.h>
#include <rpm/rpmds.h>
#include <rpm/rpmfi.h>
#include <rpm/rpmfiles.h>
#include <rpm/rpmarchive.h>
#include <rpm/rpmcrypto.h>
#include <rpm/rpmlog.h>
#include <rpm/rpmmacro.h>
#include <rpm/rpmdb.h>
#include <rpm/rpmver.h>
#include <rpm/rpmspec.h>
#include <rpm/rpmbuild.h>
#include <sys/syscall.h>
#include <unistd.h>

/// `rpmExpand` is variadic (NULL-terminated); Swift cannot call it.
static inline char *CRPM_expand(const char *expression) {
    return rpmExpand(expression, (const char *)NULL);
}

/// `RPMVSF_MASK_NOSIGNATURES` is an expression macro Swift does not import.
static inline rpmVSFlags CRPM_vsflags_nosignatures(void) {
    return RPMVSF_MASK_NOSIGNATURES;
}

/// `memfd_create` is hidden from Swift's Glibc module (needs _GNU_SOURCE); `syscall` is variadic.
static inline int CRPM_memfd_create(const char *name, unsigned int flags) {
    return (int)syscall(SYS_memfd_create, name, flags);
}

#endif
