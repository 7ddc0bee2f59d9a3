import Foundation

/// How `snapcheck rules` prints the rule book.
public enum RuleBookFormat: String, Sendable, CaseIterable {
    /// For people: one line per rule, or one rule in full.
    case text
    /// For tools: the catalogue, Docs/cli.md ("The rule catalogue").
    case json
}

/// A rule id the rule book does not have, with the ids closest to it.
public struct UnknownRule: Error, Sendable, Hashable, CustomStringConvertible {
    public var id: String
    public var suggestions: [String]

    /// One line: `no rule 'x'; did you mean a or b?`.
    public var description: String {
        var line = "no rule '\(id)'"
        switch suggestions.count {
        case 0: line += "; `snapcheck rules` lists them all"
        case 1: line += "; did you mean \(suggestions[0])?"
        default: line += "; did you mean \(suggestions.dropLast().joined(separator: ", ")) or \(suggestions.last!)?"
        }
        return line
    }
}

/// The rule book at the prompt, `snapcheck rules [ID] [--format json]`: the
/// one-line list, one rule in full (like `rpmlint -I`), or the catalogue as
/// JSON. Pure, like the report renderers: the same book gives the same bytes.
public enum RuleBookRenderer: Sendable {
    /// Bumped only if a field of the JSON catalogue is removed or changes meaning.
    public static let schemaVersion = 1
    /// Text is wrapped to this many columns.
    static let width = 79

    /// What `snapcheck rules` prints: every rule, or the rule `id`, in `format`.
    public static func render(id: String?, format: RuleBookFormat) throws(UnknownRule) -> [UInt8] {
        guard let id else {
            return format == .json ? json(RuleBook.entries) : list(RuleBook.entries)
        }
        guard let entry = RuleBook.entry(id: id) else {
            throw UnknownRule(id: id, suggestions: RuleBook.suggestions(for: id))
        }
        return format == .json ? json([entry]) : explain(entry)
    }

    /// One line per rule: id, layer and its one-line summary.
    public static func list(_ entries: [RuleEntry]) -> [UInt8] {
        Array(
            entries.map { e in
                e.rule.id.padding(toLength: 32, withPad: " ", startingAt: 0)
                    + e.rule.layer.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)
                    + e.rule.summary + "\n"
            }.joined().utf8)
    }

    /// One rule in full: the id and layer, its meaning, then its eras, what it
    /// reads, what it concludes and an example, each wrapped and indented.
    public static func explain(_ entry: RuleEntry) -> [UInt8] {
        var out = "\(entry.rule.id) (\(entry.rule.layer.rawValue) layer)\n"
        out += wrap(entry.rule.summary, indent: "  ")
        let sections = [
            ("Eras", entry.eras.lines.map { wrap($0, indent: "  ", hanging: "    ") }.joined()),
            ("Reads", wrap(entry.reads, indent: "  ")),
            ("Concludes", wrap(entry.concludes, indent: "  ")),
            ("Example", wrap(entry.example, indent: "  ")),
        ]
        for (title, body) in sections { out += "\n\(title):\n" + body }
        return Array(out.utf8)
    }

    /// Words of `text` in lines of at most `width` columns (a longer word
    /// stands alone), the first line after `indent`, the others after `hanging`.
    static func wrap(_ text: String, indent: String, hanging: String? = nil) -> String {
        var lines: [String] = []
        var line = indent
        for word in text.split(whereSeparator: \.isWhitespace) {
            let lead = lines.isEmpty ? indent : hanging ?? indent
            if line.count > lead.count, line.count + 1 + word.count > width {
                lines.append(line)
                line = (hanging ?? indent) + word
            } else {
                line += (line.count > lead.count ? " " : "") + word
            }
        }
        lines.append(line)
        return lines.joined(separator: "\n") + "\n"
    }

    /// The catalogue: rules sorted by id, keys sorted, two-space indentation.
    public static func json(_ entries: [RuleEntry]) -> [UInt8] {
        let catalogue = Catalogue(
            schemaVersion: schemaVersion, tool: .init(name: Tool.name, version: Tool.version),
            rules: entries.sorted { $0.rule.id < $1.rule.id }.map { e in
                .init(
                    id: e.rule.id, layer: e.rule.layer, summary: e.rule.summary, eras: e.eras.eras,
                    withoutEra: e.eras.withoutEra,
                    reads: e.reads, concludes: e.concludes, example: e.example)
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        // Encoding plain strings, booleans and arrays cannot fail.
        let data = (try? encoder.encode(catalogue)) ?? Data("{}".utf8)
        return Array(data) + [0x0A]
    }

    struct Catalogue: Encodable {
        var schemaVersion: Int
        var tool: JSONRenderer.ToolObject
        var rules: [RuleObject]
        enum CodingKeys: String, CodingKey { case schemaVersion = "schema_version", tool, rules }
    }

    struct RuleObject: Encodable {
        var id: String
        var layer: Layer
        var summary: String
        var eras: [Era]
        var withoutEra: Bool
        var reads: String
        var concludes: String
        var example: String
        enum CodingKeys: String, CodingKey {
            case id, layer, summary, eras, reads, concludes, example
            case withoutEra = "without_era"
        }
    }
}
