#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Finds which of a fixed set of names occur in a byte stream as exact NUL-delimited strings
/// (a NUL or the stream start before, a NUL after), fed chunk by chunk with memory bounded by
/// the longest needle (e.g. "snapshot_blkdev" must not match inside "snapshot_blkdev_internal"
/// nor "xsnapshot_blkdev").
///
/// Built to run right behind a payload decompressor over ~20 MB emulator binaries: segment
/// starts whose first byte begins some needle are found 32 bytes at a time, and only there are
/// the needles of that first byte compared, each with the NUL that must follow it.
/// A segment cut by a chunk boundary is kept in a carry buffer of at most the longest needle
/// (a longer one can never match, so only "too long" is remembered). Empty needles and needles
/// containing NUL never match.
///
/// Linkers merge a string into the tail of a longer one (`drive_mirror` inside
/// `hmp_drive_mirror`), so a name can be present in a binary without a NUL before it: an
/// exact search then misses it. Absence of an exact match is weaker evidence than presence.
public struct ExecutableStringScanner: Sendable {
    /// Needle bytes, back to back, grouped by length.
    private let storage: [UInt8]
    /// `needleNames[i]` is the needle stored from `storage[starts[i]]` on.
    private let needleNames: [String]
    private let starts: [Int]
    /// For each segment length `0...maximumLength`, the range of needle indices of that length.
    private let byLength: [Range<Int>]
    /// The needles by first byte, flat: `table[b]..<table[b + 1]` (for a first byte `b`) holds
    /// triples (needle index, length, offset in `storage`) from index 257 on.
    private let firstByteTable: [Int]
    /// The needles' distinct first bytes, tested 16 bytes at a time.
    private let firstBytes: FirstBytes
    private let maximumLength: Int

    private var found: [Bool]
    private var foundCount = 0
    /// Bytes of the current segment seen in earlier chunks (only while it is short enough to match).
    private var carry: [UInt8] = []
    /// The current segment is already longer than every needle.
    private var carryTooLong = false
    private var scanned = 0

    public init(needles: Set<String>) {
        let usable =
            needles
            .map { Array($0.utf8) }
            .filter { !$0.isEmpty && !$0.contains(0) }
            .sorted { $0.count != $1.count ? $0.count < $1.count : $0.lexicographicallyPrecedes($1) }
        let maximum = usable.last?.count ?? 0
        var storage: [UInt8] = []
        var starts: [Int] = []
        var byLength = [Range<Int>](repeating: 0..<0, count: maximum + 1)
        for (index, needle) in usable.enumerated() {
            starts.append(storage.count)
            storage.append(contentsOf: needle)
            let previous = byLength[needle.count]
            byLength[needle.count] = previous.isEmpty ? index..<(index + 1) : previous.lowerBound..<(index + 1)
        }
        self.storage = storage
        self.needleNames = usable.map { String(decoding: $0, as: UTF8.self) }
        self.starts = starts
        self.byLength = byLength
        var table = [Int](repeating: 0, count: 257)
        for first in 0..<256 {
            table[first] = table.count
            for (index, needle) in usable.enumerated() where needle[0] == first {
                table += [index, needle.count, starts[index]]
            }
        }
        table[256] = table.count
        self.firstByteTable = table
        let distinctFirstBytes = (0..<256).filter { table[$0] < table[$0 + 1] }.map { UInt8($0) }
        self.firstBytes = FirstBytes(distinctFirstBytes)
        self.maximumLength = maximum
        self.found = [Bool](repeating: false, count: usable.count)
        self.carry.reserveCapacity(maximum + 1)
    }

    /// Total bytes fed so far.
    public var bytesScanned: Int { scanned }

    public mutating func feed(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { feed($0) }
    }

