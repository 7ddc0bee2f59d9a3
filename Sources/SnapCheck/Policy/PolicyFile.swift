import Foundation
internal import RPM
internal import Yams

/// Reads a policy file, `snapcheck.yaml` (Docs/policy.md):
///
/// ```yaml
/// expect:                      # package name or glob: enabled | disabled
///   qemu-kvm-ev: enabled
///   qemu-kvm-ma: disabled
/// arch:                        # per-arch overrides, same shape as expect
///   ppc64le:
///     qemu-kvm-ev: disabled
/// waivers:
///   - package: qemu-kvm-ma     # glob; arch and version (version-release) optional
///     reason: CBS-1234, dropped in -45
///     expires: 2027-01-31
/// fail-on:                     # no-builds and vanished true, header-only false by default
///   no-builds: true
///   vanished: true
///   header-only: false
/// ```
///
/// YAML, read with Yams (libyaml): every node keeps its line, so an unknown
/// key, a misspelt verdict or a date that does not exist is an error naming
/// `file:line`. Nothing unknown is ignored: a typo never silently loosens a policy.
public enum PolicyFile: Sendable {
    /// The name looked for next to the inputs and in the working directory.
    public static let defaultName = "snapcheck.yaml"
    /// Largest policy file read.
    public static let sizeLimit = 1 << 20

    static let topKeys = ["expect", "arch", "waivers", "fail-on"]
    static let waiverKeys = ["package", "arch", "version", "reason", "expires"]
    static let switchKeys = ["no-builds", "vanished", "header-only"]

