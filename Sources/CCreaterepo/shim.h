// The C surface of libcreaterepo_c that the `Repodata` module uses: reading
// repomd.xml, primary.xml and filelists.xml, and file checksums.
// Only `static inline` wrappers for what Swift cannot call live here.
#ifndef CCREATEREPO_SHIM_H
#define CCREATEREPO_SHIM_H

#include <createrepo_c/checksum.h>
#include <createrepo_c/error.h>
#include <createrepo_c/package.h>
#include <createrepo_c/repomd.h>
#include <createrepo_c/version.h>
#include <createrepo_c/xml_parser.h>

#endif
