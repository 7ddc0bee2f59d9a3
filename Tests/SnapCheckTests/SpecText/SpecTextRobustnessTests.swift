import Foundation
import TestSupport
import Testing

@_spi(Fuzzing) @testable import SnapCheck

/// Hostile and random inputs: the text tools must never crash or hang, and neutralising
/// must leave nothing rpm could run. No timing asserts: quadratic behaviour on the large
/// inputs here would not finish.
@Suite("SpecText robustness")
struct SpecTextRobustnessTests {
    static let pieces = [
        "%", "%%", "(", ")", "{", "}", "lua:", "{lua:", "%(", "%{lua:", "%{?lua:", "\"", "'", "\\", "\\\n",
        "\n", "\r\n", " ", "\t", "%if 0%{?rhev}\n", "%else\n", "%endif\n", "%ifarch x86_64\n", "./configure ",
        "../configure ", "build_configure.sh ", "--target-list=x86_64-softmmu ", "$(", "`", "#", ";", "&&", "|",
        "&", ">", "2>&1", "x=$1", "shift\n", "shift 3\n", "--${x}-live-block-ops", "${", "[[", "]]", "--",
        "%define rhev 1\n", "%global x %(", "%bcond_with rhev_features\n", "%{with rhev_features}", "%{SOURCE10} ",
        "%define f() \\\n", "é", "\u{0}",
    ]

    static func randomTexts() -> [String] {
        var generator = SplitMix64(state: 20_240_601)
        var texts: [String] = []
        for _ in 0..<150 {
            var text = ""
            for _ in 0..<Int.random(in: 0...120, using: &generator) {
                text += pieces[Int.random(in: 0..<pieces.count, using: &generator)]
            }
            texts.append(text)
        }
        for _ in 0..<50 {
            let bytes = (0..<Int.random(in: 0...2048, using: &generator)).map { _ in
                UInt8.random(in: 0...255, using: &generator)
            }
            texts.append(String(decoding: bytes, as: UTF8.self))
        }
        return texts
    }

    static let largeTexts: [String] = [
        String(repeating: "%(\n", count: 40_000),
        String(repeating: "%{lua: \"\n", count: 40_000),
        String(repeating: "%{lua: [[ x\n", count: 20_000),
        String(repeating: "%(", count: 60_000),
        String(repeating: "$(", count: 60_000) + "\n./configure x",
        String(repeating: "\"", count: 60_001) + "./configure",
        String(repeating: "%if 1\n", count: 20_000) + String(repeating: "%else\n%endif\n", count: 20_001),
        String(repeating: "a \\\n%if x\n", count: 20_000),
        String(repeating: "}-live-block-ops ", count: 20_000),
        String(repeating: "%define rhev %define rhev \\\n", count: 20_000),
        String(repeating: "shift 64; x=$1; ", count: 20_000),
        String(repeating: "./configure ", count: 30_000),
    ]

    static func exercise(_ text: String) {
        let lineCount = text.unicodeScalars.filter { $0 == "\n" }.count + 1
        let source = SpecSource(text: text)
        #expect(source.lines.count == lineCount)

        let (neutral, refused) = source.neutralized()
        #expect(neutral.unicodeScalars.filter { $0 == "\n" }.count + 1 == lineCount)
        #expect(!neutral.contains("%("))
        #expect(neutral.range(of: #"%\{[?!]*lua:"#, options: .regularExpression) == nil)
        #expect(refused.allSatisfy { (1...lineCount).contains($0.line) && $0.text.count <= 80 })

        for line in [1, lineCount / 2, lineCount, lineCount + 3] {
            let range = source.logicalLineRange(containing: line)
            #expect(range.contains(line))
            #expect(source.enclosingConditions(ofLine: line).allSatisfy { $0.line < line })
        }
        _ = source.definitions(of: "rhev")
        _ = source.lines(referencing: "rhev_features")
        _ = source.lines(containingWord: "--disable-live-block-ops")
        for region in source.configureRegions() {
            #expect(region.lines.lowerBound >= 1 && region.lines.upperBound <= lineCount)
        }

        let calls = ConfigureCalls.find(in: text)
        #expect(calls.allSatisfy { (1...lineCount).contains($0.lineInSection) })
        _ = ConfigureCalls.emulatorCalls(in: calls)

        let map = HelperScriptMap(script: text)
        if let position = map.liveBlockOpsPosition {
            #expect(map.parameterNames[position] == map.liveBlockOpsParameter)
        }
    }

    @Test("Random inputs never crash the text tools, and neutralising leaves nothing rpm could run")
    func randomInputsNeverBreakTheTools() {
        for text in Self.randomTexts() { Self.exercise(text) }
    }

    @Test(
        "Large adversarial inputs finish, and neutralising leaves nothing rpm could run",
        arguments: 0..<largeTexts.count)
    func largeAdversarialInputsFinish(index: Int) {
        Self.exercise(Self.largeTexts[index])
    }

    @Test("5,000 unbalanced expansions are all neutralised, each to an empty line")
    func manyUnbalancedExpansionsAreAllNeutralised() {
        let (text, refused) = SpecSource(text: String(repeating: "%(touch x\n", count: 5_000)).neutralized()
        #expect(refused.count == 5_000)
        // Each starts a line of its own: its output would be whole lines, so it becomes empty.
        #expect(text == String(repeating: "%{nil}\n", count: 5_000))
    }
}
