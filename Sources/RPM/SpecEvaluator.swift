internal import CRPM

#if canImport(Glibc)
    import Glibc
#endif

/// A macro definition given on the command line, like `rpmbuild --define 'name value'`.
public struct MacroDefinition: Sendable, Hashable, Codable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// How to evaluate a spec file: the `rpmbuild` options that change a parse,
/// and what to read back from the macro state right after it.
public struct SpecOptions: Sendable, Hashable, Codable {
    /// Like `rpmbuild --undefine NAME`: removed (every level) before `defines` apply.
    public var undefines: [String]
    /// Like `rpmbuild --define 'name value'` (level `RMIL_CMDLINE`), in order.
    public var defines: [MacroDefinition]
    /// Like `--with NAME`: defines `_with_NAME` as `--with-NAME`.
    public var with: [String]
    /// Like `--without NAME`: defines `_without_NAME` as `--without-NAME`.
    public var without: [String]
    /// Like `--target ARCH` (e.g. `"ppc64le"`); `nil` is the host.
    public var targetArch: String?
    /// `%_sourcedir`, where `%include` and `SOURCE` lookups go.
    public var sourceDirectory: String?
    /// Macro names whose values are read right after the parse; undefined ones are absent.
    public var macrosToRead: [String]
    /// Macro expressions expanded right after the parse, e.g. `"%{with rhev_features}"`.
    public var expressions: [String]

    public init(
        undefines: [String] = [], defines: [MacroDefinition] = [], with: [String] = [], without: [String] = [],
        targetArch: String? = nil, sourceDirectory: String? = nil,
        macrosToRead: [String] = [], expressions: [String] = []
    ) {
        self.undefines = undefines
        self.defines = defines
        self.with = with
        self.without = without
        self.targetArch = targetArch
        self.sourceDirectory = sourceDirectory
        self.macrosToRead = macrosToRead
        self.expressions = expressions
    }
}

/// What a spec file defines, as librpmbuild parsed it.
public struct ParsedSpec: Sendable, Hashable, Codable {
    /// From `rpmSpecSourceHeader`: name, epoch, version, release, arch, …
    public var sourcePackage: PackageHeader
    /// Binary packages in spec order: name, epoch, version, release, provides,
    /// conflicts, obsoletes, exclusiveArch (the spec's, which librpm keeps in the
    /// source header only). No files: nothing was built.
    public var packages: [PackageHeader]
    /// The expanded `%prep`, `%build` and `%install` sections (`rpmSpecGetSection`).
    public var prep: String?
    public var build: String?
    public var install: String?
    /// Values of `SpecOptions.macrosToRead` that were defined.
    public var macros: [String: String]
    /// `SpecOptions.expressions`, each with its expanded value.
    public var expansions: [String: String]

    public init(
        sourcePackage: PackageHeader, packages: [PackageHeader], prep: String? = nil,
        build: String? = nil, install: String? = nil, macros: [String: String] = [:],
        expansions: [String: String] = [:]
    ) {
        self.sourcePackage = sourcePackage
        self.packages = packages
        self.prep = prep
        self.build = build
        self.install = install
        self.macros = macros
        self.expansions = expansions
    }
}

/// Evaluates spec files. The seam where spec evaluation can move into a
/// sandboxed worker process.
///
/// Contract: a parse is independent of every earlier parse (no macro state
/// carries over); failures throw `RPMError` of kind `.specParse` naming the
/// spec; implementations are safe to call from many threads at once.
public protocol SpecEvaluator: Sendable {
    /// Parses spec text that is not in a file (e.g. read from an SRPM payload).
    /// `displayName` names it in errors.
    func parse(contents: [UInt8], displayName: String, options: SpecOptions) throws -> ParsedSpec
    /// Parses the spec file at `path`.
    func parse(path: String, options: SpecOptions) throws -> ParsedSpec
    /// Parses the same spec text once for each of `options` (e.g. one per arch), in
    /// order, each parse independent of the others as for the single one; a
    /// failure is that parse's result alone.
    func parse(contents: [UInt8], displayName: String, each options: [SpecOptions]) -> [Result<ParsedSpec, any Error>]
}

extension SpecEvaluator {
    /// One parse after another.
    public func parse(contents: [UInt8], displayName: String, each options: [SpecOptions]) -> [Result<
        ParsedSpec, any Error
    >] {
        options.map { options in Result { try parse(contents: contents, displayName: displayName, options: options) } }
    }
}

