#!/usr/bin/env zsh
# zsh-complete.zsh FPATH_DIR LINE: prints what zsh's completion system offers at the
# end of LINE, one per line, as an interactive zsh does on TAB: a real shell on a pty
# (zpty), compinit over FPATH_DIR, and `compadd` wrapped to print what it adds.
zmodload zsh/zpty zsh/datetime
zpty z zsh -f -i
zpty -w z "fpath=(${(q)1} \$fpath); autoload -U compinit; compinit -u -D"
zpty -w z 'comppostfuncs=( exit ); bindkey "^I" complete-word'
zpty -w z 'compadd () { if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return $?; fi; typeset -a __hits; builtin compadd -A __hits "$@"; local i=${@[(i)-P]} pre=""; (( i < $# )) && pre=${@[i+1]}; for h in $__hits; do printf "HI%s:%s\\n" T "$IPREFIX$pre$h"; done }'
zpty -w z "$2"$'\t'
local out all=""
float deadline=$(( EPOCHREALTIME + 8 ))
while (( EPOCHREALTIME < deadline )); do
  if zpty -r -t z out 2>/dev/null; then
    all+=$out
  else
    zpty -t z 2>/dev/null || break   # the shell exited after completing
    sleep 0.02
  fi
done
zpty -d z 2>/dev/null
for line in "${(@f)all}"; do
  [[ $line == *HIT:* ]] || continue
  line=${line##*HIT:}
  print -r -- "${line%%$'\r'*}"
done
