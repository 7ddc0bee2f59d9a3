#!/usr/bin/env python3
"""Records the real QMP captures in this folder from the installed QEMU.

Usage: python3 capture.py [--qemu qemu-system-x86_64] [--out DIR] [CAPTURE ...]

Runs `qemu-system-x86_64 -machine none -nodefaults -nographic -display none
-qmp stdio` once per session, sends one command at a time and waits for its
reply, so the transcripts are in request order. No guest, no disks, no network.
The version tag in the file names is "<major>.<minor>" of the QEMU that answered.
CAPTURE names which files to record (default: all): session, libvirt,
schema-only, two-sessions, replies-only.
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


def libvirt_session(qemu, requests):
    """One QEMU process asked `requests` with libvirt's ids (libvirt-1, ...): [(request, reply)]."""
    s = Session(qemu)
    pairs = []
    for n, request in enumerate(requests, start=1):
        request = dict(request, id="libvirt-%d" % n)
        pairs.append((request, s.execute(request)))
    s.execute({"execute": "quit"})
    s.close()
    return s, pairs


def pretty(message, indent):
    """libvirt's layout: pretty-printed; a query-qmp-schema reply stays on one line (it is 200 KB)."""
    if isinstance(message.get("return"), list) and message["return"] and "meta-type" in message["return"][0]:
        return json.dumps(message)
    return json.dumps(message, indent=indent)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--qemu", default="qemu-system-x86_64")
    parser.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument("captures", nargs="*", default=["session", "libvirt", "schema-only", "two-sessions", "replies-only"])
    args = parser.parse_args()
    if "session" in args.captures or "libvirt" in args.captures or "schema-only" in args.captures:
        record_first_three(args)
    if "two-sessions" in args.captures:
        record_two_sessions(args)
    if "replies-only" in args.captures:
        record_replies_only(args)


def record_two_sessions(args):
    """4. libvirt's newer layout: requests and replies, two sessions (libvirt probes with KVM,
    then TCG), ids restarting at libvirt-1. The second session asks no query-commands."""
    first, pairs1 = libvirt_session(args.qemu, [
        {"execute": "qmp_capabilities"},
        {"execute": "query-version"},
        {"execute": "query-target"},
        {"execute": "query-commands"},
        {"execute": "query-kvm"},
        {"execute": "query-qmp-schema"},
    ])
    _, pairs2 = libvirt_session(args.qemu, [
        {"execute": "qmp_capabilities"},
        {"execute": "query-kvm"},
        {"execute": "query-status"},
        {"execute": "query-migrate-capabilities"},
        {"execute": "query-target"},
    ])
    tag = "debian-" + version_tag(pairs1[1][1])
    blocks = [pretty(m, 2) for pair in pairs1 + pairs2 for m in pair]
    write(os.path.join(args.out, tag + "-two-sessions.replies"), ("\n\n".join(blocks) + "\n").encode())


def record_replies_only(args):
    """5. libvirt's old layout: the greeting and the replies (with ids), no requests.
    query-chardev-backends (a list of names too) comes before query-commands: only the
    shape of the list (query-commands lists itself) tells them apart."""
    s, pairs = libvirt_session(args.qemu, [
        {"execute": "qmp_capabilities"},
        {"execute": "query-version"},
        {"execute": "query-target"},
        {"execute": "query-chardev-backends"},
        {"execute": "query-commands"},
        {"execute": "query-kvm"},
    ])
    tag = "debian-" + version_tag(pairs[1][1])
    blocks = [pretty(s.greeting, 4)] + [pretty(reply, 4) for _, reply in pairs]
    write(os.path.join(args.out, tag + "-replies-only.replies"), ("\n\n".join(blocks) + "\n").encode())


def record_first_three(args):
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
