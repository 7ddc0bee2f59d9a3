// Fuzz target: baseline JSON reading (`Baseline(jsonBytes:)`).
// Invariants: no crash, hang or stack overflow on deep nesting; an error is one line.
import FuzzSupport
@_spi(Fuzzing) import SnapCheck

exit(runFuzzer { data, size in
    do {
        let baseline = try Baseline(jsonBytes: fuzzBytes(data, size))
        // Matching orders entries by rpm's version comparison, over whatever versions the input holds.
        let comparison = baseline.compare(with: [])
        require(comparison.vanished.count == Set(baseline.entries.map(\.key)).count, "every name and arch vanishes against an empty run")
    } catch let error as BaselineError {
        requireOneLine(error.description)
    } catch {
        require(false, "unexpected error type \(type(of: error))")
    }
    return 0
})
