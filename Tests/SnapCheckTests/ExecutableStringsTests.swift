@_spi(Fuzzing) import SnapCheck
import TestSupport
import Testing

/// The obvious definition, for comparison: split on NUL, drop the unterminated last segment.
private func referenceMatches(_ bytes: [UInt8], _ needles: Set<String>) -> Set<String> {
    let segments = bytes.split(separator: 0, omittingEmptySubsequences: false).dropLast()
    let present = Set(segments.map { Array($0) })
    return needles.filter { present.contains(Array($0.utf8)) }
}

private func scan(_ bytes: [UInt8], _ needles: Set<String>, chunks sizes: [Int]? = nil) -> Set<String> {
    var scanner = ExecutableStringScanner(needles: needles)
    guard let sizes else {
        scanner.feed(bytes)
        return scanner.finish()
    }
    var offset = 0
    var sizeIndex = 0
    while offset < bytes.count {
        let size = min(sizes[sizeIndex % sizes.count], bytes.count - offset)
        scanner.feed(Array(bytes[offset..<(offset + size)]))
        offset += size
        sizeIndex += 1
    }
    return scanner.finish()
}

private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

private let gateNeedles: Set<String> = [
    "blockdev-snapshot-sync", "snapshot_blkdev", "drive-mirror", "__com.redhat_drive-mirror",
    "block-commit", "__com.redhat_block-commit", "drive_mirror", "drive_backup", "block_job_cancel",
]

@Suite("ExecutableStringScanner")
struct ExecutableStringsTests {
    @Test("A needle counts only between NULs, never as a prefix, suffix or infix")
    func exactMatchingOnly() {
        let decoys =
            "\0snapshot_blkdev_internal\0xsnapshot_blkdev\0hmp_snapshot_blkdev\0snapshot_blkde\0"
            + "snapshot_blkdevv\0Snapshot_blkdev\0 snapshot_blkdev\0"
        #expect(scan(bytes(decoys), ["snapshot_blkdev"]).isEmpty)
        #expect(scan(bytes(decoys + "snapshot_blkdev\0"), ["snapshot_blkdev"]) == ["snapshot_blkdev"])
    }

    @Test("The stream start counts as the NUL before a needle")
    func matchAtStreamStart() {
        #expect(scan(bytes("transaction\0rest\0"), ["transaction"]) == ["transaction"])
        #expect(scan(bytes("xtransaction\0"), ["transaction"]).isEmpty)
    }

    @Test("An unterminated last segment does not count")
    func unterminatedFinalSegment() {
        #expect(scan(bytes("\0drive-mirror"), ["drive-mirror"]).isEmpty)
        #expect(scan(bytes("drive-mirror"), ["drive-mirror"]).isEmpty)
        #expect(scan(bytes("\0drive-mirror\0"), ["drive-mirror"]) == ["drive-mirror"])
    }

    @Test("Several needles of the same length are told apart")
    func sameLengthNeedles() {
        let found = scan(bytes("\0drive_backup\0other\0"), ["drive_mirror", "drive_backup", "abcdefghijkl"])
        #expect(found == ["drive_backup"])
    }

    @Test("Empty needles and needles containing NUL never match")
    func unusableNeedles() {
        #expect(scan(bytes("a\0\0b\0c\0"), ["", "b\0c", "b"]) == ["b"])
        var scanner = ExecutableStringScanner(needles: [""])
        scanner.feed(bytes("\0\0\0"))
        #expect(scanner.finish().isEmpty)
        #expect(scanner.bytesScanned == 3)
    }

    @Test("Every way of cutting a sample in two chunks, and in three with a short middle one, gives the same answer")
    func everySplitPointAgrees() {
        let sample = bytes(
            "snapshot_blkdev\0\0xdrive-mirror\0drive-mirror\0\0\0block-commit_x\0__com.redhat_block-commit\0"
                + "a-very-long-segment-that-exceeds-every-needle-and-ends-in-snapshot_blkdev\0blockdev-snapshot-sync")
        let expected = referenceMatches(sample, gateNeedles)
        #expect(expected == ["snapshot_blkdev", "drive-mirror", "__com.redhat_block-commit"])
        for first in 0...sample.count {
            // A middle chunk up to 30 bytes: shorter and longer than the needles.
            for second in first...min(first + 30, sample.count) {
                var scanner = ExecutableStringScanner(needles: gateNeedles)
                scanner.feed(Array(sample[..<first]))
                scanner.feed(Array(sample[first..<second]))
                scanner.feed(Array(sample[second...]))
                #expect(scanner.finish() == expected, "split at \(first), \(second)")
                #expect(scanner.bytesScanned == sample.count)
            }
        }
    }

