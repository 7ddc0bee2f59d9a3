// Spec and helper-script bytes as text, without losing a byte: rpm compares
// bytes, so a byte that is not UTF-8 must reach it unchanged.

/// A lossless mapping between a file's bytes and a `String`.
///
/// `String(decoding:as:)` replaces every byte that is not part of valid UTF-8
/// by U+FFFD, so `"\xff"` and a real U+FFFD would compare equal in the text
/// rpm is given, where rpmbuild sees two different byte strings. Here such a
/// byte becomes a scalar of a private-use range (`U+10FE00 + byte`) that
/// `bytes(of:)` turns back into the byte, and `shown(_:)` into `\xff` for reports.
/// A scalar of that range in the file itself is kept as its four bytes' stand-ins:
/// it can never pass for a byte.
@_spi(Fuzzing) public enum SpecBytes: Sendable {
    /// The first scalar of the range standing for bytes 0x00–0xFF that are not UTF-8.
    static let base: UInt32 = 0x10FE00

    /// `bytes` as text: valid UTF-8 as it is, every other byte as its stand-in scalar.
    public static func text(_ bytes: [UInt8]) -> String {
        // Valid UTF-8 without a 0xF4 byte holds no scalar of the stand-in range (U+10FExx is F4 8F B8–BB xx):
        // it is its own text (what the scalar-by-scalar loop below gives, at a fraction of its cost).
        if !bytes.contains(0xF4), let valid = String(validating: bytes, as: UTF8.self) { return valid }
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var scalars = String.UnicodeScalarView()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                let scalar = Unicode.UTF8.decode(encoded)
                if standIn(scalar) != nil {
                    // A real scalar of the stand-in range: its own bytes as stand-ins, so it turns back
                    // into those bytes and never into the one byte it would stand for.
                    for byte in bytes[offset..<offset + encoded.count] {
                        scalars.append(Unicode.Scalar(base + UInt32(byte))!)
                    }
                } else {
                    scalars.append(scalar)
                }
                offset += encoded.count
            case .error(let length):
                for byte in bytes[offset..<offset + length] { scalars.append(Unicode.Scalar(base + UInt32(byte))!) }
                offset += length
            case .emptyInput:
                return String(scalars)
            }
        }
    }

    /// The bytes `text(_:)` was made from (stand-ins back to their byte).
    public static func bytes(of text: String) -> [UInt8] {
        // No 0xF4 byte: no stand-in (see `text(_:)`), the text's own UTF-8.
        if !text.utf8.contains(0xF4) { return Array(text.utf8) }
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            if let byte = standIn(scalar) { out.append(byte) } else { out.append(contentsOf: String(scalar).utf8) }
        }
        return out
    }

    /// `text` for a report: each stand-in as `\xff`, as `VisibleText` shows bytes that are not UTF-8.
    public static func shown(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { standIn($0) != nil }) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            if let byte = standIn(scalar) {
                out += "\\x" + String(byte, radix: 16).leftPadded(to: 2)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// The byte a stand-in scalar stands for, or nil.
    private static func standIn(_ scalar: Unicode.Scalar) -> UInt8? {
        scalar.value >= base && scalar.value <= base + 0xFF ? UInt8(scalar.value - base) : nil
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
