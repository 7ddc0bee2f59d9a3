// The C surface of libcreaterepo_c that the `Repodata` module uses: reading
// repomd.xml, primary.xml and filelists.xml, file checksums, and decompressed
// reads (to bound what a metadata file expands to before it is parsed).
// Only `static inline` wrappers for what Swift cannot call live here.
#ifndef CCREATEREPO_SHIM_H
#define CCREATEREPO_SHIM_H

#include <createrepo_c/checksum.h>
#include <createrepo_c/compression_wrapper.h>
#include <createrepo_c/error.h>
#include <createrepo_c/package.h>
#include <createrepo_c/repomd.h>
#include <createrepo_c/version.h>
#include <createrepo_c/xml_parser.h>

#endif
