/* The physical floor of reading one file out of an RPM payload:
 *
 *   floor PACKAGE.rpm MEMBER        (MEMBER as in the archive: ./usr/libexec/qemu-kvm)
 *
 * Skips lead, signature and header, then decompresses the payload (xz or
 * zstd, found by magic) into a 64 KiB buffer that is thrown away, reading
 * only the newc cpio entry headers, and stops at the end of MEMBER's data.
 * No digest, no string scan, no librpm: what any reader of that file must at
 * least do. Prints the uncompressed bytes decoded. Benchmark helper only. */
#include <fcntl.h>
#include <lzma.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

enum { CHUNK = 64 << 10 };
static int fd;
static unsigned char in[CHUNK], out[CHUNK];

static void die(const char *what) { fprintf(stderr, "floor: %s\n", what); exit(2); }

static uint32_t be32(const unsigned char *p) { return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]; }

/* Offset of the payload: lead (96), signature header padded to 8, header. */
static off_t payload_offset(void) {
    unsigned char intro[16];
    off_t at = 96;
    for (int i = 0; i < 2; i++) {
        if (pread(fd, intro, 16, at) != 16 || intro[0] != 0x8e || intro[1] != 0xad || intro[2] != 0xe8) die("not an RPM header");
        at += 16 + 16 * (off_t)be32(intro + 8) + be32(intro + 12);
        if (i == 0) at = (at + 7) & ~(off_t)7;
    }
    return at;
}

/* The cpio walk: a tiny state machine over the decompressed stream. */
static const char *member;
static unsigned char head[110 + 4096];
static size_t head_have, head_need = 110;
static uint64_t skip_left, total;
static int in_member, done;

static uint32_t hex8(const unsigned char *p) {
    char buf[9]; memcpy(buf, p, 8); buf[8] = 0; return (uint32_t)strtoul(buf, NULL, 16);
}

static void walk(const unsigned char *p, size_t n) {
    total += n;
    while (n > 0 && !done) {
        if (skip_left > 0) {
            size_t k = n < skip_left ? n : (size_t)skip_left;
            skip_left -= k; p += k; n -= k;
            if (skip_left == 0 && in_member) done = 1;
            continue;
        }
        size_t k = head_need - head_have;
        if (k > n) k = n;
        memcpy(head + head_have, p, k); head_have += k; p += k; n -= k;
        if (head_have < head_need) continue;
        if (memcmp(head, "07070", 5) != 0) die("not a newc cpio archive");
        uint32_t namesize = hex8(head + 94), filesize = hex8(head + 54);
        size_t name_end = (110 + namesize + 3) & ~(size_t)3;
        if (name_end > sizeof head) die("cpio name too long");
        if (head_need < name_end) { head_need = name_end; continue; }
        if (strncmp((char *)head + 110, "TRAILER!!!", 10) == 0) die("member not found");
        in_member = strcmp((char *)head + 110, member) == 0;
        skip_left = ((uint64_t)filesize + 3) & ~(uint64_t)3;
        if (in_member) skip_left = filesize;
        if (in_member && skip_left == 0) done = 1;
        head_have = 0; head_need = 110;
    }
}

int main(int argc, char **argv) {
    if (argc != 3) die("usage: floor PACKAGE.rpm MEMBER");
    member = argv[2];
    if ((fd = open(argv[1], O_RDONLY)) < 0) die("cannot open the package");
    if (lseek(fd, payload_offset(), SEEK_SET) < 0) die("cannot seek");
    ssize_t got = read(fd, in, CHUNK);
    if (got < 4) die("no payload");
    if (memcmp(in, "\xfd" "7zXZ", 5) == 0) {
        lzma_stream s = LZMA_STREAM_INIT;
        if (lzma_stream_decoder(&s, UINT64_MAX, 0) != LZMA_OK) die("lzma init");
        s.next_in = in; s.avail_in = (size_t)got;
        while (!done) {
            if (s.avail_in == 0) {
                got = read(fd, in, CHUNK);
                if (got <= 0) die("payload ended");
                s.next_in = in; s.avail_in = (size_t)got;
            }
            s.next_out = out; s.avail_out = CHUNK;
            lzma_ret rc = lzma_code(&s, LZMA_RUN);
            walk(out, CHUNK - s.avail_out);
            if (rc == LZMA_STREAM_END) break;
            if (rc != LZMA_OK) die("xz error");
        }
        lzma_end(&s);
    } else if (memcmp(in, "\x28\xb5\x2f\xfd", 4) == 0) {
        ZSTD_DStream *z = ZSTD_createDStream();
        ZSTD_inBuffer ib = { in, (size_t)got, 0 };
        while (!done) {
            if (ib.pos == ib.size) {
                got = read(fd, in, CHUNK);
                if (got <= 0) die("payload ended");
                ib.size = (size_t)got; ib.pos = 0;
            }
            ZSTD_outBuffer ob = { out, CHUNK, 0 };
            size_t rc = ZSTD_decompressStream(z, &ob, &ib);
            if (ZSTD_isError(rc)) die("zstd error");
            walk(out, ob.pos);
        }
        ZSTD_freeDStream(z);
    } else {
        die("payload is neither xz nor zstd");
    }
    if (!done) die("member not found");
    printf("%llu\n", (unsigned long long)total);
    return 0;
}
