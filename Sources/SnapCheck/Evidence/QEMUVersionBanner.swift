#if canImport(Glibc)
    import Glibc
#endif

/// The banner QEMU prints for `--version`, kept in every emulator as one
/// literal string: `QEMU emulator version 2.12.0 (qemu-kvm-ev-2.12.0-44.1.el7_8.1)`
/// (EL6: `QEMU PC emulator version 0.12.1 (...)`). The part in parentheses is
/// `--with-pkgversion`, free text: an annotation, never evidence (facts: "Binary").
public struct QEMUVersionBanner: Sendable, Hashable {
    /// The version after the marker, e.g. `2.12.0`.
    public var version: String
    /// The text in parentheses after it, when there is one.
    public var package: String?

    /// `2.12.0 (qemu-kvm-ev-2.12.0-44.1.el7_8.1)`.
    public var text: String { version + (package.map { " (\($0))" } ?? "") }

    static let markers: [[UInt8]] = [Array("QEMU emulator version ".utf8), Array("QEMU PC emulator version ".utf8)]
    /// The most bytes read after a marker: a banner ends at a NUL, a newline or a comma before this.
    static let maximumLength = 200

    /// Reads the banner from the bytes after a marker; nil unless it is a
    /// printable version starting with a digit (not, e.g., a `%s` format).
    init?(after marker: UnsafeRawBufferPointer) {
        let end = marker.firstIndex { $0 == 0 || $0 == 0x0A || $0 == 0x2C } ?? marker.count
        let bytes = marker.prefix(end)
        guard bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }), let first = bytes.first, (0x30...0x39).contains(first)
        else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        let version = text.prefix { $0 != " " }
        var rest = text.dropFirst(version.count).drop { $0 == " " }
        var package: String?
        if rest.first == "(", let close = rest.firstIndex(of: ")") {
            rest = rest[rest.index(after: rest.startIndex)..<close]
            package = rest.isEmpty ? nil : String(rest)
        }
        self.version = String(version)
        self.package = package
    }
}

/// Finds the first `QEMUVersionBanner` in a byte stream fed chunk by chunk,
/// keeping only the last few hundred bytes between chunks.
public struct QEMUVersionBannerFinder: Sendable {
    public private(set) var banner: QEMUVersionBanner?
    /// The end of the stream so far: long enough to hold a marker and a banner cut by a chunk boundary.
    private var tail: [UInt8] = []
    private static let tailLength =
        (QEMUVersionBanner.markers.map(\.count).max() ?? 0) + QEMUVersionBanner.maximumLength

    public init() {}

    public mutating func feed(_ chunk: UnsafeRawBufferPointer) {
        guard banner == nil, !chunk.isEmpty else { return }
        let window = tail + chunk
        window.withUnsafeBytes { bytes in
            for marker in QEMUVersionBanner.markers {
                var from = 0
                while banner == nil, let at = Self.find(marker, in: bytes, from: from) {
                    let after = at + marker.count
                    // A banner that may run past this chunk waits in the tail for the next one.
                    let available = bytes.count - after
                    let cut =
                        available < QEMUVersionBanner.maximumLength
                        && !bytes[after...].prefix(QEMUVersionBanner.maximumLength).contains {
                            $0 == 0 || $0 == 0x0A || $0 == 0x2C
                        }
                    if cut { break }
                    banner = QEMUVersionBanner(
                        after: UnsafeRawBufferPointer(
                            rebasing: bytes[after..<min(bytes.count, after + QEMUVersionBanner.maximumLength)]))
                    from = after
                }
            }
        }
        tail = Array(window.suffix(Self.tailLength))
    }

    /// The offset of `needle` in `bytes` at or after `from` (`memchr` for its
    /// first byte, then `memcmp`; glibc's `memmem` is not visible to Swift).
    private static func find(_ needle: [UInt8], in bytes: UnsafeRawBufferPointer, from: Int) -> Int? {
        guard let base = bytes.baseAddress, !needle.isEmpty else { return nil }
        var position = from
        return needle.withUnsafeBytes { needle -> Int? in
            while bytes.count - position >= needle.count {
                guard let hit = memchr(base + position, Int32(needle[0]), bytes.count - position - needle.count + 1)
                else { return nil }
                let offset = base.distance(to: UnsafeRawPointer(hit))
                if memcmp(base + offset, needle.baseAddress!, needle.count) == 0 { return offset }
                position = offset + 1
            }
            return nil
        }
    }
}
