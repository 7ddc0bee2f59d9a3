#!/usr/bin/env python3
"""Derives the modelled captures from the real Debian recordings.

Usage: python3 derive.py [--source debian-7.2-session.jsonl]
                         [--two-sessions debian-7.2-two-sessions.replies] [--out DIR]

Deterministic: same source, same output bytes. Each model takes the real
transcript line by line and changes only what its build would answer
differently, following "Commands each gate removes" in the facts doc:
- query-commands: the gated QMP commands are dropped (order kept);
- query-version and the greeting: version and package string replaced;
- human-monitor-command "help": the gated HMP commands' entries dropped;
- the no-argument `blockdev-snapshot-sync` probe: CommandNotFound when the
  model lacks that command.
Everything else (timestamps, other replies, capabilities) is Debian's.
"""
import argparse
import copy
import json
import os

# EL7 qemu-kvm 1.5.3 with CONFIG_LIVE_BLOCK_OPS compiled out (release >= 112).
EL7_153_QMP = {
    "block-stream", "block-commit", "transaction", "blockdev-snapshot-sync", "drive-mirror",
    "block-job-set-speed", "block-job-cancel", "block-job-pause", "block-job-resume",
    "block-job-complete",
}
EL7_153_HMP_PREFIXES = ("block_stream", "block_job_", "snapshot_blkdev", "drive_mirror")

# EL7 2.9-2.12 with live block ops off: unregistered at start-up; `transaction` stays.
EL7_212_QMP = {
    "block-stream", "block-commit", "drive-mirror", "blockdev-mirror", "drive-backup",
    "blockdev-backup", "blockdev-snapshot", "blockdev-snapshot-sync", "query-block-jobs",
}
EL7_212_QMP_PREFIXES = ("block-job-",)
EL7_212_HMP_PREFIXES = ("snapshot_blkdev", "drive_mirror", "drive_backup", "block_stream", "block_job_")

MODELS = [
    {
        "file": "el7-1.5.3-disabled-session.jsonl",
        "version": (1, 5, 3),
        "package": "qemu-kvm-1.5.3-175.el7",
        "removes": lambda name: name in EL7_153_QMP,
        "hmp_removes": EL7_153_HMP_PREFIXES,
    },
    {
        "file": "el7-2.12-disabled-session.jsonl",
        "version": (2, 12, 0),
        "package": "qemu-kvm-ma-2.12.0-44.el7_8",
        "removes": lambda name: name in EL7_212_QMP or name.startswith(EL7_212_QMP_PREFIXES),
        "hmp_removes": EL7_212_HMP_PREFIXES,
    },
    {
        "file": "el7-2.12-enabled-session.jsonl",
        "version": (2, 12, 0),
        "package": "qemu-kvm-ev-2.12.0-44.1.el7_8.1",
        "removes": lambda name: False,
        "hmp_removes": (),
    },
    {
        # Not a real build: the case where only `transaction` would be listed.
        "file": "transaction-only-session.jsonl",
        "version": None,  # keeps Debian's
        "package": "snapcheck-model-transaction-only",
        "removes": lambda name: name == "blockdev-snapshot-sync",
        "hmp_removes": ("snapshot_blkdev",),
    },
]


def hmp_command(entry):
    return entry.split(" ", 1)[0]


def filter_hmp_help(text, prefixes):
    """Drops the entries (a line plus its tab-indented continuation lines) of gated HMP commands.

    A prefix ending in "_" matches a family (block_job_*); any other matches the
    exact command name, so `snapshot_blkdev` leaves `snapshot_blkdev_internal`.
    """
    out = []
    dropping = False
    for line in text.split("\r\n"):
        if line.startswith("\t"):
            if not dropping:
                out.append(line)
            continue
        name = hmp_command(line)
        dropping = any(name.startswith(p) if p.endswith("_") else name == p for p in prefixes)
        if not dropping:
            out.append(line)
    return "\r\n".join(out)


def set_version(version_object, model):
    if model["version"] is not None:
        major, minor, micro = model["version"]
        version_object["qemu"] = {"micro": micro, "minor": minor, "major": major}
    version_object["package"] = model["package"]


def derive(source_lines, model):
    out = []
    for line in source_lines:
        message = json.loads(line)
        result = message.get("return")
        if "QMP" in message:
            set_version(message["QMP"]["version"], model)
        elif isinstance(result, dict) and "qemu" in result and "package" in result:
            set_version(result, model)
        elif isinstance(result, list) and result and all(set(e) == {"name"} for e in result):
            message["return"] = [e for e in result if not model["removes"](e["name"])]
        elif isinstance(result, str) and "snapshot_blkdev" in result:
            message["return"] = filter_hmp_help(result, model["hmp_removes"])
        elif (
            "error" in message
            and message["error"]["desc"] == "Parameter 'snapshot-file' is missing"
            and model["removes"]("blockdev-snapshot-sync")
        ):
            message["error"] = {
                "class": "CommandNotFound",
                "desc": "The command blockdev-snapshot-sync has not been found",
            }
        # QEMU writes ", " and ": " separators; keep that spelling.
        out.append(json.dumps(message) + "\n")
    return "".join(out)


