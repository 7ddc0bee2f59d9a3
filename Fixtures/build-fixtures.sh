#!/usr/bin/env bash
# Builds the snapcheck RPM fixtures: SRPMs and binary RPMs from the specs in
# Fixtures/specs, the fake QEMU source in Fixtures/emulator, then the
# corrupted variants (corrupt.py) and DIR/MANIFEST.
#
# Usage: build-fixtures.sh [--out DIR] [--only ID ...]
#
# Outputs are byte-reproducible: rpmbuild runs with SOURCE_DATE_EPOCH, fixed
# build host, clamped mtimes, an empty HOME and a fixed _topdir
# (/tmp/snapcheck-fixture-topdir/<id>, independent of DIR, because SRPMs embed
# it), then the results are copied to DIR. An id whose inputs are unchanged
# since its last build is skipped. Concurrent runs serialize on DIR/.lock and
# on the shared topdir's lock.

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
self="$here/$(basename "${BASH_SOURCE[0]}")"
specs="$here/specs"
emulator="$here/emulator"

out="$here/.out"
only=()
while [ $# -gt 0 ]; do
    case "$1" in
        --out) [ $# -ge 2 ] || { echo "build-fixtures.sh: --out needs a directory" >&2; exit 2; }
               out=$2; shift 2 ;;
        --out=*) out=${1#--out=}; shift ;;
        --only) shift
                while [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; do only+=("$1"); shift; done ;;
        -h|--help) sed -n '2,13p' "$self" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "build-fixtures.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
done

export SOURCE_DATE_EPOCH=1700000000
export LC_ALL=C TZ=UTC
umask 022

