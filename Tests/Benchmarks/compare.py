#!/usr/bin/env python3
"""Runs shell commands alternately and prints the median wall and CPU time of each, and
each one's ratio to the first: for before/after comparisons outside `make bench`.

  Tests/Benchmarks/compare.py ROUNDS 'label=command' 'label=command' ...

One warm-up of each, then ROUNDS rounds in turn. With root, the session's autogroup is
raised to -15 first (see Docs/performance.md, "Measuring on a busy machine").
"""
import resource
import statistics
import subprocess
import sys
import time


def once(command):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, shell=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    try:
        with open("/proc/self/autogroup", "w") as f:
            f.write("-15")
    except OSError:
        print("compare: running at normal priority (raising the autogroup needs root)", file=sys.stderr)
    rounds = int(sys.argv[1])
    commands = [argument.split("=", 1) for argument in sys.argv[2:]]
    times = {label: ([], []) for label, _ in commands}
    for _, command in commands:
        once(command)
    for _ in range(rounds):
        for label, command in commands:
            wall, cpu = once(command)
            times[label][0].append(wall)
            times[label][1].append(cpu)
    print("load", " ".join(open("/proc/loadavg").read().split()[:3]))
    first = None
    for label, _ in commands:
        wall, cpu = statistics.median(times[label][0]), statistics.median(times[label][1])
        first = first or (wall, cpu)
        print(f"{label:24s} wall {wall * 1000:9.1f} ms  cpu {cpu * 1000:9.1f} ms  "
              f"ratio wall {wall / first[0]:.2f} cpu {cpu / first[1]:.2f}")


if __name__ == "__main__":
    main()
