import ArgumentParser
import SnapCheck

/// Shell completion scripts: ArgumentParser's, plus what it cannot generate.
///
/// ArgumentParser (1.8) completes a default subcommand's options only after
/// its name (`snapcheck audit --fo<TAB>`), never without it (apple/swift-
/// argument-parser#488), and it has no completion for a `FORMAT=PATH` value.
/// Each shell gets a small front function that completes the command line as
/// if `audit` stood after `snapcheck` when the first word is no subcommand, and
/// completes `--report` values as formats first, then paths. Everything else,
/// including every option and its values, stays generated from the command
/// definitions, so the scripts cannot drift from the options.
enum CompletionScripts {
    /// The subcommand names a first word can be (ArgumentParser adds `help`).
    static let subcommands = ["audit", "rules", "header", "help"]

    /// The script `snapcheck --generate-completion-script SHELL` prints.
    static func script(for shell: CompletionShell) -> String {
        let generated = SnapCheckCommand.completionScript(for: shell)
        let formats = ReportFormat.allCases.map { "\($0.rawValue)=" }.joined(separator: " ")
        let names = subcommands.joined(separator: " ")
        switch shell {
        case .bash:
            return generated + bash(formats: formats, subcommands: names)
        case .zsh:
            // The generated file ends by running or registering `_snapcheck`: the front function takes its place.
            let trailer = """
                if [[ "${funcstack[1]}" = _snapcheck ]]; then
                    _snapcheck "${@}"
                else
                    compdef _snapcheck snapcheck
                fi
                """
            let front =
                zsh(formats: formats, subcommands: names) + """
                    if [[ "${funcstack[1]}" = _snapcheck ]]; then
                        _snapcheck_default "${@}"
                    else
                        compdef _snapcheck_default snapcheck
                    fi
                    """
            return generated.replacing(trailer, with: front)
        case .fish:
            return generated + fish(formats: formats, subcommands: names)
        default:
            return generated
        }
    }

    private static func bash(formats: String, subcommands: String) -> String {
        """

        # snapcheck: `audit` is the default command. Complete its inputs and options
        # without the word, and --report FORMAT=PATH as formats first, then paths.
        _snapcheck_default() {
            local -r cur="${COMP_WORDS[COMP_CWORD]}"
            local -r prev="${COMP_WORDS[COMP_CWORD - 1]}"
            # --report: `=` splits words in bash (COMP_WORDBREAKS).
            if [[ "${prev}" == --report ]]; then
                if [[ "${cur}" == *=* ]]; then
                    COMPREPLY=($(compgen -f -- "${cur#*=}")); COMPREPLY=("${COMPREPLY[@]/#/${cur%%=*}=}")
                else
                    compopt -o nospace 2>/dev/null; COMPREPLY=($(compgen -W '\(formats)' -- "${cur}"))
                fi
                return
            elif [[ "${cur}" == = && "${COMP_WORDS[COMP_CWORD - 2]}" == --report ]]; then
                COMPREPLY=($(compgen -f -- '')); return
            elif [[ "${prev}" == = && "${COMP_WORDS[COMP_CWORD - 3]}" == --report ]]; then
                COMPREPLY=($(compgen -f -- "${cur}")); return
            fi
            if (( COMP_CWORD > 1 )) && [[ " \(subcommands) " == *" ${COMP_WORDS[1]} "* ]]; then
                _snapcheck "$@"; return
            fi
            local -r lead="${COMP_LINE%%"${COMP_WORDS[0]}"*}"
            local -r rest="${COMP_LINE#"${lead}${COMP_WORDS[0]}"}"
            local -a COMP_WORDS=("${COMP_WORDS[0]}" audit "${COMP_WORDS[@]:1}")
            local COMP_LINE="${lead}${COMP_WORDS[0]} audit${rest}"
            local -i COMP_POINT=$((COMP_POINT + 6)) COMP_CWORD=$((COMP_CWORD + 1))
            _snapcheck "$@"
            if (( COMP_CWORD == 2 )) && [[ "${cur}" != -* ]]; then
                COMPREPLY+=($(compgen -W '\(subcommands)' -- "${cur}"))
            fi
        }

        complete -o filenames -F _snapcheck_default snapcheck

        """
    }

    private static func zsh(formats: String, subcommands: String) -> String {
        """
        # snapcheck: `audit` is the default command. Complete its inputs and options
        # without the word, and --report FORMAT=PATH as formats first, then paths.
        _snapcheck_default() {
            if [[ "${words[CURRENT - 1]}" == --report ]]; then
                if [[ "${PREFIX}" == *=* ]]; then
                    compset -P '*='
                    _files
                else
                    compadd -S '' -- \(formats)
                fi
                return
            fi
            local -ar subcommands=(\(subcommands))
            if (( CURRENT > 2 && ${subcommands[(Ie)${words[2]}]} )); then
                _snapcheck "${@}"
                return
            fi
            local -i first=$(( CURRENT == 2 ))
            words=("${words[1]}" audit "${(@)words[2,-1]}")
            (( CURRENT++ ))
            _snapcheck "${@}"
            if (( first )) && [[ "${PREFIX}" != -* ]]; then
                compadd -- "${subcommands[@]}"
            fi
        }

        """
    }

    private static func fish(formats: String, subcommands: String) -> String {
        """

        # snapcheck: `audit` is the default command. Complete its inputs and options
        # without the word, and --report FORMAT=PATH as formats first, then paths.
        functions -c __snapcheck_tokens __snapcheck_generated_tokens
        function __snapcheck_tokens
            set -l tokens (__snapcheck_generated_tokens $argv)
            # The word under the cursor is not among the tokens.
            if test (count $tokens) -eq 1
                set tokens $tokens[1] audit
            else if not contains -- $tokens[2] \(subcommands)
                set tokens $tokens[1] audit $tokens[2..]
            end
            string join \\n -- $tokens
        end
        function __snapcheck_first_word
            test (count (__snapcheck_generated_tokens -pc)) -eq 1
        end
        function __snapcheck_report_values
            set -l value (commandline -ct)
            if string match -q -- '*=*' $value
                set -l format (string split -m 1 -- = $value)[1]
                __fish_complete_path (string split -m 1 -- = $value)[2] | string replace -r -- '^' "$format="
            else
                printf '%s\\n' \(formats)
            end
        end
        complete -c snapcheck -e -l report
        complete -c snapcheck -n '__snapcheck_should_offer_completions_for_flags_or_options "snapcheck audit"' -l report -x -a '(__snapcheck_report_values)' -d 'Also write a report to a file, as FORMAT=PATH.'
        complete -c snapcheck -n __snapcheck_first_word -f -a '\(subcommands)'

        """
    }
}
