// Fuzz target: QMP capture reading (`QMPCapture(bytes:)`) and the content sniff.
// Invariants: no crash or hang; listings sorted; an error is one line.
import FuzzSupport
import SnapCheck

exit(runFuzzer { data, size in
    let bytes = fuzzBytes(data, size)
    _ = QMPCapture.looksLikeCapture(bytes)
    do {
        let capture = try QMPCapture(bytes: bytes)
        if let commands = capture.commands { require(commands == commands.sorted(), "commands not sorted") }
        require(capture.commandNotFound == Array(Set(capture.commandNotFound)).sorted(), "commandNotFound not sorted and unique")
    } catch let error as QMPCaptureError {
        requireOneLine(error.description)
    } catch {
        require(false, "unexpected error type \(type(of: error))")
    }
    return 0
})
