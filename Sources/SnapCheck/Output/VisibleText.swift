/// Text from inputs made safe to show to a person on a terminal.
///
/// Spec lines, rpm's error messages, a probed emulator's stderr, QMP package
/// strings and file names all reach the text report and stderr. Shown raw, an
/// escape sequence in them repaints the screen (`ESC[2K ESC[1G ENABLED`
/// over a `DISABLED` line) and a newline in a file name forges a report line.
/// Every human-readable output (the text report, `snapcheck:` lines on stderr,
/// the `header` and `rules` subcommands) passes what it did not write itself
/// through `escape`; JSON, JUnit and SARIF escape by their own rules instead.
public enum VisibleText: Sendable {
    /// `bytes` decoded as UTF-8, every character that can steer a terminal
    /// written out visibly, the way `ls -b` quotes file names:
    ///
    /// - tab, newline, carriage return: `\t`, `\n`, `\r`;
    /// - the other C0 controls and DEL: `\x1b`, `\x7f` (two lowercase hex digits);
    /// - C1 controls (U+0080–U+009F, which some terminals obey as escapes),
    ///   bidirectional marks, embeddings, overrides and isolates (which
    ///   reorder what a line appears to say) and the Unicode line and paragraph
    ///   separators: `\u{9b}`, `\u{202e}`;
    /// - a byte that is not part of valid UTF-8: `\xff`.
    ///
    /// Everything else is kept as it is, backslashes included: the result is
    /// meant to be read, not parsed back.
    public static func escape(_ bytes: some Sequence<UInt8>) -> String {
        let bytes = Array(bytes)
        if bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return String(decoding: bytes, as: UTF8.self) }
        var out = ""
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                offset += encoded.count
                let scalar = Unicode.UTF8.decode(encoded)
                out += shown(scalar) ?? String(Character(scalar))
            case .error(let length):
                for byte in bytes[offset..<offset + length] { out += "\\x" + hex(UInt32(byte)) }
                offset += length
            case .emptyInput:
                return out
            }
        }
    }

    /// The same for text already decoded (a `String` is valid UTF-8; a byte
    /// that was not is U+FFFD by now, which shows as itself).
    public static func escape(_ text: String) -> String {
        escape(text.utf8)
    }

    /// The visible form of a scalar that must not reach a terminal raw, or nil.
    private static func shown(_ scalar: Unicode.Scalar) -> String? {
        switch scalar.value {
        case 0x09: "\\t"
        case 0x0A: "\\n"
        case 0x0D: "\\r"
        case 0x00..<0x20, 0x7F: "\\x" + hex(scalar.value)
        case 0x80..<0xA0, 0x061C, 0x200E, 0x200F, 0x2028...0x202E, 0x2066...0x2069: "\\u{" + hex(scalar.value) + "}"
        default: nil
        }
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return digits.count == 1 ? "0" + digits : digits
    }
}
