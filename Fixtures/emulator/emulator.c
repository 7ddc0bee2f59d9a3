/*
 * Fake QEMU system emulator for snapcheck fixtures.
 *
 * Its read-only data holds the QMP and HMP command names of one downstream
 * era as separate NUL-terminated strings, gated exactly as that era's build
 * switches gate them (see Fixtures/README.md). Run it with "qmp", "hmp",
 * "qmp-schema" or "--version" to print what it has, which also keeps the
 * tables from being optimised away.
 */

#include <stdio.h>
#include <string.h>

#include "config-host.h"

#define USED __attribute__((used))

static const char qemu_version_banner[] USED =
    "QEMU emulator version " QEMU_VERSION " (" QEMU_PKGVERSION ")";
static const char qemu_pkgversion[] USED = QEMU_PKGVERSION;

#ifdef QEMU_TOOL

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("%s %s\n", QEMU_TOOL, qemu_version_banner);
    return 0;
}

#else /* system emulator */

#if defined(QEMU_ERA_EL6) || defined(QEMU_ERA_EL6_2)
/* RHEL 6, qemu-kvm 0.12.1.2: CONFIG_LIVE_SNAPSHOTS and CONFIG_BLOCK_STREAM. */
static const char *const qmp_commands[] USED = {
    "qmp_capabilities",
    "query-commands",
    "query-version",
    "query-block",
    "block_resize",
    "blockdev-add",
    "block-job-cancel",
    "block-job-set-speed",
    "query-block-jobs",
    "__com.redhat_drive_add",
    /* live-snapshot-qmp: begin */
#ifdef CONFIG_LIVE_SNAPSHOTS
    "transaction",
    "blockdev-snapshot-sync",
    "__com.redhat_drive-mirror",
    "__com.redhat_drive-reopen",
    "__com.redhat_block-commit",
#endif
    /* live-snapshot-qmp: end */
#ifdef CONFIG_BLOCK_STREAM
    "block-stream",
#endif
    NULL
};
static const char *const hmp_commands[] USED = {
    "info",
    "savevm",
    "loadvm",
    "block_resize",
    "snapshot_blkdev_internal",
    /* live-snapshot-hmp: begin */
#ifdef CONFIG_LIVE_SNAPSHOTS
    "snapshot_blkdev",
#endif
    /* live-snapshot-hmp: end */
    NULL
};

#elif defined(QEMU_ERA_EL7) || defined(QEMU_ERA_EL7_EARLY) || defined(QEMU_ERA_RHEV_2_1)
/* RHEL 7 qemu-kvm 1.5.3 and RHEV 2.1.2: CONFIG_LIVE_BLOCK_OPS compiles out. */
static const char *const qmp_commands[] USED = {
    "qmp_capabilities",
    "query-commands",
    "query-version",
    "query-block",
    "query-block-jobs",
    "blockdev-add",
    "block_resize",
    "block_set_io_throttle",
    "__com.redhat_drive_add",
    "__com.redhat_drive_del",
#ifdef QEMU_ERA_RHEV_2_1
    "blockdev-snapshot-internal-sync",
    "blockdev-snapshot-delete-internal-sync",
#endif
#ifdef CONFIG_LIVE_BLOCK_OPS
    "block-stream",
    "block-commit",
    "transaction",
    "blockdev-snapshot-sync",
    "drive-mirror",
#ifdef QEMU_ERA_RHEV_2_1
    "drive-backup",
#endif
    "block-job-set-speed",
    "block-job-cancel",
    "block-job-pause",
    "block-job-resume",
    "block-job-complete",
#endif
    NULL
};
static const char *const hmp_commands[] USED = {
    "info",
    "savevm",
    "loadvm",
    "block_resize",
    "snapshot_blkdev_internal",
#ifdef CONFIG_LIVE_BLOCK_OPS
    "snapshot_blkdev",
    "drive_mirror",
#ifdef QEMU_ERA_RHEV_2_1
    "drive_backup",
#endif
    "block_stream",
    "block_job_set_speed",
    "block_job_cancel",
    "block_job_pause",
    "block_job_resume",
    "block_job_complete",
#endif
    NULL
};

#elif defined(QEMU_ERA_EL7_2_3) || defined(QEMU_ERA_EL7_2_6)
/* RHEV/Virt SIG 2.3 and 2.6: no switch, everything is built. */
static const char *const qmp_commands[] USED = {
    "qmp_capabilities",
    "query-commands",
    "query-version",
    "query-block",
    "query-block-jobs",
    "blockdev-add",
    "block_resize",
    "blockdev-snapshot-internal-sync",
    "block-stream",
    "block-commit",
    "transaction",
    "blockdev-snapshot-sync",
    "drive-mirror",
    "drive-backup",
    "blockdev-backup",
#ifdef QEMU_ERA_EL7_2_6
    "blockdev-snapshot",
    "blockdev-mirror",
#endif
    "block-job-set-speed",
    "block-job-cancel",
    "block-job-pause",
    "block-job-resume",
    "block-job-complete",
    NULL
};
static const char *const hmp_commands[] USED = {
    "info",
    "savevm",
    "loadvm",
    "block_resize",
    "snapshot_blkdev_internal",
    "snapshot_blkdev",
    "drive_mirror",
    "drive_backup",
    "block_stream",
    "block_job_set_speed",
    "block_job_cancel",
    "block_job_pause",
    "block_job_resume",
    "block_job_complete",
    NULL
};

