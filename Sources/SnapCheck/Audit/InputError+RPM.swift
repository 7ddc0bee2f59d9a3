internal import RPM

extension InputError {
    /// `error`, met while reading `input`, as an input error: an `InputError`
    /// as it is; an `RPMError` classified by its kind and worded without its
    /// path when that is `input`; anything else `.other`, as it describes itself.
    package init(_ error: any Error, input: String?) {
        switch error {
        case let error as InputError: self = error
        case let error as RPMError:
            self.init(.init(error.kind), input: input, message: error.description(reportedOn: input))
        default: self.init(.other, input: input, message: "\(error)")
        }
    }
}

extension InputError.Kind {
    /// librpm's classification in the terms of an audit's input.
    init(_ kind: RPMError.Kind) {
        switch kind {
        case .notFound: self = .missing
        case .isDirectory, .unreadable, .database: self = .unreadable
        case .notAnRPM, .unsupportedCompressor: self = .unsupported
        case .truncatedHeader, .corruptHeader, .truncatedPayload, .corruptPayload, .digestMismatch, .specParse:
            self = .corrupt
        case .limitExceeded: self = .tooLarge
        case .specWorker, .specRefused: self = .specEvaluation
        default: self = .other
        }
    }
}
