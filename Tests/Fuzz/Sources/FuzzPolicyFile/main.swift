// Fuzz target: the policy file (`PolicyFile.parse`, YAML through Yams/libyaml).
// Invariants: no crash, hang or stack overflow (libyaml limits nesting); an error
// names a line that exists, and its message is not empty.
import FuzzSupport
import SnapCheck

exit(runFuzzer { data, size in
    let text = String(decoding: fuzzBytes(data, size), as: UTF8.self)
    do {
        let policy = try PolicyFile.parse(text, path: "fuzz.yaml")
        require(policy.waivers.allSatisfy { !$0.reason.isEmpty }, "a waiver without a reason was accepted")
    } catch let error as PolicyFileError {
        require(!error.message.isEmpty, "empty message")
        // YAML breaks lines at CR, LF, CRLF and NEL/LS/PS too: count every Swift newline for the bound
        // (counted in the text, not in a filtered string, where a CR and a later LF would join into one).
        let breaks = text.reduce(0) { $0 + ($1.isNewline ? 1 : 0) }
        if let line = error.line { require(line >= 1 && line <= breaks + 2, "line \(line) outside the text") }
    } catch {
        require(false, "unexpected error type \(type(of: error))")
    }
    return 0
})
