import Foundation

/// The JSON report (`schema_version` 1, Docs/formats/json.md): the result's
/// `Codable` form (ReportCoding.swift), keys sorted, two-space indentation.
/// Within schema version 1 fields are only added. Decode a report with
/// `JSONDecoder().decode(AuditResult.self, from:)`.
public struct JSONRenderer: ReportRenderer {
    public static let schemaVersion = 1

    public init() {}

    public func render(_ result: AuditResult) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        // Encoding plain strings, numbers and arrays cannot fail.
        let data = (try? encoder.encode(result)) ?? Data("{}".utf8)
        return Array(data) + [0x0A]
    }

    /// `tool`: the name and version of the program that wrote a report.
    struct ToolObject: Encodable {
        var name: String
        var version: String
    }
}
