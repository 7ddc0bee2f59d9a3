import Foundation

/// The verdicts of an earlier JSON report (`--baseline previous.json`).
///
/// Builds are matched across runs by package name and arch, not by version:
/// tonight's `qemu-kvm-ev` x86_64 is compared with last night's whatever its
/// release, which is what a nightly job wants to know.
public struct Baseline: Sendable, Hashable {
    /// A build's identity across runs: `name arch`.
    public struct Key: Sendable, Hashable, Comparable, CustomStringConvertible {
        public var name: String
        public var arch: String?

        public init(name: String, arch: String?) {
            self.name = name
            self.arch = arch
        }

        public var description: String { "\(name) \(arch ?? "(any arch)")" }
        public static func < (a: Key, b: Key) -> Bool { (a.name, a.arch ?? "") < (b.name, b.arch ?? "") }
    }

    public var verdicts: [Key: Verdict]

    public init(verdicts: [Key: Verdict]) {
        self.verdicts = verdicts
    }

    /// Largest baseline report read.
    public static let sizeLimit = 64 << 20

    /// Reads a snapcheck JSON report of schema version 1.
    public init(jsonBytes bytes: [UInt8]) throws {
        guard bytes.count <= Self.sizeLimit else { throw BaselineError("larger than \(Self.sizeLimit >> 20) MiB") }
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: Data(bytes)) } catch {
            throw BaselineError("not JSON")
        }
        guard let report = object as? [String: Any], let version = report["schema_version"] as? Int else {
            throw BaselineError("not a snapcheck JSON report (no schema_version)")
        }
        guard version == JSONRenderer.schemaVersion else { throw BaselineError("schema_version \(version) is not 1") }
        guard let builds = report["builds"] as? [[String: Any]] else { throw BaselineError("no builds array") }
        var verdicts: [Key: Verdict] = [:]
        for (index, build) in builds.enumerated() {
            guard let name = build["name"] as? String, let raw = build["verdict"] as? String, let verdict = Verdict(rawValue: raw) else {
                throw BaselineError("build \(index + 1) has no name or no known verdict")
            }
            verdicts[Key(name: name, arch: build["arch"] as? String)] = verdict
        }
        self.verdicts = verdicts
    }

    /// How `result` differs from this baseline.
    public func compare(with result: AuditResult) -> BaselineComparison {
        var comparison = BaselineComparison()
        var seen = Set<Key>()
        for build in result.builds {
            let key = Key(name: build.name, arch: build.arch)
            seen.insert(key)
            guard let before = verdicts[key] else {
                comparison.new.append(key)
                continue
            }
            if before == build.verdict {
                comparison.unchanged.append(key)
            } else {
                let change = BaselineComparison.Change(key: key, before: before, after: build.verdict)
                if before == .enabled { comparison.regressions.append(change) } else { comparison.changed.append(change) }
            }
        }
        comparison.vanished = verdicts.keys.filter { !seen.contains($0) }
        comparison.sort()
        return comparison
    }
}

/// Why a baseline report could not be read.
public struct BaselineError: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The difference between a run and its baseline.
public struct BaselineComparison: Sendable, Hashable {
    public struct Change: Sendable, Hashable {
        public var key: Baseline.Key
        public var before: Verdict
        public var after: Verdict
    }

    /// Builds that were `enabled` and are now anything else.
    public var regressions: [Change] = []
    /// Other verdict changes.
    public var changed: [Change] = []
    public var new: [Baseline.Key] = []
    public var vanished: [Baseline.Key] = []
    public var unchanged: [Baseline.Key] = []

    /// The regression of a build, if it is one.
    public func regression(of build: Build) -> Change? {
        regressions.first { $0.key == Baseline.Key(name: build.name, arch: build.arch) }
    }

    mutating func sort() {
        regressions.sort { $0.key < $1.key }
        changed.sort { $0.key < $1.key }
        new.sort()
        vanished.sort()
        unchanged.sort()
    }
}
