#!/usr/bin/env python3
"""Rebuild the committed fuzz seed corpora (Tests/Fuzz/Corpus/<target>/) from the fixtures.

Usage: make-corpus.py [FIXTURE_OUT]   (default Fixtures/.out; run build-fixtures.sh first)

Seeds are kept small (a few KiB each): libFuzzer's default maximum input length is the
largest seed's. Deterministic; standard library only.
"""

import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
FIXTURES = ROOT / "Fixtures"
CORPUS = HERE / "Corpus"


def write(target, name, data):
    if isinstance(data, str):
        data = data.encode()
    path = CORPUS / target / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def head_lines(data, limit):
    """Whole lines from the start of data, at most limit bytes (at least one line)."""
    out = b""
    for line in data.splitlines(keepends=True):
        if out and len(out) + len(line) > limit:
            break
        out += line
    return out


def qmp():
    for path in sorted((FIXTURES / "qmp").glob("*.jsonl")):
        write("FuzzQMPCapture", path.stem + ".jsonl", head_lines(path.read_bytes(), 4096))
    write("FuzzQMPCapture", "query-commands.json",
          json.dumps({"return": [{"name": n} for n in
                      ["transaction", "blockdev-snapshot-sync", "query-commands", "query-version"]]}).encode())
    replies = (FIXTURES / "qmp/debian-7.2-libvirt.replies").read_bytes()
    # Whole pretty-printed objects (they end with a line "}") up to ~4 KiB.
    cut = 0
    for m in re.finditer(rb"\n}\n", replies):
        if m.end() > 4096:
            break
        cut = m.end()
    write("FuzzQMPCapture", "libvirt.replies", replies[:cut or len(replies)])
    write("FuzzQMPCapture", "greeting-version.jsonl",
          '{"QMP": {"version": {"qemu": {"major": 2, "minor": 12, "micro": 0}, "package": " (qemu-kvm-ev-2.12.0)"}, "capabilities": []}}\n'
          '{"return": {}}\n'
          '{"error": {"class": "CommandNotFound", "desc": "The command drive-mirror has not been found"}}\n')
    # Two sessions with restarting ids, ids of three JSON types, an unpaired reply.
    write("FuzzQMPCapture", "two-sessions.replies",
          '{"execute": "qmp_capabilities", "id": "libvirt-1"}\n{"return": {}, "id": "libvirt-1"}\n'
          '{"execute": "query-commands", "id": 1}\n{"exec-oob": "query-target", "id": true}\n'
          '{"return": {"arch": "ppc64"}, "id": true}\n{"return": [{"name": "query-commands"}], "id": 1}\n'
          '{"return": [{"name": "query-commands"}], "id": "1"}\n'
          '{"execute": "qmp_capabilities", "id": "libvirt-1"}\n{"return": {}, "id": "libvirt-1"}\n'
          '{"execute": "query-qmp-schema", "id": "libvirt-2"}\n'
          '{"return": [{"name": "blockdev-snapshot-sync", "meta-type": "command"}], "id": "libvirt-2"}\n')


def strings():
    needles = [b"snapshot_blkdev", b"transaction", b"blockdev-snapshot-sync", b"drive-mirror", b"block-stream",
               b"__com.redhat_drive-mirror", b"query-commands"]
    spec = b"\x01".join(needles) + b"\xff"
    hay = (b"\x7fELF\x02\x01\x01\0\0\0snapshot_blkdev_internal\0xsnapshot_blkdev\0snapshot_blkdev\0"
           b"hmp_drive_mirror\0drive-mirror\0\0\0transaction\0query-commands")
    write("FuzzExecutableStrings", "exact-and-decoys", spec + b"\x05" + hay)
    write("FuzzExecutableStrings", "whole-chunk", spec + b"\x00" + hay + b"\0")
    many = b"\x01".join(bytes([c]) + b"x" for c in b"abcdefghijklm") + b"\xff"
    write("FuzzExecutableStrings", "many-first-bytes", many + b"\x03" + b"\0".join(bytes([c]) + b"x" for c in b"acegikm") + b"\0")
    write("FuzzExecutableStrings", "empty-and-nul-needles", b"\x01a\x00b\x01block-stream\xff\x11\0a\0block-stream\0")


def section(text, name):
    """The %name section of a spec (up to the next %section)."""
    m = re.search(r"^%" + name + r"\b.*?(?=^%(?:install|check|files|changelog|clean)\b|\Z)", text, re.M | re.S)
    return m.group(0) if m else ""


