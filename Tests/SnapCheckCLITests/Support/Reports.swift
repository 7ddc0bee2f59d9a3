// Reading the JSON report a run printed. Not API.
import Foundation
import TestSupport
import Testing

/// The JSON report a run printed on stdout, decoded loosely for assertions;
/// a failure shows both streams.
func jsonReport(_ result: CommandResult) throws -> [String: Any] {
    try #require(
        try JSONSerialization.jsonObject(with: Data(result.stdout)) as? [String: Any],
        "not a JSON object: stdout: \(result.output) stderr: \(result.errorOutput)")
}

/// The report's builds.
func builds(_ report: [String: Any]) -> [[String: Any]] {
    report["builds"] as? [[String: Any]] ?? []
}
