#!/usr/bin/env bash
# snapcheck's benchmark: snapcheck against the shell pipelines users run by
# hand, side by side, release build. See Docs/performance.md.
#
# Usage: Tests/Benchmarks/run.sh [--runs N] [--only spec,payload,batch,memory]
#                                [--work DIR] [--headers COUNT] [--strict] [--priority]
#
# Installs what is missing (.ci/install-deps, qemu-system-x86, time), builds
# snapcheck in release mode (scratch path .build-bench), builds the corpus
# deterministically under DIR/corpus (default .build-bench/bench; cached by a
# stamp of its inputs), prints each measurement with its goal, and writes
# DIR/results.md and DIR/results.json. With --strict, exit status 1 when a
# goal is missed.

set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
export PATH="$PATH:/opt/swift/usr/bin"

work="$root/.build-bench/bench"
pass=()
while [ $# -gt 0 ]; do
    case "$1" in
        --work) work=$2; shift 2 ;;
        --runs|--only|--headers|--memory-runs) pass+=("$1" "$2"); shift 2 ;;
        --strict|--priority) pass+=("$1"); shift ;;
        -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "run.sh: unknown argument '$1'" >&2; exit 64 ;;
    esac
done

"$root/.ci/install-deps"
missing=()
[ -x /usr/bin/time ] || missing+=(time)
[ -x /usr/bin/qemu-system-x86_64 ] || missing+=(qemu-system-x86)
dpkg-query -W -f='${Status}' liblzma-dev 2>/dev/null | grep -q "install ok installed" || missing+=(liblzma-dev)
dpkg-query -W -f='${Status}' libzstd-dev 2>/dev/null | grep -q "install ok installed" || missing+=(libzstd-dev)
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
    echo "run.sh: installing ${missing[*]}" >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The binary as `make install` builds it: Swift runtime linked in (Makefile, dist).
echo "run.sh: swift build -c release --static-swift-stdlib" >&2
(cd "$root" && swift build -c release --static-swift-stdlib --scratch-path .build-bench >/dev/null)
bin=$(cd "$root" && swift build -c release --static-swift-stdlib --scratch-path .build-bench --show-bin-path)

mkdir -p "$work"
gcc -O2 -o "$work/floor" "$here/floor.c" -llzma -lzstd

exec python3 "$here/bench.py" --snapcheck "$bin/snapcheck" --floor "$work/floor" --work "$work" "${pass[@]}"