# Build table. Fields (|-separated):
#   id | spec | output dir | srpm? | era | tarball | targets | payload | rpmbuild args | extra sources
# era/tarball: the fake QEMU tree's ERA file and Source0 name ("-" for none).
# extra sources: spec-dir file[=name in SOURCES], comma-separated.
jobs=(
"el6-stock|el6-stock|builds/el6-stock|srpm|el6|qemu-0.12.1.2.tar.gz|x86_64|w2.xzdio|-|-"
"el6-rhev|el6-rhev|builds/el6-rhev|srpm|el6|qemu-0.12.1.2.tar.gz|x86_64|w2.xzdio|-|-"
"el6-stock-with-rhev-features|el6-stock|builds/el6-stock-with-rhev-features|-|el6|qemu-0.12.1.2.tar.gz|x86_64|w2.xzdio|--with rhev_features|-"
"spec-exe-disagree|el6-stock|builds/spec-exe-disagree|srpm|el6|qemu-0.12.1.2.tar.gz|x86_64|w2.xzdio|--with rhev_features|-"
"el6-gap|el6-gap|builds/el6-gap|srpm|el6.2|qemu-0.12.1.2.tar.gz|x86_64|w2.xzdio|-|qemu-kvm-Remove-live-snapshot-commands.patch"
"el7-stock|el7-stock|builds/el7-stock|srpm|el7|qemu-1.5.3.tar.gz|x86_64|w2.xzdio|-|-"
"el7-rhev|el7-rhev|builds/el7-rhev|srpm|el7|qemu-1.5.3.tar.gz|x86_64|w2.xzdio|-|-"
"el7-old|el7-old|builds/el7-old|srpm|el7-early|qemu-1.5.3.tar.gz|x86_64|w2.xzdio|-|-"
"rhev-212|rhev-212|builds/rhev-212|srpm|rhev-2.1|qemu-2.1.2.tar.gz|x86_64|w2.xzdio|-|-"
"ev-23|ev-23|builds/ev-23|srpm|el7-2.3|qemu-2.3.0.tar.gz|x86_64|w2.xzdio|-|-"
"ev-26|ev-26|builds/ev-26|srpm|el7-2.6|qemu-2.6.0.tar.gz|x86_64|w2.xzdio|-|-"
"ev-210|ev-210|builds/ev-210|srpm|el7-2.10|qemu-2.10.0.tar.gz|x86_64|w2.xzdio|-|build_configure-2.10.sh=build_configure.sh"
"ma-210|ma-210|builds/ma-210|srpm|el7-2.10|qemu-2.10.0.tar.gz|x86_64|w2.xzdio|-|build_configure-2.10.sh=build_configure.sh"
"ev-212|ev-212|builds/ev-212|srpm|el7-2.12|qemu-2.12.0.tar.gz|x86_64,ppc64le|w2.xzdio|-|build_configure-2.12.sh=build_configure.sh"
"ma-212|ma-212|builds/ma-212|srpm|el7-2.12|qemu-2.12.0.tar.gz|x86_64|w2.xzdio|-|build_configure-2.12.sh=build_configure.sh"
"el8|el8|builds/el8|srpm|el8-4.2|qemu-4.2.0.tar.xz|x86_64|w19.zstdio|-|-"
"fedora|fedora|builds/fedora|srpm|fedora-7.2|qemu-7.2.0.tar.xz|x86_64|w19.zstdio|-|-"
"fedora-013|fedora-013|builds/fedora-013|srpm|fedora-0.13|qemu-0.13.0.tar.gz|x86_64|w2.xzdio|-|-"
"decoy-two-configure|decoy-two-configure|builds/decoy-two-configure|srpm|el7|qemu-1.5.3.tar.gz|x86_64|w2.xzdio|-|-"
"decoy-live-block-migration|decoy-live-block-migration|builds/decoy-live-block-migration|srpm|el7|qemu-1.5.3.tar.gz|x86_64|w2.xzdio|-|-"
"decoy-parametric|decoy-parametric|builds/decoy-parametric|srpm|el7|qemu-1.5.3.tar.gz|x86_64|w2.xzdio|-|-"
"rhev-disabled|rhev-disabled|builds/rhev-disabled|srpm|el7|qemu-1.5.3.tar.gz|x86_64|w2.xzdio|-|-"
"ev-23-with-shell|ev-23-with-shell|builds/ev-23-with-shell|srpm|el7-2.3|qemu-2.3.0.tar.gz|x86_64|w2.xzdio|-|-"
"nonqemu|nonqemu|builds/nonqemu|srpm|-|-|x86_64|w9.gzdio|-|-"
"emulator-hardlink|emulator-links|builds/emulator-hardlink|-|el7|qemu-1.5.3.tar.gz|x86_64|w2.xzdio|-|-"
"emulator-symlink|emulator-links|builds/emulator-symlink|-|el7|qemu-1.5.3.tar.gz|x86_64|w2.xzdio|--with symlink|-"
"emulator-dangling|emulator-links|builds/emulator-dangling|-|el7|qemu-1.5.3.tar.gz|x86_64|w2.xzdio|--with dangling|-"
"srpm-decoy-spec|srpm-decoy-spec|builds/srpm-decoy-spec|srpm|el7|qemu-1.5.3.tar.gz|x86_64|w2.xzdio|-|decoy-source.spec=aaa-decoy.spec"
"compressors-gzip|el7-rhev|compressors/gzip|srpm|el7|qemu-1.5.3.tar.gz|x86_64|w9.gzdio|-|-"
"compressors-xz|el7-rhev|compressors/xz|srpm|el7|qemu-1.5.3.tar.gz|x86_64|w6.xzdio|-|-"
"compressors-zstd|el7-rhev|compressors/zstd|srpm|el7|qemu-1.5.3.tar.gz|x86_64|w19.zstdio|-|-"
)

job_ids=()
for j in "${jobs[@]}"; do job_ids+=("${j%%|*}"); done

selected=()
if [ ${#only[@]} -eq 0 ]; then
    selected=("${jobs[@]}")
else
    for want in "${only[@]}"; do
        found=
        for j in "${jobs[@]}"; do
            id=${j%%|*}
            # "compressors" selects all three compressor builds.
            if [ "$id" = "$want" ] || { [ "$want" = compressors ] && [ "${id#compressors-}" != "$id" ]; }; then
                selected+=("$j"); found=1
            fi
        done
        [ -n "$found" ] || { echo "build-fixtures.sh: unknown id '$want' (known: ${job_ids[*]} compressors)" >&2; exit 2; }
    done
fi

mkdir -p "$out"
out=$(cd "$out" && pwd)
exec 9>"$out/.lock"
flock 9

topbase=/tmp/snapcheck-fixture-topdir
mkdir -p "$topbase" "$out/.stamps"

home=$(mktemp -d /tmp/snapcheck-fixture-home.XXXXXX)
trap 'rm -rf "$home"' EXIT

# Hash of everything every job depends on (emulator tree and this script).
common_hash=$( { cat "$self"; for f in "$emulator"/*; do echo "== ${f##*/}"; cat "$f"; done; } | sha256sum | cut -d' ' -f1)

# Writes SOURCES/<tarball> for era $1 from the fake QEMU tree, deterministically.
make_tarball() {
    local era=$1 tarball=$2 dest=$3 stage version top
    top=${tarball%.tar.*}
    version=${top#qemu-}
    stage=$(mktemp -d "$topbase/stage.XXXXXX")
    mkdir "$stage/$top"
    for f in "$emulator"/*; do
        install -m 0644 "$f" "$stage/$top/${f##*/}"
    done
    chmod 0755 "$stage/$top/configure"
    echo "$era" > "$stage/$top/ERA"
    echo "$version" > "$stage/$top/VERSION"
    tar -C "$stage" --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 \
        --numeric-owner --format=gnu -cf "$stage/t.tar" "$top"
    case "$tarball" in
        *.tar.gz) gzip -n -9 -c "$stage/t.tar" > "$dest/$tarball" ;;
        *.tar.xz) xz -T1 -6 -c "$stage/t.tar" > "$dest/$tarball" ;;
        *) echo "build-fixtures.sh: cannot make $tarball" >&2; return 1 ;;
    esac
    rm -rf "$stage"
}