    public mutating func feed(_ chunk: UnsafeRawBufferPointer) {
        scanned += chunk.count
        guard let base = chunk.baseAddress, !chunk.isEmpty else { return }
        // Once everything is found, nothing more can change the answer.
        guard foundCount < found.count else { return }
        let end = chunk.count
        var position = 0

        // Finish the segment carried over from the previous chunk.
        if !carry.isEmpty || carryTooLong {
            guard let nul = memchr(base, 0, end) else {
                extendCarry(base, count: end)
                return
            }
            let length = base.distance(to: UnsafeRawPointer(nul))
            if !carryTooLong, carry.count + length <= maximumLength {
                carry.append(contentsOf: UnsafeRawBufferPointer(start: base, count: length))
                carry.withUnsafeBytes { check($0.baseAddress!, count: $0.count) }
            }
            carry.removeAll(keepingCapacity: true)
            carryTooLong = false
            position = length + 1
            guard foundCount < found.count else { return }
        }

        // Segments ending inside this chunk, then the unterminated rest for the next chunk.
        scanWholeSegments(base, from: position, end: end)
        guard foundCount < found.count else { return }
        // The tail after the last NUL: only its last `maximumLength + 1` bytes can matter.
        let window = Swift.max(position, end - (maximumLength + 1))
        var index = end - 1
        while index >= window, base.load(fromByteOffset: index, as: UInt8.self) != 0 { index -= 1 }
        if index >= window {
            if index + 1 < end { extendCarry(base + index + 1, count: end - index - 1) }
        } else if window == position {
            extendCarry(base + position, count: end - position)
        } else {
            carryTooLong = true
        }
    }

    /// Checks every NUL-terminated segment starting in `lower..<end`, where `lower` follows a NUL
    /// (or is the stream start); the unterminated tail is left to the caller.
    ///
    /// Emulator binaries are about half NUL bytes, so a `memchr` per NUL is too slow (0.8 GB/s on
    /// QEMU 7.2). Instead 32 bytes at a time are tested for "a NUL, then the first byte of some
    /// needle", with one branch per 32 bytes; only those rare positions (1 in 700 bytes of QEMU
    /// 7.2) are compared. The lanes that hit are read from the comparison mask as two 64-bit
    /// words, a byte of all ones per hit, so no lane is visited when none hits.
    private mutating func scanWholeSegments(_ base: UnsafeRawPointer, from lower: Int, end: Int) {
        let firstBytes = self.firstBytes
        let storage = self.storage
        let table = self.firstByteTable
        let needleCount = self.found.count
        var foundCount = self.foundCount
        defer { self.foundCount = foundCount }
        var found: [Bool] = []  // moved out and back, so the loop touches no stored property
        swap(&found, &self.found)
        defer { swap(&found, &self.found) }
        found.withUnsafeMutableBufferPointer { found in
            table.withUnsafeBufferPointer { table in
                storage.withUnsafeBytes { needles in
                    /// Checks the segment at `start` (a NUL before it) against the needles beginning with
                    /// its first byte: each matches iff its bytes follow and a NUL ends them. No `memchr`
                    /// is needed, since needles contain no NUL. Returns false once every needle is found.
                    func consider(_ start: Int) -> Bool {
                        let first = Int(base.load(fromByteOffset: start, as: UInt8.self))
                        var entry = table[first]
                        while entry < table[first + 1] {
                            let needle = table[entry]
                            let length = table[entry + 1]
                            // Past the chunk: the unterminated tail, which the carry handles.
                            if !found[needle], start + length < end,
                                base.load(fromByteOffset: start + length, as: UInt8.self) == 0,
                                memcmp(needles.baseAddress! + table[entry + 2], base + start, length) == 0
                            {
                                found[needle] = true
                                foundCount += 1
                                if foundCount == needleCount { return false }
                            }
                            entry += 3
                        }
                        return true
                    }
                    // Vector operands throughout: a scalar operand (`.== 0`) compiles to a loop over the lanes.
                    let zero = SIMD16<UInt8>(repeating: 0)
                    /// The segment starts among the 16 bytes at `offset` whose first byte begins a needle:
                    /// the comparison mask (its storage is a byte 0xFF per true lane) as two words.
                    @inline(__always) func candidates(_ offset: Int) -> SIMD2<UInt64> {
                        let bytes = base.loadUnaligned(fromByteOffset: offset, as: SIMD16<UInt8>.self)
                        let before = base.loadUnaligned(fromByteOffset: offset - 1, as: SIMD16<UInt8>.self)
                        return unsafeBitCast(firstBytes.matches(bytes) .& (before .== zero), to: SIMD2<UInt64>.self)
                    }
                    /// Considers every lane marked in `words` (the candidates at `offset`), in order.
                    @inline(__always) func considerAll(_ words: SIMD2<UInt64>, at offset: Int) -> Bool {
                        for half in 0..<2 {
                            var bits = UInt64(littleEndian: words[half])  // lane 0 in the low byte
                            while bits != 0 {
                                let shift = bits.trailingZeroBitCount  // a multiple of 8: whole bytes are set
                                guard consider(offset + half * 8 + (shift >> 3)) else { return false }
                                bits &= ~(0xFF << UInt64(shift))
                            }
                        }
                        return true
                    }
                    guard lower < end, consider(lower) else { return }
                    var index = lower + 1
                    while index + 32 <= end {
                        let low = candidates(index)
                        let high = candidates(index + 16)
                        let either = low | high
                        if either[0] | either[1] != 0 {
                            guard considerAll(low, at: index), considerAll(high, at: index + 16) else { return }
                        }
                        index += 32
                    }
                    if index + 16 <= end {
                        guard considerAll(candidates(index), at: index) else { return }
                        index += 16
                    }
                    while index < end {
                        if base.load(fromByteOffset: index - 1, as: UInt8.self) == 0 {
                            guard consider(index) else { return }
                        }
                        index += 1
                    }
                }
            }
        }
    }

