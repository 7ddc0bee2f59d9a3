internal import CRPM

#if canImport(Glibc)
    import Glibc
#endif

extension HeaderHandle {
    func string(_ tag: rpmTag_e) -> String? {
        guard let p = headerGetString(raw, rpmTagVal(tag.rawValue)) else { return nil }
        return String(cString: p)
    }

    func has(_ tag: rpmTag_e) -> Bool {
        headerIsEntry(raw, rpmTagVal(tag.rawValue)) != 0
    }

    func number(_ tag: rpmTag_e) -> UInt64? {
        has(tag) ? headerGetNumber(raw, rpmTagVal(tag.rawValue)) : nil
    }

    /// Calls `body` for each element of the tag's data (arrays and scalars alike).
    private func forEachElement(_ tag: rpmTag_e, _ body: (UnsafeMutablePointer<rpmtd_s>) -> Void) {
        var td = rpmtd_s()
        withUnsafeMutablePointer(to: &td) { td in
            guard headerGet(raw, rpmTagVal(tag.rawValue), td, headerGetFlags(HEADERGET_MINMEM.rawValue)) != 0 else {
                return
            }
            defer { rpmtdFreeData(td) }
            while rpmtdNext(td) >= 0 { body(td) }
        }
    }

    /// The elements of a string array tag, through `rpmtd` iteration.
    func strings(_ tag: rpmTag_e) -> [String] {
        var out: [String] = []
        forEachElement(tag) { td in
            if let s = rpmtdGetString(td) { out.append(String(cString: s)) }
        }
        return out
    }

    /// The elements of an integer array tag, through `rpmtd` iteration.
    func numbers(_ tag: rpmTag_e) -> [UInt64] {
        var out: [UInt64] = []
        forEachElement(tag) { td in out.append(rpmtdGetNumber(td)) }
        return out
    }

    func dependencies(_ tag: rpmTag_e) -> [Dependency] {
        guard let ds = rpmdsNew(raw, rpmTagVal(tag.rawValue), 0) else { return [] }
        defer { rpmdsFree(ds) }
        var out: [Dependency] = []
        while rpmdsNext(ds) >= 0 {
            guard let n = rpmdsN(ds) else { continue }
            let flags = UInt32(rpmdsFlags(ds))
            var comparison: Dependency.Comparison = []
            if flags & RPMSENSE_LESS.rawValue != 0 { comparison.insert(.less) }
            if flags & RPMSENSE_GREATER.rawValue != 0 { comparison.insert(.greater) }
            if flags & RPMSENSE_EQUAL.rawValue != 0 { comparison.insert(.equal) }
            var evr: String?
            if let e = rpmdsEVR(ds), e.pointee != 0, !comparison.isEmpty { evr = String(cString: e) }
            out.append(Dependency(name: String(cString: n), comparison: evr == nil ? [] : comparison, evr: evr))
        }
        return out
    }

    func changelog() -> [ChangelogEntry] {
        let times = numbers(RPMTAG_CHANGELOGTIME)
        let names = strings(RPMTAG_CHANGELOGNAME)
        let texts = strings(RPMTAG_CHANGELOGTEXT)
        let n = min(times.count, names.count, texts.count)
        return (0..<n).map { ChangelogEntry(time: Int64(times[$0]), author: names[$0], text: texts[$0]) }
    }

    func fileEntries() -> [FileEntry] {
        guard let files = FileSet(header: self, keepHeader: false) else { return [] }
        return files.entries()
    }
}

extension FileSet {
    /// `rpmfilesFN`, owned and freed here.
    func path(at ix: Int) -> String {
        LibRPM.takeString(rpmfilesFN(raw, Int32(ix))) ?? ""
    }

    func entries() -> [FileEntry] {
        let paths = (0..<count).map(path(at:))
        return (0..<count).map { ix in
            let mode = UInt32(rpmfilesFMode(raw, Int32(ix)))
            let target = mode & 0o170000 == 0o120000 ? rpmfilesFLink(raw, Int32(ix)).map { String(cString: $0) } : nil
            return FileEntry(
                path: paths[ix], mode: mode, size: UInt64(rpmfilesFSize(raw, Int32(ix))),
                linkTarget: target,
                isSpecFile: rpmfilesFFlags(raw, Int32(ix)) & RPMFILE_SPECFILE.rawValue != 0,
                hardLinks: linkSet(of: ix).filter { $0 != ix }.map { paths[$0] })
        }
    }

    /// The indices of the hard-link set `ix` belongs to (`rpmfilesFLinks`), in
    /// archive order; just `[ix]` without one.
    func linkSet(of ix: Int) -> [Int] {
        var links: UnsafePointer<Int32>?
        let count = rpmfilesFLinks(raw, Int32(ix), &links)
        guard count > 1, let links else { return [ix] }
        return (0..<Int(count)).map { Int(links[$0]) }
    }

    func isGhost(at ix: Int) -> Bool {
        rpmfilesFFlags(raw, Int32(ix)) & RPMFILE_GHOST.rawValue != 0
    }

    /// Whether the archive holds this entry's bytes: not for the other
    /// members of a hard-link set (only the last carries the content) and
    /// not for directories and devices.
    func carriesContent(at ix: Int) -> Bool {
        let mode = rpmfilesFMode(raw, Int32(ix)) & 0o170000
        if mode == 0o120000 { return true }  // a symlink's target is in the archive
        guard mode == 0o100000 else { return false }
        return linkSet(of: ix).last == ix
    }

    /// The file's digest in the header and its algorithm, or nil when it has none.
    func digest(at ix: Int) -> (algorithm: Int32, bytes: [UInt8])? {
        var algorithm: Int32 = 0
        var length = 0
        guard let p = rpmfilesFDigest(raw, Int32(ix), &algorithm, &length), length > 0 else { return nil }
        return (algorithm, Array(UnsafeBufferPointer(start: p, count: length)))
    }
}

extension PackageHeader {
    /// Copies every field out of a librpm header.
    init(header h: HeaderHandle) {
        let epoch = h.number(RPMTAG_EPOCH).map { UInt32(truncatingIfNeeded: $0) }
        self.init(
            name: h.string(RPMTAG_NAME) ?? "",
            epoch: epoch,
            version: h.string(RPMTAG_VERSION) ?? "",
            release: h.string(RPMTAG_RELEASE) ?? "",
            arch: h.string(RPMTAG_ARCH) ?? "",
            isSource: headerIsSource(h.raw) != 0,
            sourceRPM: h.string(RPMTAG_SOURCERPM),
            buildHost: h.string(RPMTAG_BUILDHOST),
            buildTime: h.number(RPMTAG_BUILDTIME).map { Int64($0) },
            payloadCompressor: h.string(RPMTAG_PAYLOADCOMPRESSOR) ?? "gzip",
            provides: h.dependencies(RPMTAG_PROVIDENAME),
            requires: h.dependencies(RPMTAG_REQUIRENAME),
            conflicts: h.dependencies(RPMTAG_CONFLICTNAME),
            obsoletes: h.dependencies(RPMTAG_OBSOLETENAME),
            exclusiveArch: h.strings(RPMTAG_EXCLUSIVEARCH),
            excludeArch: h.strings(RPMTAG_EXCLUDEARCH),
            sources: h.strings(RPMTAG_SOURCE),
            changelog: h.changelog(),
            files: h.fileEntries()
        )
    }
}