run_rpmbuild() { # log, args...
    local log=$1; shift
    if ! env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$home" LC_ALL=C TZ=UTC \
            SOURCE_DATE_EPOCH="$SOURCE_DATE_EPOCH" rpmbuild "$@" >"$log" 2>&1; then
        echo "build-fixtures.sh: rpmbuild $* failed:" >&2
        cat "$log" >&2
        return 1
    fi
}

# Hash of one job's inputs: its table line, spec, extra sources, and the
# common inputs.
job_hash() {
    local j=$1 spec extras e
    spec=$(cut -d'|' -f2 <<<"$j")
    extras=$(cut -d'|' -f10 <<<"$j")
    { echo "$common_hash"; echo "$j"; cat "$specs/$spec.spec"
      if [ "$extras" != - ]; then
          for e in ${extras//,/ }; do echo "== $e"; cat "$specs/${e%%=*}"; done
      fi; } | sha256sum | cut -d' ' -f1
}

# True if the job's stamp matches its inputs and all its outputs exist.
job_fresh() {
    local j=$1 stamp f
    stamp="$out/.stamps/${j%%|*}"
    [ -f "$stamp" ] && [ "$(head -n1 "$stamp")" = "$(job_hash "$j")" ] || return 1
    while read -r f; do [ -f "$out/$f" ] || return 1; done < <(tail -n +2 "$stamp")
}

# Builds one job; writes "built" to $status/<id>.
build_job() {
    local j=$1 id spec outrel srpm era tarball targets payload rpmargs extras
    local specfile hash stamp f top src dst mode e a d arch
    local extra_files=() extra_args=() arches=() outputs=() common=()
    IFS='|' read -r id spec outrel srpm era tarball targets payload rpmargs extras <<<"$j"
    specfile="$specs/$spec.spec"
    [ -f "$specfile" ] || { echo "build-fixtures.sh: $id: missing spec $specfile" >&2; return 1; }

    if [ "$extras" != - ]; then
        IFS=',' read -r -a extra_files <<<"$extras"
    fi
    hash=$(job_hash "$j")
    stamp="$out/.stamps/$id"

    top="$topbase/$id"
    rm -rf "$top" "$out/$outrel"
    mkdir -p "$top"/{SOURCES,SPECS,BUILD,BUILDROOT,RPMS,SRPMS}
    install -m 0644 "$specfile" "$top/SPECS/$spec.spec"
    if [ "$tarball" != - ]; then make_tarball "$era" "$tarball" "$top/SOURCES" || return 1; fi
    for e in "${extra_files[@]}"; do
        src=${e%%=*} dst=${e#*=}
        case "$src" in *.sh) mode=0755 ;; *) mode=0644 ;; esac
        install -m "$mode" "$specs/$src" "$top/SOURCES/$dst"
    done

    common=(--define "_topdir $top"
            --define "_buildhost fixture.example"
            --define "use_source_date_epoch_as_buildtime 1"
            --define "clamp_mtime_to_source_date_epoch 1"
            --define "_srcdefattr (-,root,root,-)"
            --define "_binary_payload $payload"
            --define "_source_payload $payload")
    [ "$rpmargs" = - ] || read -r -a extra_args <<<"$rpmargs"

    if [ "$srpm" = srpm ]; then
        run_rpmbuild "$top/bs.log" "${common[@]}" "${extra_args[@]}" -bs "$top/SPECS/$spec.spec" || return 1
    fi
    IFS=',' read -r -a arches <<<"$targets"
    for arch in "${arches[@]}"; do
        rm -rf "$top/BUILD" "$top/BUILDROOT"
        mkdir -p "$top/BUILD" "$top/BUILDROOT"
        run_rpmbuild "$top/bb-$arch.log" "${common[@]}" "${extra_args[@]}" \
            --target "$arch" --nodeps -bb "$top/SPECS/$spec.spec" || return 1
    done

    mkdir -p "$out/$outrel"
    if [ "$srpm" = srpm ]; then
        mkdir -p "$out/$outrel/src"
        for f in "$top"/SRPMS/*.src.rpm; do
            cp -p "$f" "$out/$outrel/src/"; outputs+=("$outrel/src/${f##*/}")
        done
    fi
    for d in "$top"/RPMS/*/; do
        a=$(basename "$d")
        mkdir -p "$out/$outrel/$a"
        for f in "$d"*.rpm; do
            cp -p "$f" "$out/$outrel/$a/"; outputs+=("$outrel/$a/${f##*/}")
        done
    done
    rm -rf "$top/BUILD" "$top/BUILDROOT"
    { echo "$hash"; printf '%s\n' "${outputs[@]}"; } > "$stamp"
    echo built > "$status/$id"
}

