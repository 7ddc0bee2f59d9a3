/// Turns an audit result into the bytes of one output format.
///
/// Contract every renderer meets: it is pure (the same result in gives the
/// same bytes out: no clock, no environment, no locale), it renders every
/// build and every input error, and its output ends with a newline.
public protocol ReportRenderer: Sendable {
    func render(_ result: AuditResult) -> [UInt8]
}

/// The output formats, by the name `--format` takes.
public enum ReportFormat: String, Sendable, CaseIterable {
    case text
    case json
    case junit
    case sarif
    case html

    /// The renderer for this format.
    public func renderer(verbose: Bool = false, color: Bool = false) -> any ReportRenderer {
        switch self {
        case .text: TextRenderer(verbose: verbose, color: color)
        case .json: JSONRenderer()
        case .junit: JUnitRenderer()
        case .sarif: SARIFRenderer()
        case .html: HTMLRenderer()
        }
    }
}

/// The tool's name and version, as reports print them.
public enum Tool: Sendable {
    public static let name = "snapcheck"
    public static let version = "0.1.0"
}