def configure():
    for path in sorted((FIXTURES / "specs").glob("*.spec")):
        build = section(path.read_text(), "build")
        if "configure" in build:
            write("FuzzConfigureCalls", path.stem + ".build", build)
    write("FuzzConfigureCalls", "expanded.sh",
          'buildarch="x86_64-softmmu"\ncd build-x86_64 && CFLAGS="-O2" ../configure --prefix=/usr \\\n'
          '    --target-list="$buildarch" --enable-live-block-ops 2>&1 | tee log\n'
          'if true; then sh /x/SOURCES/build_configure.sh "a" b enable; fi\n')


def helper():
    # The fixture helper scripts themselves are read as seeds in place (run.sh).
    write("FuzzHelperScript", "forms.sh",
          'a=$1; shift\nlocal b="${1:-x}" && shift 2\nc=${1}\n# d=$1\n./configure --"$c"-live-block-ops\n')


def spec():
    for name in ["el7-rhev", "ev-23-with-shell", "decoy-parametric", "ev-210", "nonqemu"]:
        write("FuzzSpecNeutralize", name + ".spec", (FIXTURES / "specs" / (name + ".spec")).read_bytes())
    write("FuzzSpecNeutralize", "expansions.spec",
          '%global a %(echo "(x" \\\n  ))\n%%%(id)\n%{lua: print("}") -- }\n}\n%{?lua:[==[ ]] ]==]}\n'
          '%{!?lua: x\n%(unbalanced\r\n%if 0%{?rhev}\n%else\n%endif\n')


def baseline():
    report = {
        "schema_version": 1,
        "tool": {"name": "snapcheck", "version": "0"},
        "expectation": "enabled",
        "verdict": "disabled",
        "builds": [
            {"name": "qemu-kvm", "arch": "x86_64", "epoch": 10, "version": "1.5.3", "release": "175.el7",
             "verdict": "disabled", "era": "el7-1.5.3", "meets_expectation": False, "evidence": [], "inputs": []},
            {"name": "qemu-kvm-ev", "arch": None, "epoch": None, "version": "2.12.0", "release": "44",
             "verdict": "enabled", "meets_expectation": True, "evidence": [], "inputs": []},
        ],
        "skipped": [],
        "errors": [{"input": "x.rpm", "message": "not an RPM package"}],
    }
    write("FuzzBaseline", "report.json", json.dumps(report, indent=2, sort_keys=True) + "\n")
    write("FuzzBaseline", "empty.json", '{"schema_version": 1, "builds": []}')
    write("FuzzBaseline", "nested.json", '{"schema_version": 1, "builds": [' + "[" * 40 + "]" * 40 + "]}")


def policy():
    write("FuzzPolicyFile", "virt-sig.yaml", (FIXTURES / "policy" / "virt-sig.yaml").read_bytes())
    write("FuzzPolicyFile", "switches.yaml",
          'expect:\n  "qemu-kvm-*": disabled\nfail-on:\n  no-builds: false\n  vanished: true\n  header-only: false\n'
          'waivers:\n  - package: qemu-kvm-ma\n    arch: "ppc64*"\n    reason: r\n    expires: 2028-02-29\n')
    write("FuzzPolicyFile", "broken.yaml", "expect: [qemu-kvm\nwaiver:\n  - {package: x, expires: 2027-13-01}\n")


def rpms(out):
    picks = {
        "hello.rpm": "builds/nonqemu/x86_64/hello-1.0-1.x86_64.rpm",
        "hello.src.rpm": "builds/nonqemu/src/hello-1.0-1.src.rpm",
        "qemu-img-xz.rpm": "compressors/xz/x86_64/qemu-img-rhev-1.5.3-175.el7.x86_64.rpm",
        "qemu-img-zstd.rpm": "compressors/zstd/x86_64/qemu-img-rhev-1.5.3-175.el7.x86_64.rpm",
        "qemu-kvm-gzip.rpm": "compressors/gzip/x86_64/qemu-kvm-rhev-1.5.3-175.el7.x86_64.rpm",
        "bad-compressor.rpm": "corrupt/bad-compressor.rpm",
        "truncated-payload.rpm": "corrupt/truncated-payload.rpm",
    }
    for name, rel in picks.items():
        path = out / rel
        if not path.exists():
            sys.exit(f"make-corpus.py: {path}: missing; run Fixtures/build-fixtures.sh first")
        write("FuzzRPMPackage", name, path.read_bytes())


def main(argv):
    out = Path(argv[1]) if len(argv) > 1 else FIXTURES / ".out"
    for d in CORPUS.glob("*/*"):
        d.unlink()
    qmp(); strings(); configure(); helper(); spec(); baseline(); policy(); rpms(out)
    files = sorted(CORPUS.glob("*/*"))
    total = sum(f.stat().st_size for f in files)
    print(f"make-corpus.py: {len(files)} seeds, {total} bytes in {CORPUS.relative_to(ROOT)}")


if __name__ == "__main__":
    main(sys.argv)