/// Parses in this process with librpmbuild.
///
/// All parses in the process are serialized behind one lock (librpmbuild is
/// not thread-safe); after each parse, success or failure, the global macro
/// state is reset (`rpmFreeMacros(NULL)`, `rpmFreeRpmrc()`,
/// `rpmReadConfigFiles(NULL, NULL)`) so nothing leaks into the next one.
/// Spec text runs `%(...)` shell and Lua code with this process's rights:
/// only use it on trusted specs.
public struct InProcessSpecEvaluator: SpecEvaluator {
    /// Lua run in rpm's interpreter right before `rpmSpecParse`, after any
    /// reconfiguration for the target arch (which recreates the interpreter).
    /// The sandbox worker removes rpm's program-running and file-writing Lua
    /// functions with it; a failure to run it fails the parse.
    package var preludeLua: String?
    /// A text the prelude logs when it refuses the spec something: a parse
    /// whose log holds it fails, even when the spec's Lua caught the refusal.
    /// A failed shell expansion (`%(...)` reached at run time) fails it too.
    package var refusalMarker: String?

    public init() {}

    package init(preludeLua: String?, refusalMarker: String? = nil) {
        self.preludeLua = preludeLua
        self.refusalMarker = refusalMarker
    }

    /// Hands the bytes to librpm through a memfd (`/proc/self/fd/N`).
    public func parse(contents: [UInt8], displayName: String, options: SpecOptions) throws -> ParsedSpec {
        let fd = CRPM_memfd_create("snapcheck-spec", 1 /* MFD_CLOEXEC */)
        guard fd >= 0 else {
            let err = errno
            throw RPMError(
                .specParse, operation: "memfd_create", path: displayName, code: err,
                message: String(cString: strerror(err)))
        }
        defer { close(fd) }
        var written = 0
        try contents.withUnsafeBytes { bytes in
            while written < bytes.count {
                let n = write(fd, bytes.baseAddress! + written, bytes.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    let err = errno
                    throw RPMError(
                        .specParse, operation: "write", path: displayName, code: err,
                        message: String(cString: strerror(err)))
                }
                written += n
            }
        }
        return try Self.parseLocked(
            specPath: "/proc/self/fd/\(fd)", displayName: displayName, options: options,
            preludeLua: preludeLua, refusalMarker: refusalMarker)
    }

    public func parse(path: String, options: SpecOptions) throws -> ParsedSpec {
        var st = stat()
        if stat(path, &st) != 0 {
            let err = errno
            throw RPMError(
                err == ENOENT ? .notFound : .unreadable, operation: "stat", path: path, code: err,
                message: String(cString: strerror(err)))
        }
        if st.st_mode & 0o170000 == 0o040000 {
            throw RPMError(.isDirectory, operation: "stat", path: path, message: "is a directory")
        }
        return try Self.parseLocked(
            specPath: path, displayName: path, options: options, preludeLua: preludeLua, refusalMarker: refusalMarker)
    }

    /// Why a parse whose log is `messages` fails though rpm parsed it: the
    /// prelude refused the spec something, or a shell expansion was tried.
    private static func refusal(in messages: String, marker: String?) -> String? {
        guard let marker else { return nil }
        if let range = messages.firstRange(of: marker) {
            var what = messages[range.upperBound...].prefix { $0 != ";" }
            while what.last == " " { what = what.dropLast() }
            return """
                the spec's Lua asked for \(what), which the sandbox refuses: a spec that can tell the sandbox from a \
                build is not evaluated here (--trust-spec runs it)
                """
        }
        if messages.contains("Failed to open shell expansion pipe") {
            return
                "the spec reached a shell expansion at run time, which the sandbox does not run (--trust-spec runs it)"
        }
        return nil
    }