    /// Reads the policy at `path` (a regular file).
    public static func read(_ path: String) throws(PolicyFileError) -> Policy {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw PolicyFileError(path: path, line: nil, message: String(cString: strerror(errno)).lowercased())
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw PolicyFileError(path: path, line: nil, message: "not a regular file")
        }
        guard Int(info.st_size) <= sizeLimit else {
            throw PolicyFileError(path: path, line: nil, message: "larger than \(sizeLimit >> 20) MiB")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PolicyFileError(path: path, line: nil, message: "cannot be read")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw PolicyFileError(path: path, line: nil, message: "not UTF-8 text")
        }
        return try parse(text, path: path)
    }

    /// Reads policy text; `path` names it in errors and in `Policy.source`.
    public static func parse(_ text: String, path: String) throws(PolicyFileError) -> Policy {
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch {
            throw PolicyFileError(
                path: path, line: Self.line(of: error), message: "not valid YAML: \(Self.problem(of: error))")
        }
        var policy = Policy()
        policy.source = path
        guard let root else { return policy }  // empty: the defaults
        let reader = Reader(path: path)
        for (key, value) in try reader.mapping(root, what: "the policy", keys: topKeys) {
            switch key.string {
            case "expect":
                policy.expectations = try reader.expectations(value)
            case "arch":
                for (arch, entries) in try reader.mapping(value, what: "arch", keys: nil) {
                    guard RPMArch.isKnown(arch.string) else {
                        throw reader.error(
                            arch.node,
                            "arch '\(arch.string)' is not an arch rpm knows (x86_64, ppc64le, aarch64, s390x, ...)")
                    }
                    policy.archExpectations[arch.string] = try reader.expectations(entries)
                }
            case "waivers":
                guard case .sequence(let list) = value else {
                    throw reader.error(value, "waivers is a list of waivers (- package: ...)")
                }
                policy.waivers = try list.map(reader.waiver)
            default:  // "fail-on"
                for (name, flag) in try reader.mapping(value, what: "fail-on", keys: switchKeys) {
                    let on = try reader.bool(flag, key: name.string)
                    switch name.string {
                    case "no-builds": policy.switches.noBuilds = on
                    case "vanished": policy.switches.vanished = on
                    default: policy.switches.headerOnly = on
                    }
                }
            }
        }
        return policy
    }

    /// The walk over the node tree, with errors that name the file and line.
    private struct Reader {
        var path: String

        struct Key {
            var string: String
            var node: Node
        }

        func error(_ node: Node, _ message: String) -> PolicyFileError {
            PolicyFileError(path: path, line: node.mark?.line, message: message)
        }

        /// A mapping's pairs with scalar keys, in file order; `keys` (when given) are the only keys allowed.
        func mapping(_ node: Node, what: String, keys: [String]?) throws(PolicyFileError) -> [(Key, Node)] {
            guard case .mapping(let mapping) = node else {
                let expected = keys.map { " of \($0.joined(separator: ", "))" } ?? ""
                throw error(node, "\(what) is a mapping\(expected)")
            }
            var pairs: [(Key, Node)] = []
            var seen = Set<String>()
            for (key, value) in mapping {
                guard case .scalar(let scalar) = key else { throw error(key, "a key in \(what) is not a plain name") }
                if let keys, !keys.contains(scalar.string) {
                    throw error(
                        key, "unknown key '\(scalar.string)' in \(what) (known: \(keys.joined(separator: ", ")))")
                }
                guard seen.insert(scalar.string).inserted else {
                    throw error(key, "'\(scalar.string)' is given twice in \(what)")
                }
                pairs.append((Key(string: scalar.string, node: key), value))
            }
            return pairs
        }

        func scalar(_ node: Node, key: String) throws(PolicyFileError) -> String {
            guard case .scalar(let scalar) = node, !scalar.string.isEmpty else {
                throw error(node, "\(key) needs a value")
            }
            return scalar.string
        }

        func bool(_ node: Node, key: String) throws(PolicyFileError) -> Bool {
            switch try scalar(node, key: key) {
            case "true": return true
            case "false": return false
            case let other: throw error(node, "\(key): '\(other)' is not true or false")
            }
        }

        func expectations(_ node: Node) throws(PolicyFileError) -> [PackageExpectation] {
            try mapping(node, what: "expect", keys: nil).map { (key, value) throws(PolicyFileError) in
                let text = try scalar(value, key: key.string)
                guard let expectation = Expectation(rawValue: text) else {
                    throw error(value, "\(key.string): '\(text)' is not an expectation (enabled or disabled)")
                }
                return PackageExpectation(pattern: key.string, expectation: expectation, location: location(key.node))
            }
        }

        func waiver(_ node: Node) throws(PolicyFileError) -> Waiver {
            var fields: [String: (text: String, node: Node)] = [:]
            for (key, value) in try mapping(node, what: "a waiver", keys: PolicyFile.waiverKeys) {
                fields[key.string] = (try scalar(value, key: key.string), value)
            }
            let missing = ["package", "reason", "expires"].filter { fields[$0] == nil }
            guard missing.isEmpty else { throw error(node, "a waiver needs \(missing.joined(separator: ", "))") }
            let expires = fields["expires"]!
            guard let day = CalendarDay(expires.text) else {
                throw error(expires.node, "expires: '\(expires.text)' is not a date (YYYY-MM-DD)")
            }
            return Waiver(
                package: fields["package"]!.text, arch: fields["arch"]?.text, version: fields["version"]?.text,
                reason: fields["reason"]!.text, expires: day, location: location(node))
        }

        func location(_ node: Node) -> String {
            node.mark.map { "\(path):\($0.line)" } ?? path
        }
    }

    private static func line(of error: any Error) -> Int? {
        guard let error = error as? YamlError else { return nil }
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
        case .duplicatedKeysInMapping(_, let context): return context.mark.line
        default: return nil
        }
    }

    /// libyaml's problem, without the snippet Yams appends.
    private static func problem(of error: any Error) -> String {
        guard let error = error as? YamlError else { return "\(error)" }
        if "\(error)".contains("nesting level") { return "nested too deeply" }
        switch error {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _):
            return problem
        case .duplicatedKeysInMapping(let duplicates, _):
            return "the mapping starting here has \(duplicates.joined(separator: ", ")) twice"
        default: return "\(error)".split(whereSeparator: \.isNewline).first.map(String.init) ?? "\(error)"
        }
    }
}

/// A policy file that cannot be used: `snapcheck.yaml:7: unknown key 'expct' ...`.
public struct PolicyFileError: Error, Sendable, Hashable, CustomStringConvertible {
    public var path: String
    /// 1-based line, when the problem has one.
    public var line: Int?
    public var message: String

    public init(path: String, line: Int?, message: String) {
        self.path = path
        self.line = line
        self.message = message
    }

    public var description: String { "\(path)\(line.map { ":\($0)" } ?? ""): \(message)" }
}
