#!/usr/bin/env python3
"""Derive deterministic corrupted RPMs for the snapcheck tests.

Usage: corrupt.py DIR

Reads DIR/compressors/gzip/x86_64/qemu-kvm-rhev-<v>-<r>.x86_64.rpm and writes
DIR/corrupt/*.rpm. Cut points and edits are structural: the file is parsed
as lead (96 bytes), signature header (padded to 8), main header, payload.
Standard library only.
"""

import gzip
import hashlib
import struct
import sys
from pathlib import Path

LEAD_SIZE = 96
HEADER_MAGIC = b"\x8e\xad\xe8\x01\x00\x00\x00\x00"

TAG_NAME = 1000
TAG_PAYLOADCOMPRESSOR = 1125
SIGTAG_SIZE = 1000
SIGTAG_MD5 = 1004
SIGTAG_LONGSIZE = 270
SIGTAG_SHA1 = 269
SIGTAG_SHA256 = 273

EMULATOR = "./usr/libexec/qemu-kvm"
# The byte changed in tampered-content.rpm: first byte of this NUL-delimited
# command name, so a reader that skips file digests sees a different binary.
TAMPER_STRING = b"\0blockdev-snapshot-sync\0"


class RPMError(Exception):
    pass


class Header:
    """One header structure: where it starts and where its parts are."""

    def __init__(self, data, start):
        if data[start:start + 8] != HEADER_MAGIC:
            raise RPMError(f"no header magic at offset {start}")
        self.start = start
        nindex, hsize = struct.unpack(">II", data[start + 8:start + 16])
        self.index_start = start + 16
        self.store_start = self.index_start + 16 * nindex
        self.end = self.store_start + hsize
        if self.end > len(data):
            raise RPMError(f"header at {start} runs past the end of the file")
        self.entries = {}
        for i in range(nindex):
            off = self.index_start + 16 * i
            tag, typ, offset, count = struct.unpack(">IIiI", data[off:off + 16])
            self.entries[tag] = (typ, offset, count, off)

    def data_offset(self, tag):
        """Absolute file offset of a tag's data."""
        if tag not in self.entries:
            raise RPMError(f"tag {tag} missing")
        return self.store_start + self.entries[tag][1]


class RPM:
    def __init__(self, data):
        if len(data) < LEAD_SIZE or data[:4] != b"\xed\xab\xee\xdb":
            raise RPMError("no RPM lead")
        self.data = bytes(data)
        self.sig = Header(self.data, LEAD_SIZE)
        pad = (8 - (self.sig.end - LEAD_SIZE) % 8) % 8
        self.hdr = Header(self.data, self.sig.end + pad)
        self.payload_start = self.hdr.end

    def string(self, header, tag):
        off = header.data_offset(tag)
        return self.data[off:self.data.index(b"\0", off)].decode()


def cstring_at(buf, off):
    return bytes(buf[off:buf.index(b"\0", off)])


def resign(buf, rpm):
    """Recompute the signature header's size and digest tags in place.

    The signature header is covered by no digest, so after an edit of the
    main header or payload its digests can be made to match again.
    """
    sig = rpm.sig
    hdr_blob = bytes(buf[rpm.hdr.start:rpm.hdr.end])
    rest = bytes(buf[rpm.hdr.start:])
    if SIGTAG_SHA1 in sig.entries:
        off = sig.data_offset(SIGTAG_SHA1)
        old = cstring_at(buf, off)
        new = hashlib.sha1(hdr_blob).hexdigest().encode()
        assert len(old) == len(new)
        buf[off:off + len(new)] = new
    if SIGTAG_SHA256 in sig.entries:
        off = sig.data_offset(SIGTAG_SHA256)
        old = cstring_at(buf, off)
        new = hashlib.sha256(hdr_blob).hexdigest().encode()
        assert len(old) == len(new)
        buf[off:off + len(new)] = new
    if SIGTAG_MD5 in sig.entries:
        off = sig.data_offset(SIGTAG_MD5)
        buf[off:off + 16] = hashlib.md5(rest).digest()
    if SIGTAG_SIZE in sig.entries:
        off = sig.data_offset(SIGTAG_SIZE)
        buf[off:off + 4] = struct.pack(">I", len(rest))
    if SIGTAG_LONGSIZE in sig.entries:
        off = sig.data_offset(SIGTAG_LONGSIZE)
        buf[off:off + 8] = struct.pack(">Q", len(rest))


def check_digests_match(rpm):
    """Fail early if our idea of what the header digests cover is wrong."""
    blob = rpm.data[rpm.hdr.start:rpm.hdr.end]
    if SIGTAG_SHA256 in rpm.sig.entries:
        have = rpm.string(rpm.sig, SIGTAG_SHA256)
        if have != hashlib.sha256(blob).hexdigest():
            raise RPMError("SHA256 header digest does not cover what we expect")
    if SIGTAG_MD5 in rpm.sig.entries:
        off = rpm.sig.data_offset(SIGTAG_MD5)
        if rpm.data[off:off + 16] != hashlib.md5(rpm.data[rpm.hdr.start:]).digest():
            raise RPMError("MD5 digest does not cover what we expect")


