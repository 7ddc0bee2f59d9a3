import SnapCheck
import Testing

/// The escaping rule itself, byte by byte (the CLI tests show it in place).
@Suite("VisibleText.escape")
struct VisibleTextTests {
    @Test(
        "Controls, DEL, C1, bidi controls and bytes that are not UTF-8 become visible; the rest is kept",
        arguments: [
            ([0x41, 0x09, 0x0A, 0x0D, 0x1B, 0x5B, 0x00, 0x7F], "A\\t\\n\\r\\x1b[\\x00\\x7f"),
            (Array("é ✓ \\ back".utf8), "é ✓ \\ back"),
            ([0xC2, 0x9B, 0xE2, 0x80, 0xAE, 0xE2, 0x81, 0xA6], "\\u{9b}\\u{202e}\\u{2066}"),
            ([0x61, 0xFF, 0x62, 0xC3, 0x28, 0xE2, 0x82], "a\\xffb\\xc3(\\xe2\\x82"),
        ] as [([UInt8], String)])
    func escape(_ bytes: [UInt8], _ shown: String) {
        #expect(VisibleText.escape(bytes) == shown)
    }
}