    /// Call at end of stream; returns the needles found (the last segment counts only if NUL-terminated).
    public mutating func finish() -> Set<String> {
        carry.removeAll(keepingCapacity: true)
        carryTooLong = false
        var result: Set<String> = []
        for (index, isFound) in found.enumerated() where isFound {
            result.insert(needleNames[index])
        }
        return result
    }

    private mutating func extendCarry(_ start: UnsafeRawPointer, count: Int) {
        if carryTooLong { return }
        if carry.count + count > maximumLength {
            carry.removeAll(keepingCapacity: true)
            carryTooLong = true
        } else {
            carry.append(contentsOf: UnsafeRawBufferPointer(start: start, count: count))
        }
    }

    /// Marks the needle equal to this complete segment, if any (for segments cut by a chunk boundary).
    private mutating func check(_ segment: UnsafeRawPointer, count: Int) {
        guard count > 0, count <= maximumLength else { return }
        for index in byLength[count] where !found[index] {
            let matches = storage.withUnsafeBytes { needles in
                memcmp(needles.baseAddress! + starts[index], segment, count) == 0
            }
            if matches {
                found[index] = true
                foundCount += 1
                return
            }
        }
    }
}

/// A set of bytes tested against 16 bytes at once: up to 8, each repeated in 16 lanes (fewer
/// are padded by repeating the first, so the test is always the same 8 comparisons); with more
/// (or none), every nonzero byte passes.
private struct FirstBytes: Sendable {
    private let p0, p1, p2, p3, p4, p5, p6, p7: SIMD16<UInt8>
    private let everyNonzero: Bool

    init(_ bytes: [UInt8]) {
        everyNonzero = bytes.isEmpty || bytes.count > 8
        let used = everyNonzero ? [1] : bytes
        let padded = (used + Array(repeating: used[0], count: 8 - used.count)).map { SIMD16<UInt8>(repeating: $0) }
        (p0, p1, p2, p3, p4, p5, p6, p7) = (
            padded[0], padded[1], padded[2], padded[3], padded[4], padded[5], padded[6], padded[7]
        )
    }

    /// The lanes of `bytes` that hold one of the bytes.
    @inline(__always) func matches(_ bytes: SIMD16<UInt8>) -> SIMDMask<SIMD16<Int8>> {
        if everyNonzero { return bytes .!= SIMD16(repeating: 0) }
        return (bytes .== p0) .| (bytes .== p1) .| (bytes .== p2) .| (bytes .== p3)
            .| (bytes .== p4) .| (bytes .== p5) .| (bytes .== p6) .| (bytes .== p7)
    }
}