def tamper_cpio(archive):
    """Change one byte of EMULATOR's content inside a newc cpio archive."""
    buf = bytearray(archive)
    pos = 0
    while pos + 110 <= len(buf):
        magic = bytes(buf[pos:pos + 6])
        if magic not in (b"070701", b"070702"):
            raise RPMError(f"bad cpio magic at {pos}")
        fields = [int(buf[pos + 6 + 8 * i:pos + 14 + 8 * i], 16) for i in range(13)]
        filesize, namesize = fields[6], fields[11]
        name_start = pos + 110
        name = bytes(buf[name_start:name_start + namesize - 1]).decode()
        data_start = (name_start + namesize + 3) & ~3
        if name == "TRAILER!!!":
            break
        if name == EMULATOR:
            content = bytes(buf[data_start:data_start + filesize])
            hit = content.find(TAMPER_STRING)
            if hit < 0:
                raise RPMError(f"{EMULATOR} lacks {TAMPER_STRING!r}")
            at = data_start + hit + 1
            buf[at] ^= 0x20  # 'b' -> 'B'
            return bytes(buf)
        pos = (data_start + filesize + 3) & ~3
    raise RPMError(f"{EMULATOR} not found in the payload")


def main(argv):
    if len(argv) != 2:
        print("usage: corrupt.py DIR", file=sys.stderr)
        return 2
    out = Path(argv[1])
    sources = sorted((out / "compressors/gzip/x86_64").glob("qemu-kvm-rhev-[0-9]*.x86_64.rpm"))
    if not sources:
        print(f"corrupt.py: {out}/compressors/gzip/x86_64: no qemu-kvm-rhev binary RPM", file=sys.stderr)
        return 1
    src = sources[0]
    data = src.read_bytes()
    try:
        rpm = RPM(data)
        if rpm.string(rpm.hdr, TAG_PAYLOADCOMPRESSOR) != "gzip":
            raise RPMError("payload is not gzip")
        check_digests_match(rpm)
    except RPMError as e:
        print(f"corrupt.py: {src}: {e}", file=sys.stderr)
        return 1

    dest = out / "corrupt"
    dest.mkdir(parents=True, exist_ok=True)
    cases = {}

    cases["empty.rpm"] = b""
    cases["text.rpm"] = (b"This is not an RPM package, just text that ends in .rpm.\n"
                         b"snapcheck must say so instead of failing obscurely.\n")
    sig_mid = rpm.sig.index_start + (rpm.sig.end - rpm.sig.index_start) // 2
    cases["truncated-signature.rpm"] = data[:sig_mid]
    hdr_mid = rpm.hdr.index_start + (rpm.hdr.end - rpm.hdr.index_start) // 2
    cases["truncated-header.rpm"] = data[:hdr_mid]
    payload_mid = rpm.payload_start + (len(data) - rpm.payload_start) // 2
    cases["truncated-payload.rpm"] = data[:payload_mid]

    buf = bytearray(data)
    buf[rpm.hdr.start:rpm.hdr.start + 3] = b"XYZ"
    cases["bad-header-magic.rpm"] = bytes(buf)

    # One byte of the Name string ("qemu-kvm-rhev" -> "Qemu-kvm-rhev"),
    # digests left alone so the header digest check fails.
    buf = bytearray(data)
    buf[rpm.hdr.data_offset(TAG_NAME)] ^= 0x20
    cases["flipped-header-data.rpm"] = bytes(buf)

    buf = bytearray(data)
    n = 64
    buf[payload_mid:payload_mid + n] = bytes((0x5a ^ i) & 0xff for i in range(n))
    cases["corrupt-payload.rpm"] = bytes(buf)

    # Payload decompressed, one byte of the emulator changed, recompressed
    # with gzip; main header untouched, signature sizes/MD5 recomputed, so
    # only the payload digest and the file digest notice.
    archive = gzip.decompress(data[rpm.payload_start:])
    payload = gzip.compress(tamper_cpio(archive), compresslevel=9, mtime=0)
    buf = bytearray(data[:rpm.payload_start] + payload)
    resign(buf, RPM(buf))
    cases["tampered-content.rpm"] = bytes(buf)

    # PAYLOADCOMPRESSOR "gzip" -> "zzip" (unknown to librpm); the signature
    # header digests are recomputed so the header itself verifies.
    buf = bytearray(data)
    off = rpm.hdr.data_offset(TAG_PAYLOADCOMPRESSOR)
    buf[off:off + 4] = b"zzip"
    resign(buf, rpm)
    cases["bad-compressor.rpm"] = bytes(buf)

    for name, content in sorted(cases.items()):
        (dest / name).write_bytes(content)
    print(f"corrupt.py: wrote {len(cases)} files to {dest} from {src.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
