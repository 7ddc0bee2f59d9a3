#!/usr/bin/env bash
# bash-complete.sh SCRIPT WORD...: prints what bash completion offers for the command
# line WORD... (the last word is the one under the cursor, "" for a new word), one per
# line, as bash does on TAB: SCRIPT is sourced and its `complete -F` function called
# with COMP_WORDS, COMP_CWORD, COMP_LINE and COMP_POINT set as bash sets them. Words
# are given already split, as bash splits them (`--report json=x` is `--report json = x`).
set -u
script=$1; shift
source "$script"
function=$(complete -p snapcheck | sed -n 's/.*-F \([^ ]*\) .*/\1/p')
COMP_WORDS=("$@")
COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
COMP_LINE="$*"
COMP_POINT=${#COMP_LINE}
COMPREPLY=()
"$function" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}" 2>/dev/null
printf '%s\n' "${COMPREPLY[@]}" | sed 's/ *$//' | grep -v '^$'
