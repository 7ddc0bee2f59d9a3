internal import RPM

extension InputError.Kind {
    /// The kind of input problem an error thrown while reading an input is:
    /// an `InputError` keeps its own, an `RPMError` is classified by its kind.
    init(classifying error: any Error) {
        switch error {
        case let error as InputError: self = error.kind
        case let error as RPMError: self.init(error.kind)
        default: self = .other
        }
    }

    /// librpm's classification in the terms of an audit's input.
    init(_ kind: RPMError.Kind) {
        switch kind {
        case .notFound: self = .missing
        case .isDirectory, .unreadable, .database: self = .unreadable
        case .notAnRPM, .unsupportedCompressor: self = .unsupported
        case .truncatedHeader, .corruptHeader, .truncatedPayload, .corruptPayload, .digestMismatch, .specParse: self = .corrupt
        case .limitExceeded: self = .tooLarge
        case .specWorker: self = .specEvaluation
        default: self = .other
        }
    }
}