# libvirt layout (capture.py's two-sessions recording): blank-line-separated objects,
# pretty-printed with indent 2, a query-qmp-schema reply on one line.

def read_blocks(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(block) for block in f.read().split("\n\n") if block.strip()]


def write_blocks(path, blocks):
    def pretty(message):
        result = message.get("return")
        if isinstance(result, list) and result and "meta-type" in result[0]:
            return json.dumps(message)
        return json.dumps(message, indent=2)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("\n\n".join(pretty(b) for b in blocks) + "\n")
    print("wrote " + path)


def sessions(blocks):
    """The recording's sessions: each starts at a qmp_capabilities request."""
    out = []
    for block in blocks:
        if block.get("execute") == "qmp_capabilities":
            out.append([])
        out[-1].append(block)
    return out


def exchange(session, command):
    """The request for `command` and its reply (same id, next block)."""
    for i, block in enumerate(session):
        if block.get("execute") == command:
            return block, session[i + 1]
    raise KeyError(command)


def without(session, *commands):
    """The session minus the exchanges of `commands`."""
    drop = []
    for command in commands:
        drop.extend(map(id, exchange(session, command)))
    return [b for b in session if id(b) not in drop]


def gate_212(blocks, package):
    """The EL7 2.9-2.12 gate off: query-commands loses the unregistered commands,
    query-version reports 2.12.0 and the package; the schema stays byte-identical."""
    removes = MODELS[1]["removes"]
    out = []
    for block in copy.deepcopy(blocks):
        result = block.get("return")
        if isinstance(result, list) and result and all(set(e) == {"name"} for e in result):
            block["return"] = [e for e in result if not removes(e["name"])]
        elif isinstance(result, dict) and "qemu" in result and "package" in result:
            set_version(result, {"version": (2, 12, 0), "package": package})
        out.append(block)
    return out


def derive_libvirt(source, out_dir):
    blocks = read_blocks(source)
    first, second = sessions(blocks)

    # The regression of issue 12: a -ma build probed twice. The second session restarts the
    # ids and asks no query-commands; pairing across the file lost the first session's
    # query-commands and query-version, and the schema (which lists unregistered commands)
    # decided `enabled`.
    write_blocks(os.path.join(out_dir, "el7-2.12-ma-two-sessions.replies"),
                 gate_212(blocks, "qemu-kvm-ma-2.12.0-44.el7_8"))

    # Sessions that disagree: the first session as recorded (its 200 KB schema exchange left
    # out), the second session asks query-commands too and answers as the gated build.
    small = without(first, "query-qmp-schema")
    asked, listed = exchange(first, "query-commands")
    n = len([b for b in second if "execute" in b]) + 1
    extra = [dict(asked, id="libvirt-%d" % n), dict(gate_212([listed], "")[0], id="libvirt-%d" % n)]
    write_blocks(os.path.join(out_dir, "sessions-disagree.replies"), small + second + extra)

    # A reply that pairs with nothing: the query-commands request is gone, its reply
    # (id libvirt-4) stays. It must decide nothing.
    asked, _ = exchange(small, "query-commands")
    write_blocks(os.path.join(out_dir, "unpaired-query-commands.replies"), [b for b in small if b is not asked])

    # Ids of three JSON types, answered out of order (exec-oob): query-commands has id 1,
    # query-target id true, query-version id "1". Paired by type and value, each reply
    # finds its own request; conflated (1 == true == "1") they would not.
    requests = [("query-commands", 1), ("query-target", True), ("query-version", "1")]
    replies = {command: exchange(first, command)[1] for command, _ in requests}
    typed = [exchange(first, "qmp_capabilities")[0], exchange(first, "qmp_capabilities")[1]]
    typed += [{"exec-oob": command, "id": ident} for command, ident in requests]
    typed += [dict(replies[command], id=ident) for command, ident in reversed(requests)]
    write_blocks(os.path.join(out_dir, "id-types.replies"), typed)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", default=os.path.join(here, "debian-7.2-session.jsonl"))
    parser.add_argument("--two-sessions", default=os.path.join(here, "debian-7.2-two-sessions.replies"))
    parser.add_argument("--out", default=here)
    args = parser.parse_args()
    with open(args.source, encoding="utf-8") as f:
        source_lines = [line for line in f if line.strip()]
    for model in MODELS:
        path = os.path.join(args.out, model["file"])
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(derive(source_lines, model))
        print("wrote " + path)
    derive_libvirt(args.two_sessions, args.out)


if __name__ == "__main__":
    main()
