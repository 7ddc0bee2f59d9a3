import Foundation
import TestSupport
import Testing

/// A shell session shown in the documentation: a fenced block whose first
/// line starts with `$ `. Each `$ COMMAND` line is followed by what it prints,
/// standard output and error together as a terminal shows them. A line that
/// starts with `…` (a note may follow) stands for any number of lines: an
/// abridged listing.
struct Transcript: CustomTestStringConvertible, Sendable {
    struct Step: Sendable {
        var command: String
        var line: Int
        var expected: [String]
    }

    var file: String
    var line: Int
    var steps: [Step]

    var testDescription: String { "\(file):\(line)" }

    /// The documents whose transcripts are tested: the README and everything under Docs/.
    static let documents: [String] = {
        let root = Fixtures.repositoryRoot.path
        let docs =
            FileManager.default.enumerator(atPath: root + "/Docs")?.compactMap { $0 as? String }.filter {
                $0.hasSuffix(".md")
            } ?? []
        return ["README.md"] + docs.sorted().map { "Docs/" + $0 }
    }()

    static let all: [Transcript] = documents.flatMap { document in
        let text =
            (try? String(contentsOfFile: Fixtures.repositoryRoot.appendingPathComponent(document).path, encoding: .utf8))
            ?? ""
        return parse(text, file: document)
    }

    static func parse(_ text: String, file: String) -> [Transcript] {
        var transcripts: [Transcript] = []
        var block: [(Int, String)]?
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.hasPrefix("```") {
                if let lines = block {
                    if let first = lines.first, first.1.hasPrefix("$ ") {
                        var steps: [Step] = []
                        for (number, content) in lines {
                            if content.hasPrefix("$ ") {
                                steps.append(Step(command: String(content.dropFirst(2)), line: number, expected: []))
                            } else {
                                steps[steps.count - 1].expected.append(content)
                            }
                        }
                        transcripts.append(Transcript(file: file, line: first.0 - 1, steps: steps))
                    }
                    block = nil
                } else {
                    block = []
                }
            } else if block != nil {
                block!.append((index + 1, String(line)))
            }
        }
        return transcripts
    }

    /// Whether `actual` is `expected`, where a `…` line stands for any lines.
    static func matches(_ expected: ArraySlice<String>, _ actual: ArraySlice<String>) -> Bool {
        guard let first = expected.first else { return actual.isEmpty }
        if first.trimmingCharacters(in: .whitespaces).hasPrefix("…") {
            return (actual.startIndex...actual.endIndex).contains { matches(expected.dropFirst(), actual[$0...]) }
        }
        guard actual.first == first else { return false }
        return matches(expected.dropFirst(), actual.dropFirst())
    }
}

@Suite("Documentation examples")
struct DocumentationTests {
    @Test("The README and the docs show their examples as tested transcripts")
    func transcriptsExist() {
        let files = Set(Transcript.all.map(\.file))
        for document in [
            "README.md", "Docs/formats/text.md", "Docs/formats/json.md", "Docs/formats/junit.md",
            "Docs/formats/sarif.md", "Docs/policy.md",
        ] {
            #expect(files.contains(document), "\(document) has no transcript")
        }
    }

    @Test("The library article's Swift blocks are, in order, the consumer program Tests/Packaging builds and runs")
    func articleProgram() throws {
        let root = Fixtures.repositoryRoot
        let article = try String(
            contentsOf: root.appendingPathComponent("Sources/SnapCheck/SnapCheck.docc/UsingSnapCheckFromYourTool.md"),
            encoding: .utf8)
        let program = try String(
            contentsOf: root.appendingPathComponent("Tests/Consumer/Sources/UseSnapCheck/main.swift"), encoding: .utf8)
        var blocks: [[Substring]] = []
        var current: [Substring]?
        for line in article.split(separator: "\n", omittingEmptySubsequences: false) {
            if current == nil, line == "```swift" {
                current = []
            } else if line == "```", let block = current {
                blocks.append(block)
                current = nil
            } else {
                current?.append(line)
            }
        }
        #expect(blocks.count > 1)
        #expect(
            blocks.map { $0.joined(separator: "\n") }.joined(separator: "\n\n") + "\n" == program,
            "the article and Tests/Consumer/Sources/UseSnapCheck/main.swift differ: change both")
    }

    @Test("Every transcript in the README and Docs/ prints what it shows", arguments: Transcript.all)
    func transcript(_ transcript: Transcript) throws {
        let scratch = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] =
            SnapCheckBinary.url.deletingLastPathComponent().path + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        environment.removeValue(forKey: "NO_COLOR")
        var directory = scratch
        var status: Int32 = 0
        for step in transcript.steps {
            if step.command.hasPrefix("cd ") {
                directory =
                    URL(fileURLWithPath: directory).appendingPathComponent(String(step.command.dropFirst(3)))
                    .standardized.path
                continue
            }
            // `$?` is the previous command's status; both streams go to one pipe, in the order they were written.
            let run = try Command.run(
                "/bin/sh", ["-c", "(exit \(status)); { \(step.command)\n} 2>&1"], environment: environment,
                directory: directory)
            status = run.status
            var lines = run.output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if lines.last == "" { lines.removeLast() }
            #expect(
                Transcript.matches(step.expected[...], lines[...]),
                "\(transcript.file):\(step.line): `\(step.command)` printed:\n\(lines.joined(separator: "\n"))")
        }
    }

    /// A directory where relative paths of the docs work: `Fixtures/` (sources and built fixtures) and nothing else.
    static func scratch() throws -> String {
        let built = try Fixtures.built()
        let scratch = try temporaryDirectory("docs")
        let fixtures = scratch + "/Fixtures"
        try FileManager.default.createDirectory(atPath: fixtures, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: Fixtures.sourceDirectory.path)
        where name != ".out" {
            try FileManager.default.createSymbolicLink(
                atPath: fixtures + "/" + name, withDestinationPath: Fixtures.source(name))
        }
        try FileManager.default.createSymbolicLink(atPath: fixtures + "/.out", withDestinationPath: built.path)
        return scratch
    }
}
