#!/usr/bin/env bash
# The product as users get it (`make test` runs this after the Swift tests):
#  - `make install DESTDIR=… PREFIX=/usr/local` puts the binary, the man page and bash,
#    zsh and fish completions where those tools look; `make uninstall` removes them;
#  - the installed `snapcheck`, copied alone into an empty directory on PATH and run from
#    elsewhere, gives the same bytes and exit status on every fixture build as the
#    development build (`make run`'s), specs and SRPMs included (its spec sandbox travels
#    inside it);
#  - `man -l` renders the page without a warning; completions work in real bash, zsh and
#    fish for the default command (no `audit` typed), files, formats and `--report F=PATH`;
#  - a program of someone else's that depends on the library (Tests/Consumer) audits an
#    SRPM in the sandbox with the one documented line, and fails loudly without it.
# Prints one line per check and closes with `packaging: N passed, M failed`; exit 1 on a failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
export PATH="$PATH:/opt/swift/usr/bin"
SWIFT=${SWIFT:-swift}
fixtures=${FIXTURES:-Fixtures/.out}
work=$(mktemp -d "${TMPDIR:-/tmp}/snapcheck-packaging.XXXXXX")
trap 'rm -rf "$work"' EXIT
passed=0 failed=0

check() { # NAME, then a command that succeeds when the check holds
    local name=$1; shift
    if "$@" >"$work/check.out" 2>&1; then
        passed=$((passed + 1)); echo "PASS $name"
    else
        failed=$((failed + 1)); echo "FAIL $name"; sed 's/^/    /' "$work/check.out" | head -40
    fi
}

same() { # EXPECTED ACTUAL: equal, or a diff
    if [[ "$1" == "$2" ]]; then return 0; fi
    diff <(printf '%s\n' "$1") <(printf '%s\n' "$2"); return 1
}

# --- install -------------------------------------------------------------------------
dest=$work/dest
if ! make --no-print-directory install DESTDIR="$dest" PREFIX=/usr/local >"$work/install.log" 2>&1; then
    tail -30 "$work/install.log"
    echo "packaging: 0 passed, 1 failed"
    exit 1
fi
installed=(
    usr/local/bin/snapcheck
    usr/local/share/man/man1/snapcheck.1
    usr/local/share/bash-completion/completions/snapcheck
    usr/local/share/zsh/site-functions/_snapcheck
    usr/local/share/fish/vendor_completions.d/snapcheck.fish
)
files_installed() {
    local f; for f in "${installed[@]}"; do [[ -f "$dest/$f" ]] || { echo "missing $f"; return 1; }; done
    [[ -x "$dest/usr/local/bin/snapcheck" ]] || { echo "not executable"; return 1; }
    local found; found=$(cd "$dest" && find . -type f | sed 's|^\./||' | sort)
    same "$(printf '%s\n' "${installed[@]}" | sort)" "$found"
}
check "make install puts the binary, man page and three completions under DESTDIR/PREFIX" files_installed

no_swift_runtime() { # the Swift runtime and Foundation are in the binary: nothing of /opt/swift is loaded
    local libs; libs=$(ldd "$dest/usr/local/bin/snapcheck") || return 1
    if grep -E 'libswift|libFoundation|libdispatch|/opt/swift' <<<"$libs"; then return 1; fi
    grep -q 'librpm\.so' <<<"$libs"
}
check "the installed binary links no Swift runtime library (it runs without a toolchain)" no_swift_runtime

man_renders() {
    MANWIDTH=80 man -l "$dest/usr/local/share/man/man1/snapcheck.1" >"$work/man.txt" 2>"$work/man.err" || return 1
    [[ ! -s "$work/man.err" ]] || { cat "$work/man.err"; return 1; }
    grep -q 'snapcheck .* live snapshot support' "$work/man.txt" && grep -q -- '--report' "$work/man.txt" \
        && grep -q -- '--probe' "$work/man.txt" && grep -q 'Exit codes' "$work/man.txt"
}
check "man -l renders snapcheck.1 without a warning, with the options and exit codes" man_renders

