internal import CRPM

/// Arch names as librpm knows them.
public enum RPMArch: Sendable {
    /// Whether librpm's arch table (`arch_canon` in rpmrc) knows `name` as a
    /// machine arch, as `rpmbuild --target` would need it: `x86_64`, `ppc64le`,
    /// `aarch64`, `s390x`, `i686` are known; Debian's `ppc64el` and `arm64`,
    /// `noarch` and typos are not (librpm numbers an unknown arch 255).
    ///
    /// The corresponding C functions are `rpmReadConfigFiles` (with the arch
    /// as target) and `rpmGetArchInfo`; the configuration is read back for the
    /// host afterwards, under the lock every spec parse takes.
    public static func isKnown(_ name: String) -> Bool {
        guard !name.isEmpty, !name.contains("-"), (try? LibRPM.configure(operation: "rpmGetArchInfo", path: nil)) != nil
        else {
            return false
        }
        return LibRPM.stateLock.withWriteLock {
            LogCapture.begin()
            defer {
                rpmFreeMacros(nil)
                rpmFreeRpmrc()
                _ = rpmReadConfigFiles(nil, nil)
                _ = LogCapture.take()
            }
            rpmFreeMacros(nil)
            rpmFreeRpmrc()
            guard rpmReadConfigFiles(nil, name) == 0 else { return false }
            var canonical: UnsafePointer<CChar>?
            var number: Int32 = 0
            rpmGetArchInfo(&canonical, &number)
            return number != 255
        }
    }
}
