/// Finds the top-level JSON objects of a byte stream fed in pieces, without decoding them.
///
/// It checks what must hold before a decoder sees the bytes: nesting depth,
/// string termination, raw control characters, bracket pairing, no comma
/// before a closing bracket, and the size of one object; `JSONDecoder` checks
/// the rest. It keeps no bytes: the caller keeps those of the object in progress.
struct QMPObjectScanner {
    /// A complete top-level object: absolute byte range, 1-based line of its `{`, its number,
    /// and whether all its bytes are ASCII (then it is valid UTF-8 without a further look).
    struct Object {
        var range: Range<Int>
        var line: Int
        var number: Int
        var isASCII: Bool
    }

    /// Absolute offset of the next byte to scan.
    private(set) var offset = 0
    /// 1-based line of the next byte.
    private(set) var line = 1
    /// Where the object being scanned starts (absolute offset), nil between objects.
    private(set) var objectStart: Int?
    private var objectLine = 1
    private var objectIsASCII = true
    private(set) var objectsFound = 0
    private var closers: [UInt8] = []  // expected closing bytes, innermost last
    private var inString = false
    private var escaped = false
    private var lastSignificant: UInt8 = 0  // last non-blank byte outside strings

    private let nestingDepth: Int
    private let messageSize: Int

    init(limits: QMPCapture.Limits) {
        nestingDepth = limits.nestingDepth
        messageSize = limits.messageSize
        closers.reserveCapacity(min(nestingDepth, 1024))
    }

    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    /// Scans `bytes`, the stream's continuation at `offset`, and hands each
    /// object completed in them to `found`. Throws `QMPCaptureError`.
    mutating func scan(_ bytes: UnsafeBufferPointer<UInt8>, found: (Object) throws -> Void) throws {
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            let position = offset + index
            if byte == 0x0A { line += 1 }
            if byte >= 0x80 { objectIsASCII = false }
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                    lastSignificant = byte
                } else if byte < 0x20 {
                    throw failure(.invalidJSON, "invalid JSON at byte \(position) (control character in string)")
                }
            } else if closers.isEmpty {
                if byte == UInt8(ascii: "{") {
                    objectStart = position
                    objectLine = line
                    objectIsASCII = true
                    closers.append(UInt8(ascii: "}"))
                    lastSignificant = byte
                } else if !Self.isWhitespace(byte) {
                    throw failure(.invalidJSON, "invalid JSON at byte \(position) (expected '{' to start a message)")
                }
            } else {
                switch byte {
                case UInt8(ascii: "\""):
                    inString = true
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    guard closers.count < nestingDepth else {
                        throw failure(.tooDeep, "nesting deeper than \(nestingDepth) levels at byte \(position)")
                    }
                    closers.append(byte == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]"))
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    guard closers.removeLast() == byte else {
                        throw failure(.invalidJSON, "invalid JSON at byte \(position) (mismatched bracket)")
                    }
                    guard lastSignificant != UInt8(ascii: ",") else {
                        throw failure(.invalidJSON, "invalid JSON at byte \(position) (comma before a closing bracket)")
                    }
                    if closers.isEmpty, let start = objectStart {
                        objectsFound += 1
                        try found(
                            Object(
                                range: start..<(position + 1), line: objectLine, number: objectsFound,
                                isASCII: objectIsASCII))
                        objectStart = nil
                    }
                default:
                    if byte < 0x20, !Self.isWhitespace(byte) {
                        throw failure(.invalidJSON, "invalid JSON at byte \(position) (control character)")
                    }
                }
                if !Self.isWhitespace(byte) { lastSignificant = byte }
            }
            if let start = objectStart, position - start >= messageSize {
                throw failure(
                    .tooLarge,
                    "a message over the \(messageSize >> 20) MiB limit of one message (from line \(objectLine))")
            }
            index += 1
        }
        offset += count
    }

    /// Checks the end of the stream: nothing left open, at least one object.
    func finish() throws {
        if objectStart != nil {
            throw failure(
                .truncated, "truncated at byte \(offset) (object starting at byte \(objectStart ?? 0) never closes)")
        }
        if objectsFound == 0 {
            throw QMPCaptureError(.notQMP, "no JSON object in \(offset) bytes")
        }
    }

    /// An error about the object in progress (or the next one), numbered.
    private func failure(_ kind: QMPCaptureError.Kind, _ what: String) -> QMPCaptureError {
        QMPCaptureError(kind, "object \(objectsFound + 1): \(what)")
    }

    /// Offset, within `bytes`, of the first byte that is not part of valid UTF-8; nil when all are.
    static func firstInvalidUTF8Offset(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let scalar): offset += scalar.count
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }
}
