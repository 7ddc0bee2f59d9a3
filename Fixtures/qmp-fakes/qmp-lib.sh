# Shared by the fake emulators here: a QMP server on stdin/stdout that knows
# just the requests snapcheck's probe sends. POSIX sh; sourced, not run.
# The fake names its command list in COMMANDS (space-separated), its version
# in MAJOR, MINOR, MICRO and its package string in PACKAGE before calling serve.

greet() {
    printf '%s\n' '{"QMP": {"version": {"qemu": {"micro": '"${MICRO:-0}"', "minor": '"${MINOR:-2}"', "major": '"${MAJOR:-7}"'}, "package": "'"$PACKAGE"'"}, "capabilities": ["oob"]}}'
}

command_list() {
    list=""
    for c in $COMMANDS; do
        list="$list${list:+, }{\"name\": \"$c\"}"
    done
    printf '%s\n' "{\"return\": [$list]}"
}

serve() {
    greet
    while IFS= read -r line; do
        case "$line" in
            *'"qmp_capabilities"'*) printf '%s\n' '{"return": {}}' ;;
            *'"query-commands"'*) command_list ;;
            *'"query-version"'*)
                printf '%s\n' '{"return": {"qemu": {"micro": '"${MICRO:-0}"', "minor": '"${MINOR:-2}"', "major": '"${MAJOR:-7}"'}, "package": "'"$PACKAGE"'"}}' ;;
            *'"human-monitor-command"'*)
                printf '%s\n' '{"return": "help|? [cmd] -- show the help\r\nquit|q  -- quit the emulator\r\n"}' ;;
            *'"quit"'*)
                printf '%s\n' '{"return": {}}'
                printf '%s\n' '{"timestamp": {"seconds": 1700000000, "microseconds": 0}, "event": "SHUTDOWN", "data": {"guest": false, "reason": "host-qmp-quit"}}'
                exit 0 ;;
            *) printf '%s\n' '{"error": {"class": "CommandNotFound", "desc": "unknown command"}}' ;;
        esac
    done
}