# --- one binary ----------------------------------------------------------------------
alone=$work/alone
mkdir -p "$alone/bin" "$alone/cwd" "$alone/home"
cp "$dest/usr/local/bin/snapcheck" "$alone/bin/"
dev=$root/.build/debug/snapcheck
one_binary_same_verdicts() {
    local dir got want rc_got rc_want count=0
    for dir in "$root/$fixtures"/builds/*/ "$root"/Fixtures/specs/*.spec; do
        dir=${dir%/}
        got=$(cd "$alone/cwd" && env -i PATH="$alone/bin:/usr/bin:/bin" HOME="$alone/home" snapcheck --format json "$dir")
        rc_got=$?
        want=$(cd "$alone/cwd" && "$dev" --format json "$dir")
        rc_want=$?
        [[ $rc_got == "$rc_want" ]] || { echo "$dir: exit $rc_got, development build $rc_want"; return 1; }
        same "$want" "$got" || { echo "$dir: reports differ"; return 1; }
        grep -q '"spec-worker"\|spec worker' <<<"$got" && { echo "$dir: $got"; return 1; }
        count=$((count + 1))
    done
    [[ $count -ge 20 ]] || { echo "only $count fixtures"; return 1; }
}
check "the installed binary alone on PATH gives the development build's reports on every fixture build and spec" one_binary_same_verdicts

srpm_in_sandbox() {
    local srpm out
    srpm=$(ls "$root/$fixtures"/builds/ma-212/src/*.src.rpm)
    out=$(cd "$alone/cwd" && env -i PATH="$alone/bin:/usr/bin:/bin" HOME="$alone/home" snapcheck --verbose "$srpm")
    [[ $? == 1 ]] || return 1
    grep -q '^DISABLED .*qemu-kvm-ma-10:2.12.0' <<<"$out" && grep -q 'parsed in a sandboxed worker process' <<<"$out"
}
check "the binary alone audits an SRPM in its sandbox (ma-212: disabled, exit 1)" srpm_in_sandbox

no_repository_libraries() { # libcreaterepo_c is loaded for --repo only; its tree is not linked (librpm's sqlite and librpmbuild's libmagic are)
    local libs; libs=$(ldd "$dest/usr/local/bin/snapcheck") || return 1
    ! grep -E 'libcreaterepo_c|libcurl|libxml2' <<<"$libs"
}
check "the binary links neither libcreaterepo_c nor its libcurl and libxml2" no_repository_libraries

without_createrepo() { # root: the library hidden in a private mount namespace
    [[ $EUID == 0 ]] || { echo "needs root (unshare -m)"; return 1; }
    local lib srpm; lib=$(ldconfig -p | awk '$1 == "libcreaterepo_c.so.0" { print $NF; exit }')
    srpm=$(ls "$root/$fixtures"/builds/ma-212/src/*.src.rpm)
    mkdir -p "$work/repo/repodata" && echo '<repomd/>' >"$work/repo/repodata/repomd.xml"
    unshare -m sh -c 'mount --bind /dev/null "$1" && cd "$2" && env -i PATH="$3:/usr/bin:/bin" HOME="$4" \
        snapcheck "$5" >"$6/plain.out" 2>&1; echo $? >"$6/plain.rc"
        env -i PATH="$3:/usr/bin:/bin" HOME="$4" snapcheck --repo "$6/repo" >"$6/repo.out" 2>"$6/repo.err"; echo $? >"$6/repo.rc"' \
        sh "$lib" "$alone/cwd" "$alone/bin" "$alone/home" "$srpm" "$work" || return 1
    [[ $(cat "$work/plain.rc") == 1 ]] || { cat "$work/plain.out"; return 1; }
    [[ $(cat "$work/repo.rc") == 2 && $(wc -l <"$work/repo.err") == 1 ]] || { cat "$work/repo.err"; return 1; }
    grep -q 'libcreaterepo_c.so.0: cannot be loaded' "$work/repo.err" || { cat "$work/repo.err"; return 1; }
}
check "without libcreaterepo_c the binary audits an SRPM, and --repo fails in one line, exit 2" without_createrepo

# --- completions ---------------------------------------------------------------------
comp=$work/completion-cwd
mkdir -p "$comp/sub" && touch "$comp/alpha.spec" "$comp/beta.rpm"
bash_script=$dest/usr/local/share/bash-completion/completions/snapcheck
fish_script=$dest/usr/local/share/fish/vendor_completions.d/snapcheck.fish
zsh_dir=$dest/usr/local/share/zsh/site-functions
in_bash() { (cd "$comp" && "$root/Tests/Packaging/bash-complete.sh" "$bash_script" "$@" | sort | tr '\n' ' '); }
in_fish() { (cd "$comp" && fish -N -c "source $fish_script; complete -C '$1'" | cut -f1 | sort | tr '\n' ' '); }
in_zsh() { (cd "$comp" && timeout 20 zsh -f "$root/Tests/Packaging/zsh-complete.zsh" "$zsh_dir" "$1" | sort -u | tr '\n' ' '); }

completes() { # SHELL LINE EXPECTED
    local shell=$1 line=$2 expected=$3 got
    case $shell in
    bash) local -a words; eval "words=($line)"; got=$(in_bash "${words[@]}") ;;
    fish) got=$(in_fish "$line") ;;
    zsh) got=$(in_zsh "$line") ;;
    esac
    same "$expected" "${got% }"
}
# bash: words as bash splits them (`=` is a word break); '' is the new empty word.
check "bash: options of the default command without typing audit" completes bash "snapcheck --fo" "--format"
check "bash: a first word offers inputs and subcommands" completes bash "snapcheck ''" "alpha.spec audit beta.rpm header help rules sub"
check "bash: -o completes files" completes bash "snapcheck alpha.spec -o b" "beta.rpm"
check "bash: --report offers formats first" completes bash "snapcheck --report ''" "html= json= junit= sarif= text="
check "bash: --report FORMAT= then completes paths" completes bash "snapcheck --report json = a" "alpha.spec"
check "bash: --format completes its values" completes bash "snapcheck --format j" "json junit"
check "bash: a named subcommand completes its own options" completes bash "snapcheck rules --" "--format --help --version"
check "bash: rules completes rule ids" completes bash "snapcheck rules exe-" "exe-content-missing exe-hmp-names exe-no-package exe-not-elf exe-not-gated exe-qmp-names exe-version-string"
check "bash: --repo completes directories only" completes bash "snapcheck --repo ''" "sub"
check "fish: options of the default command without typing audit" completes fish "snapcheck --fo" "--format"
check "fish: a first word offers inputs and subcommands" completes fish "snapcheck " "alpha.spec audit beta.rpm header help rules sub/"
check "fish: --baseline completes files" completes fish "snapcheck --baseline b" "beta.rpm"
check "fish: --report offers formats first" completes fish "snapcheck --report " "html= json= junit= sarif= text="
check "fish: --report FORMAT=PATH completes paths" completes fish "snapcheck --report json=a" "json=alpha.spec"
check "fish: a named subcommand completes its own options" completes fish "snapcheck rules --" "--format --help --version"
check "fish: rules completes rule ids" completes fish "snapcheck rules exe-" "exe-content-missing exe-hmp-names exe-no-package exe-not-elf exe-not-gated exe-qmp-names exe-version-string"
check "fish: --repo completes directories only" completes fish "snapcheck --repo " "sub/"
check "zsh: options of the default command without typing audit" completes zsh "snapcheck --fo" "--format"
check "zsh: a first word offers inputs and subcommands" completes zsh "snapcheck " "alpha.spec audit beta.rpm header help rules sub"
check "zsh: --probe completes files" completes zsh "snapcheck --probe a" "alpha.spec"
check "zsh: --report offers formats first" completes zsh "snapcheck --report " "html= json= junit= sarif= text="
check "zsh: --report FORMAT=PATH completes paths" completes zsh "snapcheck --report json=a" "json=alpha.spec"
check "zsh: a named subcommand completes its own options" completes zsh "snapcheck rules --" "--format --help --version"
check "zsh: rules completes rule ids" completes zsh "snapcheck rules exe-" "exe-content-missing exe-hmp-names exe-no-package exe-not-elf exe-not-gated exe-qmp-names exe-version-string"

# --- uninstall -----------------------------------------------------------------------
uninstalled() {
    make --no-print-directory uninstall DESTDIR="$dest" PREFIX=/usr/local >/dev/null || return 1
    local left; left=$(find "$dest" -type f)
    [[ -z "$left" ]] || { echo "left: $left"; return 1; }
}
check "make uninstall removes every installed file" uninstalled

# --- the library in someone else's program -------------------------------------------
consumer_built() {
    "$SWIFT" build --package-path Tests/Consumer --scratch-path "$root/.build-consumer" 2>&1 | tail -20
    [[ ${PIPESTATUS[0]} == 0 ]]
}
check "a package depending on SnapCheck by path builds" consumer_built
consumer_audits() {
    local srpm out
    srpm=$(ls "$root/$fixtures"/builds/ev-212/src/*.src.rpm)
    out=$(cd "$alone/cwd" && env -i PATH=/usr/bin:/bin "$root/.build-consumer/debug/AuditSRPM" "$srpm")
    same "qemu-kvm-ev-10:2.12.0-44.1.el7_8.1 src enabled el7-positional-live-block-ops" "$out"
}
check "a consumer with the one documented line audits an SRPM in the sandbox" consumer_audits
consumer_fails_loudly() {
    local srpm out
    srpm=$(ls "$root/$fixtures"/builds/ev-212/src/*.src.rpm)
    out=$(cd "$alone/cwd" && env -i PATH=/usr/bin:/bin "$root/.build-consumer/debug/ForgotTheLine" "$srpm")
    grep -q '^error (spec-evaluation): .*call `SpecWorker.serveIfRequested()` as the first line of its main' <<<"$out" \
        && ! grep -q ' enabled\| disabled' <<<"$out"
}
check "a consumer without the line gets a spec-evaluation error naming it, never a verdict" consumer_fails_loudly
# The program the DocC article shows (Tests/SnapCheckCLITests checks the article quotes it).
consumer_article() {
    local srpm out
    srpm=$(ls "$root/$fixtures"/builds/ev-212/src/*.src.rpm)
    out=$(cd "$alone/cwd" && rm -f snapcheck.json && env -i PATH=/usr/bin:/bin "$root/.build-consumer/debug/UseSnapCheck" "$srpm" /nonexistent.rpm "$root/$fixtures/corrupt/truncated-header.rpm") || return 1
    grep -q '^qemu-kvm-ev-10:2.12.0-44.1.el7_8.1 src enabled$' <<<"$out" \
        && grep -q '^  el7-positional-live-block-ops (spec): ' <<<"$out" \
        && grep -q '^missing: /nonexistent.rpm$' <<<"$out" \
        && grep -q "^damaged: $root/$fixtures/corrupt/truncated-header.rpm: truncated package" <<<"$out" || { echo "$out"; return 1; }
    out=$(cd "$alone/cwd" && env -i PATH=/usr/bin:/bin "$root/.build-consumer/debug/UseSnapCheck" --read-report snapcheck.json) || return 1
    same "last night: qemu-kvm-ev-10:2.12.0-44.1.el7_8.1 src enabled" "$out" || return 1
    out=$("$root/.build-consumer/debug/UseSnapCheck" --read-report Tests/SnapCheckCLITests/Golden/fixtures.json) || return 1
    [[ $(grep -c '^last night: ' <<<"$out") == 4 ]] || { echo "$out"; return 1; }
}
check "the article's consumer audits, switches on error kinds, writes a JSON report and reads it and the golden one back" consumer_article

echo "packaging: $passed passed, $failed failed"
[[ $failed == 0 ]]
