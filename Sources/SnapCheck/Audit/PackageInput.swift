package import RPM

/// A package file read for its header alone (`snapcheck header`), opened and
/// refused exactly as an audit input is, so each problem has the same words
/// in every subcommand.
package enum PackageInput {
    /// The header of the RPM or SRPM at `path`.
    package static func header(at path: String) throws(InputError) -> PackageHeader {
        let file = try InputFile(path: path)
        let prefix = try file.read(upTo: 8)
        if prefix.isEmpty { throw InputError(.unsupported, input: path, message: "empty file") }
        guard prefix.starts(with: leadMagic) else {
            throw InputError(.unsupported, input: path, message: "not an RPM package")
        }
        do {
            return try PackageFile(descriptor: file.descriptor, path: path).header
        } catch let error as RPMError {
            throw InputError(.init(error.kind), input: path, message: error.summary)
        } catch {
            throw InputError(.other, input: path, message: "\(error)")
        }
    }

    /// The first bytes of every RPM package (its lead).
    static let leadMagic: [UInt8] = [0xED, 0xAB, 0xEE, 0xDB]
}
