import Foundation
import Testing

@_spi(Fuzzing) @testable import SnapCheck

@Suite("A spec's text prepared once for every arch")
struct PreparedSpecTests {
    let text =
        "Name: qemu-kvm\n%changelog\n* Mon Jan 01 2024 A <a@b> - 1\n- old entry\n%build\n./configure --enable-live-block-ops\n"

    @Test("a copy whose text changed (a remedy's trial) is prepared from its own text, and the spec keeps its own")
    func changedCopyIsPreparedAfresh() {
        let material = SpecMaterial(displayPath: "a.spec", text: text, helpers: [:])
        let first = material.preparations.prepared(text: material.text, trusted: false, hostMacros: [])
        var changed = material
        changed.text = text.replacingOccurrences(of: "--enable-live-block-ops", with: "--disable-live-block-ops")
        let second = changed.preparations.prepared(text: changed.text, trusted: false, hostMacros: [])
        #expect(String(decoding: second.bytes, as: UTF8.self).contains("--disable-live-block-ops"))
        #expect(!String(decoding: second.bytes, as: UTF8.self).contains("--enable-live-block-ops"))
        #expect(
            material.preparations.prepared(text: material.text, trusted: false, hostMacros: []).bytes == first.bytes)
    }

    @Test(
        "trusted and untrusted preparations of one text differ as their modes do: only the untrusted one drops the changelog"
    )
    func modesAreNotShared() {
        let material = SpecMaterial(displayPath: "a.spec", text: text, helpers: [:])
        let untrusted = String(
            decoding: material.preparations.prepared(text: text, trusted: false, hostMacros: []).bytes, as: UTF8.self)
        let trusted = String(
            decoding: material.preparations.prepared(text: text, trusted: true, hostMacros: []).bytes, as: UTF8.self)
        #expect(!untrusted.contains("old entry"))
        #expect(trusted.contains("old entry"))
    }

    @Test(
        "bytes become text and back unchanged, valid UTF-8 with no stand-in scalar as the decoder reads it",
        arguments: [
            Array("plain ASCII %if 0%{?rhel}\n".utf8), Array("caf\u{E9} \u{1F600} \u{10FFFF} \u{100000}".utf8),
            [0x61, 0x00, 0x62],
            [0x61, 0xFF, 0x62], [0xF4, 0x8F, 0xB9, 0x81], [0xF4, 0x90, 0x80, 0x80], [0xC3], [],
        ])
    func bytesRoundTrip(_ bytes: [UInt8]) {
        let text = SpecBytes.text(bytes)
        #expect(SpecBytes.bytes(of: text) == bytes)
        let isStandInFree = String(validating: bytes, as: UTF8.self).map {
            !$0.unicodeScalars.contains { (0x10FE00...0x10FEFF).contains($0.value) }
        }
        if isStandInFree == true {
            #expect(text == String(decoding: bytes, as: UTF8.self))
        } else {
            #expect(text != String(decoding: bytes, as: UTF8.self))
        }
    }
}
