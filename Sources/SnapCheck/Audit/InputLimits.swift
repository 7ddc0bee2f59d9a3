internal import RPM

/// What one input may cost (Docs/hardening.md, "Input limits snapcheck
/// enforces"). The defaults are far above every real QEMU build (emulators
/// are 10–40 MB) and bound a crafted one: a package whose emulator is padded
/// to 1 GiB of zeros is refused from its header, before anything is decoded.
public struct InputLimits: Sendable, Hashable {
    /// Size of one emulator executable: as a package header declares it, or
    /// of an executable input or an installed emulator file.
    public var emulatorBytes = 64 << 20
    /// Bytes of one package's uncompressed payload archive decoded to reach
    /// what is read (its emulators, an SRPM's spec and scripts), the files
    /// skipped on the way included.
    public var payloadBytes = 512 << 20
    /// Wall time of one package's payload stream.
    public var payloadTime: Duration = .seconds(120)

    public init() {}

    /// The limits of one payload stream.
    var payload: PayloadLimits { PayloadLimits(archiveBytes: UInt64(payloadBytes), time: payloadTime) }

    /// `128 MiB`, `1 KiB`, or `16192 bytes`: how messages name a size or a limit.
    static func describe<Size: BinaryInteger>(_ bytes: Size) -> String {
        if bytes > 0, bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
        if bytes > 0, bytes % (1 << 10) == 0 { return "\(bytes >> 10) KiB" }
        return "\(bytes) bytes"
    }
}