    @Test("One-byte chunks give the same answer as one big chunk")
    func byteAtATime() {
        let sample = bytes("\0block_job_cancel\0drive_backup_\0drive_backup\0snapshot_blkdev")
        #expect(scan(sample, gateNeedles, chunks: [1]) == ["block_job_cancel", "drive_backup"])
        #expect(scan(sample, gateNeedles) == ["block_job_cancel", "drive_backup"])
    }

    @Test("Needles planted in large random data are found exactly", arguments: [UInt64(1), 2, 3])
    func plantedInRandomData(seed: UInt64) {
        var random = SplitMix64(state: seed)
        // Binary-like: about half NUL bytes, the rest spread over the alphabet of the needles.
        var data = (0..<(1 << 20)).map { _ -> UInt8 in
            let roll = random.next()
            return roll & 1 == 0 ? 0 : UInt8(truncatingIfNeeded: roll >> 8)
        }
        let planted = Array(gateNeedles).sorted().filter { _ in random.next() & 1 == 0 }
        func plant(_ text: String, terminated: Bool) {
            let needle = bytes(text) + (terminated ? [0] : [])
            let at = Int(random.next() % UInt64(data.count - needle.count - 1)) + 1
            data[at - 1] = 0
            data.replaceSubrange(at..<(at + needle.count), with: needle)
        }
        for needle in planted { plant(needle, terminated: true) }
        // Decoys that must not count: a longer segment and an extra leading byte.
        plant("snapshot_blkdev_internal", terminated: true)
        plant("hmp_drive_mirror", terminated: true)
        let expected = referenceMatches(data, gateNeedles)
        #expect(expected.isSuperset(of: planted))
        #expect(scan(data, gateNeedles) == expected)
        #expect(scan(data, gateNeedles, chunks: [65536]) == expected)
        #expect(scan(data, gateNeedles, chunks: [7, 4093, 1, 65537, 30]) == expected)
    }

    @Test("Needles with many different first bytes are still found")
    func manyFirstBytes() {
        let needles: Set<String> = Set("abcdefghijklmnop".map { "\($0)-needle" })
        var data: [UInt8] = []
        for (index, needle) in needles.sorted().enumerated() {
            data += bytes(index % 2 == 0 ? needle : "x" + needle) + [0, 0x41, 0]
        }
        let expected = referenceMatches(data, needles)
        #expect(expected.count == 8)
        #expect(scan(data, needles) == expected)
        #expect(scan(data, needles, chunks: [3]) == expected)
    }

    @Test("A segment longer than every needle is not matched by its ending across chunks")
    func tooLongSegmentAcrossChunks() {
        let long = bytes("\0" + String(repeating: "z", count: 100) + "drive-mirror\0")
        for size in [1, 5, 13, 50, 99, 101, 112] {
            #expect(scan(long, ["drive-mirror"], chunks: [size]).isEmpty, "chunk size \(size)")
        }
    }

    @Test("A needle is found at every offset of a 32-byte block, with other candidates in the same block")
    func everyLaneOffset() {
        // The scanner tests 32 bytes at a time and reads hits from two 64-bit words per 16
        // bytes: plant the needle at each offset, after decoys that start like needles.
        let needle = "drive_backup"
        for offset in 1..<100 {
            var data = [UInt8](repeating: 0x41, count: 160)
            for decoy in stride(from: 0, to: offset - 2, by: 3) {
                data[decoy] = 0
                data[decoy + 1] = UInt8(ascii: "d")
            }
            data[offset - 1] = 0
            data.replaceSubrange(offset..<(offset + needle.utf8.count), with: bytes(needle))
            data[offset + needle.utf8.count] = 0
            #expect(referenceMatches(data, gateNeedles) == [needle], "offset \(offset)")
            #expect(scan(data, gateNeedles) == [needle], "offset \(offset)")
            #expect(scan(data, gateNeedles, chunks: [offset + 3]) == [needle], "offset \(offset), split inside")
        }
    }
}