status="$home/status"
mkdir "$status"
stale=()
for j in "${selected[@]}"; do
    if job_fresh "$j"; then echo skipped > "$status/${j%%|*}"; else stale+=("$j"); fi
done

# Build the stale jobs a few at a time, holding the shared topdir's lock.
failed=0
if [ ${#stale[@]} -gt 0 ]; then
    exec 8>"$topbase.lock"
    flock 8
    parallel=${SNAPCHECK_FIXTURE_JOBS:-$(( $(nproc) * 2 ))}
    for j in "${stale[@]}"; do
        while [ "$(jobs -rp | wc -l)" -ge "$parallel" ]; do wait -n || failed=1; done
        build_job "$j" &
    done
    while [ "$(jobs -rp | wc -l)" -gt 0 ]; do wait -n || failed=1; done
    wait || failed=1
fi

built=() skipped=()
for j in "${selected[@]}"; do
    id=${j%%|*}
    case "$(cat "$status/$id" 2>/dev/null)" in
        built) built+=("$id") ;;
        skipped) skipped+=("$id") ;;
        *) failed=1 ;;
    esac
done
if [ "$failed" -ne 0 ]; then
    echo "build-fixtures.sh: some builds failed (see above)" >&2
    exit 1
fi

# Corrupted variants, derived from the gzip compressor build.
corrupt_note=
gz_src=$(ls "$out"/compressors/gzip/x86_64/qemu-kvm-rhev-1*.x86_64.rpm 2>/dev/null | head -n1 || true)
if [ -n "$gz_src" ]; then
    chash=$( { cat "$here/corrupt.py"; sha256sum "$gz_src"; } | sha256sum | cut -d' ' -f1)
    if [ ! -f "$out/.stamps/corrupt" ] || [ "$(cat "$out/.stamps/corrupt")" != "$chash" ] \
       || [ ! -d "$out/corrupt" ]; then
        rm -rf "$out/corrupt"
        python3 "$here/corrupt.py" "$out"
        echo "$chash" > "$out/.stamps/corrupt"
        built+=(corrupt)
    else
        skipped+=(corrupt)
    fi
else
    corrupt_note=" (corrupt: skipped, compressors-gzip not built)"
fi

if [ ${#built[@]} -gt 0 ] || [ ! -f "$out/MANIFEST" ]; then
    ( cd "$out"
      dirs=(); for d in builds compressors corrupt; do [ ! -d "$d" ] || dirs+=("$d"); done
      [ ${#dirs[@]} -eq 0 ] || find "${dirs[@]}" -type f -print | LC_ALL=C sort \
        | xargs -r -d '\n' sha256sum ) > "$out/MANIFEST.tmp"
    mv "$out/MANIFEST.tmp" "$out/MANIFEST"
fi

echo "fixtures in $out: built ${#built[@]}, up to date ${#skipped[@]}$corrupt_note"
[ ${#built[@]} -eq 0 ] || echo "  built: ${built[*]}"
