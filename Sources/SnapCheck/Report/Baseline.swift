import Foundation
internal import RPM

/// The builds and verdicts of an earlier JSON report (`--baseline previous.json`).
///
/// Like is compared with like: a build tonight is compared with the baseline's
/// build of the same name, epoch, version, release and arch when there is one
/// (one run may hold several versions of a package: each meets its own), else
/// with the baseline's newest build of its name and arch by rpm's version
/// order (tonight's release is new by definition). A name and arch the
/// baseline has and tonight does not is *vanished*; one the baseline lacks is *new*.
public struct Baseline: Sendable, Hashable {
    /// A build's place across runs, whatever its version: `name arch`.
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

    /// One build of a run: what it is and what it was found to be.
    public struct Entry: Sendable, Hashable {
        public var name: String
        public var epoch: UInt32?
        public var version: String
        public var release: String
        public var arch: String?
        public var verdict: Verdict

        public init(name: String, epoch: UInt32?, version: String, release: String, arch: String?, verdict: Verdict) {
            self.name = name
            self.epoch = epoch
            self.version = version
            self.release = release
            self.arch = arch
            self.verdict = verdict
        }

        public init(_ build: Build) {
            self.init(
                name: build.name, epoch: build.epoch, version: build.version, release: build.release, arch: build.arch,
                verdict: build.verdict)
        }

        public var key: Key { Key(name: name, arch: arch) }
        /// `name-[epoch:]version-release`, as reports name builds.
        public var displayName: String {
            "\(name)-\(PackageHeader.evr(epoch: epoch, version: version, release: release))"
        }

        /// Same package, epoch, version, release and arch.
        func isSameBuild(as other: Entry) -> Bool {
            (name, epoch ?? 0, version, release, arch) == (
                other.name, other.epoch ?? 0, other.version, other.release, other.arch
            )
        }

        /// rpm's version order (`compareRPMEVR`).
        func isOlder(than other: Entry) -> Bool {
            compareRPMEVR((epoch, version, release), (other.epoch, other.version, other.release)) < 0
        }
    }

    public var entries: [Entry]

    public init(entries: [Entry]) {
        self.entries = entries
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
        entries = try builds.enumerated().map { index, build in
            guard let name = build["name"] as? String, let raw = build["verdict"] as? String,
                let verdict = Verdict(rawValue: raw)
            else {
                throw BaselineError("build \(index + 1) has no name or no known verdict")
            }
            return Entry(
                name: name, epoch: (build["epoch"] as? NSNumber).map { $0.uint32Value },
                version: build["version"] as? String ?? "", release: build["release"] as? String ?? "",
                arch: build["arch"] as? String, verdict: verdict)
        }
    }

    /// The baseline build `build` is compared with: the same build, else the
    /// newest of its name and arch; nil when the baseline has neither.
    func counterpart(of build: Entry) -> Entry? {
        if let same = entries.first(where: { $0.isSameBuild(as: build) }) { return same }
        return newest(of: build.key)
    }

    func newest(of key: Key) -> Entry? {
        entries.filter { $0.key == key }.max { $0.isOlder(than: $1) }
    }

    /// How `builds` differ from this baseline.
    public func compare(with builds: [Build]) -> BaselineComparison {
        var comparison = BaselineComparison()
        var seen = Set<Key>()
        for build in builds {
            let tonight = Entry(build)
            seen.insert(tonight.key)
            guard let before = counterpart(of: tonight) else {
                comparison.new.append(tonight)
                continue
            }
            if before.verdict == build.verdict {
                comparison.unchanged.append(tonight)
            } else {
                let change = BaselineComparison.Change(build: tonight, baseline: before)
                if before.verdict == .enabled {
                    comparison.regressions.append(change)
                } else {
                    comparison.changed.append(change)
                }
            }
        }
        let gone = Set(entries.map(\.key)).subtracting(seen)
        comparison.vanished = gone.sorted().compactMap { newest(of: $0) }.map {
            BaselineComparison.Vanished(baseline: $0)
        }
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
    /// A verdict that changed: tonight's build and the baseline build it was compared with.
    public struct Change: Sendable, Hashable {
        public var build: Baseline.Entry
        public var baseline: Baseline.Entry

        public var key: Baseline.Key { build.key }
        public var before: Verdict { baseline.verdict }
        public var after: Verdict { build.verdict }
    }

    /// A name and arch of the baseline with no build tonight.
    public struct Vanished: Sendable, Hashable {
        /// The newest baseline build of that name and arch.
        public var baseline: Baseline.Entry
        /// A waiver that matched it, if any (`Policy.waivers`).
        public var waiver: AppliedWaiver?

        public var key: Baseline.Key { baseline.key }
    }

    /// Builds that were `enabled` and are now anything else.
    public var regressions: [Change] = []
    /// Other verdict changes.
    public var changed: [Change] = []
    public var new: [Baseline.Entry] = []
    public var vanished: [Vanished] = []
    public var unchanged: [Baseline.Entry] = []

    /// The regression of a build, if it is one.
    public func regression(of build: Build) -> Change? {
        let entry = Baseline.Entry(build)
        return regressions.first { $0.build.isSameBuild(as: entry) }
    }

    /// Whether `build` is new since the baseline (its name and arch were not there).
    public func isNew(_ build: Build) -> Bool {
        let entry = Baseline.Entry(build)
        return new.contains { $0.isSameBuild(as: entry) }
    }

    /// Whether `build` has the verdict its baseline counterpart had.
    public func isUnchanged(_ build: Build) -> Bool {
        let entry = Baseline.Entry(build)
        return unchanged.contains { $0.isSameBuild(as: entry) }
    }

    mutating func sort() {
        func order(_ a: Baseline.Entry, _ b: Baseline.Entry) -> Bool {
            a.key != b.key ? a.key < b.key : a.isOlder(than: b)
        }
        regressions.sort { order($0.build, $1.build) }
        changed.sort { order($0.build, $1.build) }
        new.sort(by: order)
        unchanged.sort(by: order)
    }
}
