internal import RPM

/// What one input contributes before it is grouped into a build.
package struct Observation: Sendable {
    package var input: AuditedInput
    /// The source package `name-version-release` this input belongs to, when known.
    var sourceNVR: String?
    var name: String
    var epoch: UInt32?
    var version: String
    var release: String
    /// A binary package's arch; `nil` for inputs that join every arch of their build
    /// (spec, SRPM, noarch packages, captures).
    var arch: String?
    /// Arch-independent evidence: headers, executables.
    var evidence: [Evidence]
    /// Evidence that can only be read once the build is known.
    var pending: Pending?

    enum Pending: Sendable {
        /// A spec to evaluate for the build's arch (already evaluated for `evaluatedArch`,
        /// which gave its `ExclusiveArch`/`ExcludeArch` as `arches`).
        case spec(SpecMaterial, evaluatedArch: String?, evidence: [Evidence], arches: SpecArches)
        /// A QMP capture; how far it proves depends on whether the build is downstream.
        case capture(QMPCapture)
    }
}

/// A spec's text and helper scripts, ready to evaluate for any arch.
struct SpecMaterial: Sendable {
    /// How the report names the spec: a path, or `pkg.src.rpm:name.spec`.
    var displayPath: String
    var text: String
    /// Helper scripts by file name.
    var helpers: [String: (path: String, text: String)]
    /// The text as rpm is given it, prepared once for every arch it is evaluated for.
    let preparations = SpecPreparations()
}

/// A spec's `ExclusiveArch` and `ExcludeArch` tags, as rpm expanded them.
struct SpecArches: Sendable, Hashable {
    var exclusive: [String]
    var excluded: [String]

    init(exclusive: [String], excluded: [String]) {
        self.exclusive = exclusive
        self.excluded = excluded
    }

    init(_ parsed: ParsedSpec) {
        exclusive = parsed.sourcePackage.exclusiveArch
        excluded = parsed.sourcePackage.excludeArch
    }
}

/// What reading one input gives: what it contributes, or why it contributes
/// nothing. What cannot be audited is thrown as an `InputError` instead.
package enum InputOutcome: Sendable {
    case observed(Observation)
    case skipped(Skipped)
}

/// Why an input contributes nothing, found by walking a directory: a package
/// that is not a QEMU build, or a file that is no input at all (a Koji
/// `metadata.json`, last night's report written into the tree). Counted,
/// never an error: a named input that is neither is an `InputError`.
package struct Skipped: Sendable {
    var path: String
    var reason: String
    /// A package (counted in `skipped`), or another file (`skippedFiles`).
    var isPackage = true
}