#elif defined(QEMU_ERA_EL7_2_10) || defined(QEMU_ERA_EL7_2_12) || \
      defined(QEMU_ERA_EL8_4_2) || defined(QEMU_ERA_FEDORA_7_2)
/*
 * 2.9-2.12 (EL7 rhev/ev/ma) and modern builds. On EL7 2.9-2.12 the QMP
 * commands are always compiled in; with live block ops off they are
 * unregistered at start-up, and the HMP commands are compiled out.
 */
#if defined(QEMU_ERA_EL8_4_2) || defined(QEMU_ERA_FEDORA_7_2)
#define CONFIG_LIVE_BLOCK_OPS 1
#endif
static const char *const qmp_commands[] USED = {
    "qmp_capabilities",
    "query-commands",
    "query-version",
    "query-qmp-schema",
    "query-block",
    "query-block-jobs",
    "blockdev-add",
    "blockdev-del",
    "block_resize",
    "blockdev-snapshot-internal-sync",
    "block-stream",
    "block-commit",
    "transaction",
    "blockdev-snapshot-sync",
    "blockdev-snapshot",
    "drive-mirror",
    "blockdev-mirror",
    "drive-backup",
    "blockdev-backup",
    "block-job-set-speed",
    "block-job-cancel",
    "block-job-pause",
    "block-job-resume",
    "block-job-complete",
    NULL
};
/* Unregistered at start-up when live block ops are off ("transaction" stays). */
static const char *const live_block_ops_unregister[] USED = {
    "block-stream",
    "block-commit",
    "drive-mirror",
    "blockdev-mirror",
    "drive-backup",
    "blockdev-backup",
    "blockdev-snapshot",
    "blockdev-snapshot-sync",
    "block-job-set-speed",
    "block-job-cancel",
    "block-job-pause",
    "block-job-resume",
    "block-job-complete",
    "query-block-jobs",
    NULL
};
/* Introspection lists every compiled-in command, registered or not. */
static const char qmp_schema_json[] USED =
    "[{\"name\": \"blockdev-snapshot-sync\", \"meta-type\": \"command\"}, "
    "{\"name\": \"drive-mirror\", \"meta-type\": \"command\"}, "
    "{\"name\": \"block-commit\", \"meta-type\": \"command\"}, "
    "{\"name\": \"transaction\", \"meta-type\": \"command\"}]";
static const char *const hmp_commands[] USED = {
    "info",
    "savevm",
    "loadvm",
    "block_resize",
    "snapshot_blkdev_internal",
#ifdef CONFIG_LIVE_BLOCK_OPS
    "snapshot_blkdev",
    "drive_mirror",
    "drive_backup",
    "block_stream",
    "block_job_set_speed",
    "block_job_cancel",
    "block_job_pause",
    "block_job_resume",
    "block_job_complete",
#endif
    NULL
};
#define HAVE_UNREGISTER 1

#elif defined(QEMU_ERA_FEDORA_0_13)
/* Upstream 0.13: predates blockdev-snapshot-sync (0.14). */
static const char *const qmp_commands[] USED = {
    "qmp_capabilities",
    "query-commands",
    "query-version",
    "query-block",
    "eject",
    "change",
    "system_reset",
    NULL
};
static const char *const hmp_commands[] USED = {
    "info",
    "savevm",
    "loadvm",
    "commit",
    "eject",
    NULL
};

#else
#error "config-host.h names no known era"
#endif

static int qmp_registered(const char *name)
{
#if defined(HAVE_UNREGISTER) && !defined(CONFIG_LIVE_BLOCK_OPS)
    for (const char *const *p = live_block_ops_unregister; *p; p++) {
        if (strcmp(*p, name) == 0) {
            return 0;
        }
    }
#else
    (void)name;
#endif
    return 1;
}

static void print_list(const char *const *list, int qmp)
{
    for (const char *const *p = list; *p; p++) {
        if (!qmp || qmp_registered(*p)) {
            puts(*p);
        }
    }
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--version") == 0) {
        printf("%s\n", qemu_version_banner);
        return 0;
    }
    if (strcmp(argv[1], "qmp") == 0) {
        print_list(qmp_commands, 1);
    } else if (strcmp(argv[1], "hmp") == 0) {
        print_list(hmp_commands, 0);
#ifdef HAVE_UNREGISTER
    } else if (strcmp(argv[1], "qmp-schema") == 0) {
        printf("%s\n", qmp_schema_json);
#endif
    } else {
        fprintf(stderr, "%s: unknown argument '%s'\n", argv[0], argv[1]);
        return 1;
    }
    return 0;
}

#endif /* QEMU_TOOL */
