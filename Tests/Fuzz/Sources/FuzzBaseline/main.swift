// Fuzz target: baseline JSON reading (`Baseline(jsonBytes:)`).
// Invariants: no crash, hang or stack overflow on deep nesting; an error is one line.
import FuzzSupport
@_spi(Fuzzing) import SnapCheck

exit(runFuzzer { data, size in
    do {
        let baseline = try Baseline(jsonBytes: fuzzBytes(data, size))
        _ = baseline.verdicts.keys.sorted()
    } catch let error as BaselineError {
        requireOneLine(error.description)
    } catch {
        require(false, "unexpected error type \(type(of: error))")
    }
    return 0
})
