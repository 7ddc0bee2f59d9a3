// Fuzz target: `ExecutableStringScanner`, differential against a naive reference.
//
// Input layout: needles, separated by 0x01, up to the first 0xFF byte; then one byte
// seeding the chunk sizes; then the haystack. The scanner is fed the haystack in chunks
// (1 to 80 bytes, or whole) and must find exactly the needles the reference finds.
import FuzzSupport
@_spi(Fuzzing) import SnapCheck

/// Needles that occur as complete NUL-delimited segments: after the stream start or a NUL,
/// followed by a NUL. Empty needles and needles containing NUL never match.
func referenceFind(_ needles: Set<String>, in haystack: [UInt8]) -> Set<String> {
    var segments: Set<[UInt8]> = []
    var current: [UInt8] = []
    for byte in haystack {
        if byte == 0 {
            segments.insert(current)
            current = []
        } else {
            current.append(byte)
        }
    }
    return needles.filter { needle in
        let bytes = Array(needle.utf8)
        return !bytes.isEmpty && !bytes.contains(0) && segments.contains(bytes)
    }
}

exit(runFuzzer { data, size in
    let bytes = fuzzBytes(data, size)
    guard let split = bytes.firstIndex(of: 0xFF), split + 1 < bytes.count else { return 0 }
    let needles = Set(bytes[..<split].split(separator: 0x01, omittingEmptySubsequences: false).prefix(24)
        .map { String(decoding: $0, as: UTF8.self) })
    var seed = UInt64(bytes[split + 1]) &* 0x9E37_79B9_7F4A_7C15 | 1
    let haystack = Array(bytes[(split + 2)...])

    var scanner = ExecutableStringScanner(needles: needles)
    var offset = 0
    let whole = seed & 7 == 0
    while offset < haystack.count {
        seed ^= seed << 13
        seed ^= seed >> 7
        seed ^= seed << 17
        let length = whole ? haystack.count : Int(seed % 80) + 1
        let end = min(haystack.count, offset + length)
        haystack[offset..<end].withUnsafeBytes { scanner.feed($0) }
        // An empty chunk now and then must change nothing.
        if seed & 15 == 1 { scanner.feed([]) }
        offset = end
    }
    require(scanner.bytesScanned == haystack.count, "bytesScanned \(scanner.bytesScanned) != \(haystack.count)")
    let found = scanner.finish()
    let expected = referenceFind(needles, in: haystack)
    require(found == expected, "scanner found \(found.sorted()), reference \(expected.sorted())")
    return 0
})
