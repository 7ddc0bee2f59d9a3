// The C surface of libcreaterepo_c that the `Repodata` module uses: reading
// repomd.xml, primary.xml and filelists.xml, file checksums, and decompressed
// reads (to bound what a metadata file expands to before it is parsed).
//
// The library is not linked: it brings GLib, libcurl, sqlite, libxml2 and
// libmagic with it (40 shared objects that every start of `snapcheck`, and of
// its spec worker, would load and relocate), and only `--repo` needs it. The
// headers give the types; `CreaterepoCalls` holds the functions, resolved with
// dlopen/dlsym on first use, each typed from its own declaration.
#ifndef CCREATEREPO_SHIM_H
#define CCREATEREPO_SHIM_H

#include <dlfcn.h>
#include <stddef.h>
#include <createrepo_c/checksum.h>
#include <createrepo_c/compression_wrapper.h>
#include <createrepo_c/error.h>
#include <createrepo_c/package.h>
#include <createrepo_c/repomd.h>
#include <createrepo_c/version.h>
#include <createrepo_c/xml_parser.h>

/// The library's file name: its soname on Debian and on Fedora/EL alike.
#define CREATEREPO_SONAME "libcreaterepo_c.so.0"

/// Every libcreaterepo_c and GLib function `Repodata` calls.
typedef struct CreaterepoCalls {
    __typeof__(&cr_checksum_type) checksum_type;
    __typeof__(&cr_checksum_file) checksum_file;
    __typeof__(&cr_sopen) sopen;
    __typeof__(&cr_read) read;
    __typeof__(&cr_close) close;
    __typeof__(&cr_repomd_new) repomd_new;
    __typeof__(&cr_repomd_free) repomd_free;
    __typeof__(&cr_package_new) package_new;
    __typeof__(&cr_package_free) package_free;
    __typeof__(&cr_xml_parse_repomd) xml_parse_repomd;
    __typeof__(&cr_xml_parse_primary) xml_parse_primary;
    __typeof__(&cr_xml_parse_filelists) xml_parse_filelists;
    __typeof__(&g_free) g_free;
    __typeof__(&g_error_free) g_error_free;
    __typeof__(&g_log_set_handler) g_log_set_handler;
} CreaterepoCalls;

/// What `createrepo_calls_load` found.
typedef enum CreaterepoLoad {
    CREATEREPO_LOADED = 0,
    /// dlopen failed: `why` is dlerror()'s message.
    CREATEREPO_NOT_LOADED = 1,
    /// The library lacks a function: `why` is its name; the library is closed again.
    CREATEREPO_SYMBOL_MISSING = 2,
} CreaterepoLoad;

/// Loads the library and fills `calls`; on failure `why` says what failed.
/// A loaded library's handle is kept for the life of the process.
static inline CreaterepoLoad createrepo_calls_load(CreaterepoCalls *calls, const char **why) {
    void *library = dlopen(CREATEREPO_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        *why = dlerror();
        if (*why == NULL) *why = "dlopen failed";
        return CREATEREPO_NOT_LOADED;
    }
#define CREATEREPO_RESOLVE(field, symbol) \
    if ((*(void **)&calls->field = dlsym(library, #symbol)) == NULL) { \
        *why = #symbol; dlclose(library); return CREATEREPO_SYMBOL_MISSING; \
    }
    CREATEREPO_RESOLVE(checksum_type, cr_checksum_type)
    CREATEREPO_RESOLVE(checksum_file, cr_checksum_file)
    CREATEREPO_RESOLVE(sopen, cr_sopen)
    CREATEREPO_RESOLVE(read, cr_read)
    CREATEREPO_RESOLVE(close, cr_close)
    CREATEREPO_RESOLVE(repomd_new, cr_repomd_new)
    CREATEREPO_RESOLVE(repomd_free, cr_repomd_free)
    CREATEREPO_RESOLVE(package_new, cr_package_new)
    CREATEREPO_RESOLVE(package_free, cr_package_free)
    CREATEREPO_RESOLVE(xml_parse_repomd, cr_xml_parse_repomd)
    CREATEREPO_RESOLVE(xml_parse_primary, cr_xml_parse_primary)
    CREATEREPO_RESOLVE(xml_parse_filelists, cr_xml_parse_filelists)
    CREATEREPO_RESOLVE(g_free, g_free)
    CREATEREPO_RESOLVE(g_error_free, g_error_free)
    CREATEREPO_RESOLVE(g_log_set_handler, g_log_set_handler)
#undef CREATEREPO_RESOLVE
    return CREATEREPO_LOADED;
}

#endif
