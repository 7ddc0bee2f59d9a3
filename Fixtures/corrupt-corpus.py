#!/usr/bin/env python3
"""Generate the deterministic corrupt-input corpus: inputs snapcheck must refuse with
exit 2 and a one-line message naming them, quickly, without losing other inputs.

Usage: corrupt-corpus.py DIR   (DIR is build-fixtures.sh's output, default Fixtures/.out)

Reads DIR/compressors/gzip/{x86_64,src}/ (the el7-rhev build with a gzip payload) and
writes DIR/corrupt-corpus/<case> plus DIR/corrupt-corpus/CASES (one "<case>\t<what>" a
line, sorted). Every case is built so that the damage touches what snapcheck must read
(headers, the emulator's content, the spec), so refusing it is the only right answer.
Standard library only; the same bytes on every run.
"""

import fcntl
import gzip
import os
import hashlib
import json
import struct
import sys
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in Fixtures/
sys.path.insert(0, str(Path(__file__).resolve().parent))
import corrupt  # noqa: E402  (RPM, Header, resign)

TAG_BASENAMES = 1117
TAG_FILEDIGESTS = 1035
TAG_FILESIZES = 1028
TAG_PAYLOADCOMPRESSOR = 1125
EMULATOR = "./usr/libexec/qemu-kvm"


# --- cpio (newc) ---------------------------------------------------------------------

class Entry:
    FIELDS = ["ino", "mode", "uid", "gid", "nlink", "mtime", "filesize", "devmajor",
              "devminor", "rdevmajor", "rdevminor", "namesize", "check"]

    def __init__(self, magic, fields, name, data):
        self.magic, self.fields, self.name, self.data = magic, fields, name, data

    def encode(self, declared_size=None):
        f = dict(zip(self.FIELDS, self.fields))
        f["namesize"] = len(self.name) + 1
        f["filesize"] = len(self.data) if declared_size is None else declared_size
        head = self.magic + b"".join(b"%08X" % f[k] for k in self.FIELDS) + self.name + b"\0"
        head += b"\0" * (-len(head) % 4)
        return head + self.data + b"\0" * (-len(self.data) % 4)


def cpio_parse(archive):
    entries, pos = [], 0
    while True:
        magic = archive[pos:pos + 6]
        if magic not in (b"070701", b"070702"):
            raise corrupt.RPMError(f"bad cpio magic at {pos}")
        fields = [int(archive[pos + 6 + 8 * i:pos + 14 + 8 * i], 16) for i in range(13)]
        namesize, filesize = fields[11], fields[6]
        name = archive[pos + 110:pos + 110 + namesize - 1]
        data_start = (pos + 110 + namesize + 3) & ~3
        entries.append(Entry(magic, fields, name, archive[data_start:data_start + filesize]))
        if name == b"TRAILER!!!":
            return entries
        pos = (data_start + filesize + 3) & ~3


def cpio_encode(entries, sizes=None):
    sizes = sizes or {}
    return b"".join(e.encode(sizes.get(i)) for i, e in enumerate(entries))


def index_of(entries, name):
    for i, e in enumerate(entries):
        if e.name == name.encode():
            return i
    raise corrupt.RPMError(f"{name} not in the archive")


# --- packages --------------------------------------------------------------------------

def with_payload(data, rpm, archive):
    """The package with its gzip payload replaced by `archive`, signature sizes redone."""
    payload = gzip.compress(archive, compresslevel=9, mtime=0)
    buf = bytearray(data[:rpm.payload_start] + payload)
    corrupt.resign(buf, corrupt.RPM(buf))
    return bytes(buf)


def string_array(data, header, tag):
    typ, offset, count, _ = header.entries[tag]
    pos, out = header.store_start + offset, []
    for _ in range(count):
        end = data.index(b"\0", pos)
        out.append((pos, data[pos:end]))
        pos = end + 1
    return out