    private static func parseLocked(
        specPath: String, displayName: String, options: SpecOptions,
        preludeLua: String?, refusalMarker: String?
    ) throws -> ParsedSpec {
        try LibRPM.exclusive(operation: "rpmSpecParse", path: displayName) {
            LogCapture.begin()
            defer {
                // Reset whatever the parse (or its options) left in the macro context.
                rpmFreeMacros(nil)
                rpmFreeRpmrc()
                _ = rpmReadConfigFiles(nil, nil)
                _ = LogCapture.take()
            }
            if let target = options.targetArch {
                rpmFreeMacros(nil)
                rpmFreeRpmrc()
                if rpmReadConfigFiles(nil, target) != 0 {
                    throw RPMError(
                        .specParse, operation: "rpmReadConfigFiles", path: displayName,
                        message: "cannot configure target '\(target)': \(LogCapture.take())")
                }
            }
            for name in options.undefines {
                while rpmMacroIsDefined(nil, name) != 0, rpmPopMacro(nil, name) == 0 {}
            }
            let cmdline = Int32(RMIL_CMDLINE)
            var definitions = options.defines.map { "\($0.name) \($0.value)" }
            definitions += options.with.map { "_with_\($0) --with-\($0)" }
            definitions += options.without.map { "_without_\($0) --without-\($0)" }
            if let dir = options.sourceDirectory {
                definitions.append("_sourcedir \(LibRPM.escapeMacros(dir))")
            }
            for definition in definitions where rpmDefineMacro(nil, definition, cmdline) != 0 {
                throw RPMError(
                    .specParse, operation: "rpmDefineMacro", path: displayName,
                    message: "bad macro definition '\(definition)': \(LogCapture.take())")
            }

            if let lua = preludeLua {
                _ = LibRPM.takeString(CRPM_expand("%{lua:\(lua)}"))
                let messages = LogCapture.take()
                if messages.contains("error: ") {
                    throw RPMError(
                        .specParse, operation: "rpmExpand", path: displayName,
                        message: "the Lua prelude failed: \(messages)")
                }
            }
            let flags = rpmSpecFlags(RPMSPEC_ANYARCH.rawValue | RPMSPEC_FORCE.rawValue)
            guard let raw = rpmSpecParse(LibRPM.escapeMacros(specPath), flags, nil) else {
                var messages = LogCapture.take()
                if let refusal = refusal(in: messages, marker: refusalMarker) {
                    throw RPMError(.specRefused, operation: "rpmSpecParse", path: displayName, message: refusal)
                }
                if specPath != displayName { messages = messages.replacing(specPath, with: displayName) }
                throw RPMError(
                    .specParse, operation: "rpmSpecParse", path: displayName,
                    message: messages.isEmpty ? "cannot parse the spec file" : messages)
            }
            // The spec is freed when this call returns, before the reset in `defer`.
            func copyOut(_ spec: SpecHandle) -> ParsedSpec { spec.parsed(options: options) }
            let parsed = copyOut(SpecHandle(owning: raw))
            // The expressions read after the parse ran the spec's macros too.
            if let refusal = refusal(in: LogCapture.take(), marker: refusalMarker) {
                throw RPMError(.specRefused, operation: "rpmSpecParse", path: displayName, message: refusal)
            }
            return parsed
        }
    }
}

extension SpecHandle {
    /// Copies everything out of the parsed spec and the macro state; call under the parse lock.
    func parsed(options: SpecOptions) -> ParsedSpec {
        var source = PackageHeader(name: "", version: "", release: "", arch: "")
        if let h = rpmSpecSourceHeader(raw) {
            source = PackageHeader(header: HeaderHandle(borrowing: h))
            source.isSource = true
        }
        var packages: [PackageHeader] = []
        if let iter = rpmSpecPkgIterInit(raw) {
            defer { rpmSpecPkgIterFree(iter) }
            while let pkg = rpmSpecPkgIterNext(iter) {
                guard let h = rpmSpecPkgHeader(pkg) else { continue }
                var header = PackageHeader(header: HeaderHandle(borrowing: h))
                header.isSource = false
                // ExclusiveArch is spec-wide: librpm keeps it in the source header only.
                if header.exclusiveArch.isEmpty { header.exclusiveArch = source.exclusiveArch }
                packages.append(header)
            }
        }
        func section(_ s: rpmBuildFlags_e) -> String? {
            rpmSpecGetSection(raw, Int32(s.rawValue)).map { String(cString: $0) }
        }
        var macros: [String: String] = [:]
        for name in options.macrosToRead where rpmMacroIsDefined(nil, name) != 0 {
            macros[name] = LibRPM.takeString(CRPM_expand("%{\(name)}"))
        }
        var expansions: [String: String] = [:]
        for expression in options.expressions {
            expansions[expression] = LibRPM.takeString(CRPM_expand(expression)) ?? ""
        }
        return ParsedSpec(
            sourcePackage: source, packages: packages,
            prep: section(RPMBUILD_PREP), build: section(RPMBUILD_BUILD),
            install: section(RPMBUILD_INSTALL), macros: macros, expansions: expansions)
    }
}
