// Fuzz target: `SpecSource` and its neutraliser, plus the line queries over the result.
//
// Invariants: the neutralised text never contains `%(` or a `%{lua:` form (also `%{?lua:`,
// `%{!?lua:`) behind any run of `%`; it has as many lines as the original; neutralising
// twice changes nothing more; line queries stay in range.
import FuzzSupport
@_spi(Fuzzing) import SnapCheck

/// The first shell or Lua expansion opener in `text`, as a scalar offset.
func firstOpener(_ text: String) -> Int? {
    let s = Array(text.unicodeScalars)
    var i = 0
    while i < s.count {
        guard s[i] == "%" else { i += 1; continue }
        var j = i
        while j < s.count, s[j] == "%" { j += 1 }
        if j < s.count, s[j] == "(" { return i }
        if j < s.count, s[j] == "{" {
            var k = j + 1
            while k < s.count, s[k] == "?" || s[k] == "!" { k += 1 }
            if k + 4 <= s.count, String(String.UnicodeScalarView(s[k..<(k + 4)])) == "lua:" { return i }
        }
        i = j
    }
    return nil
}

func newlines(_ text: String) -> Int {
    text.utf8.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
}

exit(runFuzzer { data, size in
    let text = String(decoding: fuzzBytes(data, size), as: UTF8.self)
    let source = SpecSource(text: text)
    let (safe, refused) = source.neutralized()
    if let at = firstOpener(safe) {
        let context = String(String.UnicodeScalarView(Array(safe.unicodeScalars)[at...].prefix(24)))
        require(false, "neutralised text still opens an expansion at scalar \(at): \(context.debugDescription)")
    }
    require(newlines(safe) == newlines(text), "line count changed: \(newlines(text)) -> \(newlines(safe))")
    require(refused.isEmpty == (firstOpener(text) == nil), "refused list disagrees with the text")
    for expansion in refused {
        require(expansion.line >= 1 && expansion.line <= newlines(text) + 1, "refused line \(expansion.line) out of range")
    }
    let again = SpecSource(text: safe).neutralized()
    require(again.text == safe && again.refused.isEmpty, "neutralising is not idempotent")

    // Line queries over the original must stay in range and not trap.
    let count = source.lines.count
    for line in [1, count / 2 + 1, count] where line >= 1 && line <= count {
        let range = source.logicalLineRange(containing: line)
        require(range.contains(line) && range.lowerBound >= 1 && range.upperBound <= count, "logical range \(range) for line \(line)")
        for condition in source.enclosingConditions(ofLine: line) {
            require(condition.line >= 1 && condition.line <= count, "condition line \(condition.line) out of range")
        }
    }
    for line in source.lines(containingWord: "--disable-live-block-ops") + source.lines(referencing: "rhev") {
        require(line >= 1 && line <= count, "query line \(line) out of 1...\(count)")
    }
    _ = source.definitions(of: "rhev")
    for region in source.configureRegions() {
        require(region.lines.lowerBound >= 1 && region.lines.upperBound <= count, "region \(region.lines) out of range")
    }
    return 0
})