def set_file_digest(buf, rpm, basename, content):
    """Points the header's FILEDIGESTS entry of `basename` at `content` (sha256)."""
    names = [n for _, n in string_array(buf, rpm.hdr, TAG_BASENAMES)]
    pos, old = string_array(buf, rpm.hdr, TAG_FILEDIGESTS)[names.index(basename.encode())]
    new = hashlib.sha256(content).hexdigest().encode()
    if len(old) != len(new):
        raise corrupt.RPMError("file digests are not sha256")
    buf[pos:pos + len(new)] = new


def flip(data, offset, mask=0x01):
    buf = bytearray(data)
    buf[offset] ^= mask
    return bytes(buf)


def put(data, offset, raw):
    buf = bytearray(data)
    buf[offset:offset + len(raw)] = raw
    return bytes(buf)


def binary_cases(data):
    rpm = corrupt.RPM(data)
    sig, hdr, pay = rpm.sig, rpm.hdr, rpm.payload_start
    size = len(data)
    cases = {}

    # Truncation at every structural boundary (and inside each part).
    cuts = {
        "empty": 0, "lead-magic": 2, "lead-mid": 48, "lead-end-1": 95, "lead-end": 96,
        "sig-intro": sig.start + 8, "sig-index-start": sig.index_start,
        "sig-index-mid": sig.index_start + (sig.store_start - sig.index_start) // 2,
        "sig-data-start": sig.store_start, "sig-data-mid": sig.store_start + (sig.end - sig.store_start) // 2,
        "sig-end": sig.end, "hdr-start": hdr.start, "hdr-intro": hdr.start + 8, "hdr-index-start": hdr.index_start,
        "hdr-index-mid": hdr.index_start + (hdr.store_start - hdr.index_start) // 2,
        "hdr-data-start": hdr.store_start, "hdr-data-mid": hdr.store_start + (hdr.end - hdr.store_start) // 2,
        "hdr-end-1": hdr.end - 1, "payload-start": pay, "payload-gzip-header": pay + 5,
        "payload-quarter": pay + (size - pay) // 4, "payload-half": pay + (size - pay) // 2,
    }
    for name, cut in cuts.items():
        cases[f"rpm-truncated-{name}.rpm"] = (data[:cut], f"cut at byte {cut} of {size}")

    # Bit flips in each structure; the lead only where rpm reads it.
    flips = {
        "lead-magic": (0, 0x01), "lead-major": (4, 0x08), "lead-sigtype": (79, 0x01),
        "sig-magic": (sig.start, 0x01), "sig-count": (sig.start + 8, 0x80), "sig-size": (sig.start + 12, 0x80),
        "sig-entry-tag": (sig.index_start + 3, 0x01), "sig-entry-offset": (sig.index_start + 8, 0x40),
        "sig-sha256": (sig.data_offset(corrupt.SIGTAG_SHA256), 0x01),
        "hdr-magic": (hdr.start + 1, 0x01), "hdr-count": (hdr.start + 8, 0x80), "hdr-size": (hdr.start + 12, 0x80),
        "hdr-entry-type": (hdr.index_start + 16 * 3 + 7, 0x02), "hdr-entry-offset": (hdr.index_start + 16 * 5 + 9, 0x10),
        "hdr-entry-count": (hdr.index_start + 16 * 6 + 12, 0x40), "hdr-data-name": (hdr.data_offset(corrupt.TAG_NAME), 0x20),
        "hdr-data-mid": (hdr.store_start + (hdr.end - hdr.store_start) // 2, 0x04),
        "payload-gzip-magic": (pay, 0x01), "payload-quarter": (pay + (size - pay) // 4, 0x10),
        "payload-half": (pay + (size - pay) // 2, 0x10),
    }
    for name, (offset, mask) in flips.items():
        cases[f"rpm-flip-{name}.rpm"] = (flip(data, offset, mask), f"byte {offset} xor 0x{mask:02x}")
    cases["rpm-absurd-sig-count.rpm"] = (put(data, sig.start + 8, b"\xff\xff\xff\xff"), "signature index count 2^32-1")
    cases["rpm-absurd-hdr-size.rpm"] = (put(data, hdr.start + 12, b"\x7f\xff\xff\xff"), "header data size 2^31-1")

    # Wrong compressor tag on a gzip payload (header digests redone, so only the tag lies).
    for tag, label in [(b"zstd", "zstd"), (b"lzma", "lzma"), (b"xz\0\0", "xz"), (b"\0zip", "empty"), (b"zzip", "zzip")]:
        buf = bytearray(data)
        off = hdr.data_offset(TAG_PAYLOADCOMPRESSOR)
        buf[off:off + 4] = tag
        corrupt.resign(buf, rpm)
        cases[f"rpm-compressor-{label}.rpm"] = (bytes(buf), f"PAYLOADCOMPRESSOR gzip -> {tag!r}, gzip payload")

    # cpio archives that lie (re-gzipped, signature sizes redone; header untouched).
    entries = cpio_parse(gzip.decompress(data[pay:]))
    emu = index_of(entries, EMULATOR)
    content = entries[emu].data

    # librpm takes file sizes from the header, not the cpio entry: an absurd size must be in
    # the header (digests redone) to matter; a cpio entry longer than the header's size
    # misaligns the entries after it.
    buf = bytearray(data)
    names = [n for _, n in string_array(data, hdr, TAG_BASENAMES)]
    typ, offset, count, _ = hdr.entries[TAG_FILESIZES]
    at = hdr.store_start + offset + 4 * names.index(b"qemu-kvm")
    buf[at:at + 4] = struct.pack(">I", 0x7FFFFFF0)
    corrupt.resign(buf, rpm)
    cases["cpio-absurd-size.rpm"] = (with_payload(bytes(buf), rpm, cpio_encode(entries, {emu: 0x7FFFFFF0})),
                                     "emulator's header and cpio size 0x7FFFFFF0 (2 GiB), content 16 KiB")
    link = next(i for i, x in enumerate(entries) if x.fields[1] & 0o170000 == 0o120000)
    e = cpio_parse(cpio_encode(entries))
    e[link].data = e[link].data * 2
    cases["cpio-double-size.rpm"] = (with_payload(data, rpm, cpio_encode(e)),
                                     "the symlink before the emulator twice as long as its header says")
    e = cpio_parse(cpio_encode(entries))
    e[emu].data = b""
    cases["cpio-zero-length-emulator.rpm"] = (with_payload(data, rpm, cpio_encode(e)), "emulator of 0 bytes")
    e = cpio_parse(cpio_encode(entries))
    e[emu].name = b"./../../../../usr/libexec/qemu-kvm"
    cases["cpio-traversal-name.rpm"] = (with_payload(data, rpm, cpio_encode(e)), "emulator entry named ./../../../../usr/libexec/qemu-kvm")
    e = cpio_parse(cpio_encode(entries))
    e.insert(emu, Entry(e[emu].magic, list(e[emu].fields), b"../../../../etc/cron.d/x", b"* * * * * root true\n"))
    cases["cpio-traversal-extra.rpm"] = (with_payload(data, rpm, cpio_encode(e)), "extra entry ../../../../etc/cron.d/x before the emulator")
    e = cpio_parse(cpio_encode(entries))
    link = Entry(e[emu].magic, list(e[emu].fields), b"./usr/libexec/qemu-kvm-link", b"")
    e[emu].fields[4] = 2  # nlink
    link.fields[4] = 2
    e[emu].data = b""
    e.insert(emu + 1, link)
    cases["cpio-hardlink-empty.rpm"] = (with_payload(data, rpm, cpio_encode(e)),
                                        "emulator a 2-link hard-link set whose members carry no content")
    e = cpio_parse(cpio_encode(entries))
    e[emu].magic = b"070707"
    cases["cpio-bad-magic.rpm"] = (with_payload(data, rpm, cpio_encode(e)), "emulator entry with old-binary cpio magic")
    e = cpio_parse(cpio_encode(entries))
    del e[emu]
    cases["cpio-missing-emulator.rpm"] = (with_payload(data, rpm, cpio_encode(e)), "emulator not in the archive")
    cases["cpio-no-trailer.rpm"] = (with_payload(data, rpm, cpio_encode(entries[:emu])),
                                    "archive ends before the emulator, no TRAILER!!!")
    return cases


def source_cases(data):
    rpm = corrupt.RPM(data)
    pay, size = rpm.payload_start, len(data)
    entries = cpio_parse(gzip.decompress(data[pay:]))
    spec = next(i for i, e in enumerate(entries) if e.name.endswith(b".spec"))
    spec_name = entries[spec].name.decode()
    cases = {}

    e = cpio_parse(cpio_encode(entries))
    del e[spec]
    cases["srpm-spec-missing.src.rpm"] = (with_payload(data, rpm, cpio_encode(e)), f"{spec_name} listed in the header, absent from the payload")

    def garbage_spec(content, what):
        e = cpio_parse(cpio_encode(entries))
        e[spec].data = content
        buf = bytearray(data)
        set_file_digest(buf, rpm, spec_name, content)
        corrupt.resign(buf, rpm)
        return with_payload(bytes(buf), corrupt.RPM(bytes(buf)), cpio_encode(e)), what

    length = len(entries[spec].data)
    noise = bytes((i * 197 + 89) % 256 for i in range(length))
    cases["srpm-spec-binary.src.rpm"] = garbage_spec(noise, f"{spec_name} is binary (NUL bytes), its digest matches")
    text_noise = bytes(((i * 131 + 7) % 94) + 33 if i % 61 else 10 for i in range(length))
    cases["srpm-spec-garbage-text.src.rpm"] = garbage_spec(text_noise, f"{spec_name} is printable garbage, its digest matches")
    utf8_noise = bytes((0xC3, 0x28)[i % 2] if i % 50 else 10 for i in range(length))
    cases["srpm-spec-invalid-utf8.src.rpm"] = garbage_spec(utf8_noise, f"{spec_name} is invalid UTF-8, its digest matches")
    cases["srpm-truncated-payload-half.src.rpm"] = (data[:pay + (size - pay) // 2], "cut halfway through the payload")
    cases["srpm-truncated-header.src.rpm"] = (data[:rpm.hdr.store_start], "cut at the main header's data")
    cases["srpm-flip-payload-quarter.src.rpm"] = (flip(data, pay + (size - pay) // 4, 0x10), "payload byte flipped")
    return cases


def qmp_cases():
    greeting = b'{"QMP": {"version": {"qemu": {"major": 2, "minor": 12, "micro": 0}, "package": " (qemu-kvm-ev-2.12.0-44.1.el7)"}, "capabilities": []}}\n'
    reply = json.dumps({"return": [{"name": n} for n in ["transaction", "blockdev-snapshot-sync", "query-commands"]]}).encode() + b"\n"
    session = greeting + b'{"return": {}}\n' + reply
    cases = {
        "qmp-truncated.jsonl": (session[:len(session) - 20], "session cut inside its last object"),
        "qmp-truncated-in-string.jsonl": (session[:len(greeting) + 30], "cut inside a string"),
        "qmp-deep-open.jsonl": (b'{"return": ' + b"[" * 200000, "200000 unclosed arrays"),
        "qmp-deep-closed.jsonl": (b'{"return": ' + b"[" * 100000 + b"]" * 100000 + b"}\n", "100000 nested arrays, balanced"),
        "qmp-deep-objects.jsonl": (b'{"return": ' + b'{"a": ' * 50000 + b"1" + b"}" * 50000 + b"}\n", "50000 nested objects"),
        "qmp-non-utf8.jsonl": (greeting + b'{"return": [{"name": "trans\xffaction"}]}\n', "0xFF inside a command name"),
        "qmp-overlong-utf8.jsonl": (greeting + b'{"return": [{"name": "\xc0\xafetc"}]}\n', "overlong UTF-8 encoding"),
        "qmp-mismatched.jsonl": (b'{"return": [{"name": "transaction"}}]\n', "brackets closed in the wrong order"),
        "qmp-control-char.jsonl": (b'{"return": [{"name": "trans\x01action"}]}\n', "raw control character in a string"),
        "qmp-trailing-garbage.jsonl": (session + b"}\x00\x00garbage", "bytes after the last object"),
        "qmp-not-qmp.jsonl": (b'{"QMPx": 1, "execute_": 2, "returns": 3}\n', "JSON object with none of QMP's keys"),
        "qmp-bad-json.jsonl": (b'{"return": [{"name": transaction}]}\n', "unquoted string"),
    }
    # Over the 64 MiB capture limit: refused from its size, never parsed.
    big = b'{"return": [' + b'{"name": "x"}, ' * ((64 << 20) // 15 + 1) + b'{"name": "y"}]}\n'
    cases["qmp-huge.jsonl"] = (big, f"{len(big)} bytes, over the 64 MiB limit")
    cases["qmp-huge-unterminated.jsonl"] = (b'{"return": "' + b"a" * (32 << 20), "32 MiB string that never ends")
    return cases


def spec_cases():
    head = b"Name: qemu-kvm\nVersion: 1.5.3\nRelease: 1\n"
    return {
        "spec-binary.spec": (head + bytes((i * 197 + 89) % 256 for i in range(4096)), "spec tags, then binary bytes"),
        "spec-unbalanced.spec": (head + b"Summary: x\nLicense: x\n%if 1\n%if 0\n%description\nx\n", "unclosed %if"),
        "spec-huge.spec": (head + b"#" * (17 << 20), "over the 16 MiB text limit"),
    }


def main(argv):
    out = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent / ".out"
    binaries = sorted((out / "compressors/gzip/x86_64").glob("qemu-kvm-rhev-[0-9]*.x86_64.rpm"))
    sources = sorted((out / "compressors/gzip/src").glob("qemu-kvm-rhev-*.src.rpm"))
    if not binaries or not sources:
        print(f"corrupt-corpus.py: {out}/compressors/gzip: no qemu-kvm-rhev packages; run build-fixtures.sh", file=sys.stderr)
        return 1
    try:
        cases = {}
        cases.update(binary_cases(binaries[0].read_bytes()))
        cases.update(source_cases(sources[0].read_bytes()))
        cases.update(qmp_cases())
        cases.update(spec_cases())
    except corrupt.RPMError as e:
        print(f"corrupt-corpus.py: {e}", file=sys.stderr)
        return 1
    dest = out / "corrupt-corpus"
    dest.mkdir(parents=True, exist_ok=True)
    # Concurrent runs (test processes) serialize; files are replaced atomically, and only
    # when their bytes change, so a reader never sees a half-written case.
    with open(dest / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for old in dest.iterdir():
            if old.name not in cases and old.name not in ("CASES", ".lock"):
                old.unlink()
        listing = "".join(f"{n}\t{w}\n" for n, (_, w) in sorted(cases.items())).encode()
        for name, content in sorted([(n, c) for n, (c, _) in cases.items()] + [("CASES", listing)]):
            path = dest / name
            if path.exists() and path.stat().st_size == len(content) and path.read_bytes() == content:
                continue
            tmp = dest / f".{name}.tmp"
            tmp.write_bytes(content)
            os.replace(tmp, path)
    print(f"corrupt-corpus.py: {len(cases)} cases in {dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
