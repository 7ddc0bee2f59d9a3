#!/usr/bin/env python3
"""Records the real QMP captures in this folder from the installed QEMU.

Usage: python3 capture.py [--qemu qemu-system-x86_64] [--out DIR]

Runs `qemu-system-x86_64 -machine none -nodefaults -nographic -display none
-qmp stdio` once per capture, sends one command at a time and waits for its
reply, so the transcripts are in request order. No guest, no disks, no network.
The version tag in the file names is "<major>.<minor>" of the QEMU that answered.
"""
import argparse
import json
import os
import subprocess
import sys

QEMU_ARGS = ["-machine", "none", "-nodefaults", "-nographic", "-display", "none", "-qmp", "stdio"]
TIMEOUT = 60


class Session:
    """One QEMU process spoken to over its stdin/stdout."""

    def __init__(self, qemu):
        self.proc = subprocess.Popen(
            [qemu] + QEMU_ARGS,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.lines = []  # every stdout line, verbatim, in order
        self.greeting = self._read_line()

    def _read_line(self):
        line = self.proc.stdout.readline()
        if not line:
            sys.exit("qemu closed stdout early: " + self.proc.stderr.read().decode(errors="replace"))
        self.lines.append(line)
        return json.loads(line)

    def execute(self, request):
        """Sends a request; returns its reply (events before it stay in `lines`)."""
        self.proc.stdin.write(json.dumps(request).encode() + b"\n")
        self.proc.stdin.flush()
        while True:
            message = self._read_line()
            if "return" in message or "error" in message:
                return message

    def close(self):
        self.proc.stdin.close()
        # After `quit` QEMU may still print its last event/reply; keep them.
        for line in self.proc.stdout:
            self.lines.append(line)
        self.proc.wait(timeout=TIMEOUT)


def version_tag(reply):
    qemu = reply["return"]["qemu"]
    return "%d.%d" % (qemu["major"], qemu["minor"])


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)
    print("wrote %s (%d bytes)" % (path, len(data)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--qemu", default="qemu-system-x86_64")
    parser.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    args = parser.parse_args()

    # 1. The plain session: the stdout transcript of a typical probe.
    s = Session(args.qemu)
    s.execute({"execute": "qmp_capabilities"})
    commands = s.execute({"execute": "query-commands"})
    version = s.execute({"execute": "query-version"})
    s.execute({"execute": "human-monitor-command", "arguments": {"command-line": "help"}})
    # A probe with no arguments: an enabled build answers a missing-parameter
    # error, a disabled one CommandNotFound. Nothing is snapshotted.
    s.execute({"execute": "blockdev-snapshot-sync", "arguments": {}})
    s.execute({"execute": "quit"})
    s.close()
    tag = "debian-" + version_tag(version)
    write(os.path.join(args.out, tag + "-query-commands.json"), json.dumps(commands).encode() + b"\n")
    write(os.path.join(args.out, tag + "-session.jsonl"), b"".join(s.lines))

    # 2. libvirt's test-suite format: pretty-printed requests and replies with ids.
    s = Session(args.qemu)
    blocks = []
    requests = [
        {"execute": "qmp_capabilities"},
        {"execute": "query-version"},
        {"execute": "query-commands"},
    ]
    for n, request in enumerate(requests, start=1):
        request = dict(request, id="libvirt-%d" % n)
        reply = s.execute(request)
        blocks.append(request)
        blocks.append(reply)
    s.execute({"execute": "quit"})
    s.close()
    text = "\n\n".join(json.dumps(b, indent=2) for b in blocks) + "\n"
    write(os.path.join(args.out, tag + "-libvirt.replies"), text.encode())

    # 3. A session that asked only for the introspection schema (and the version).
    s = Session(args.qemu)
    s.execute({"execute": "qmp_capabilities"})
    s.execute({"execute": "query-version"})
    s.execute({"execute": "query-qmp-schema"})
    s.execute({"execute": "quit"})
    s.close()
    write(os.path.join(args.out, tag + "-schema-only.jsonl"), b"".join(s.lines))


if __name__ == "__main__":
    main()
