// Fuzz target: QMP capture reading (`QMPCapture(bytes:)`) and the content sniff.
// Invariants: no crash or hang; 1 to 64 sessions; listings sorted; an error is one line.
import FuzzSupport
@_spi(Fuzzing) import SnapCheck

exit(runFuzzer { data, size in
    let bytes = fuzzBytes(data, size)
    _ = QMPCapture.looksLikeCapture(bytes)
    do {
        let capture = try QMPCapture(bytes: bytes)
        require(!capture.sessions.isEmpty && capture.sessions.count <= QMPCapture.Limits().sessions, "session count")
        for session in capture.sessions {
            if let commands = session.commands?.value { require(commands == commands.sorted(), "commands not sorted") }
            let notFound = session.commandNotFound.map(\.value)
            require(notFound == Array(Set(notFound)).sorted(), "commandNotFound not sorted and unique")
        }
    } catch let error as QMPCaptureError {
        requireOneLine(error.description)
    } catch {
        require(false, "unexpected error type \(type(of: error))")
    }
    return 0
})
