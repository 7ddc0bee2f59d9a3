// Fuzz target: the helper-script positional mapper (`HelperScriptMap(script:)`).
// Invariants: no crash or hang; lines and positions point into what was read.
import FuzzSupport
@_spi(Fuzzing) import SnapCheck

exit(runFuzzer { data, size in
    let script = String(decoding: fuzzBytes(data, size), as: UTF8.self)
    let map = HelperScriptMap(script: script)
    let lineCount = script.utf8.reduce(1) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
    if let line = map.liveBlockOpsLine {
        require((1...lineCount).contains(line), "live block ops line \(line) outside 1...\(lineCount)")
        require(map.liveBlockOpsParameter != nil, "a line without a parameter")
    }
    if let position = map.liveBlockOpsPosition {
        require(position >= 0 && position < map.parameterNames.count, "position \(position) past \(map.parameterNames.count) names")
    }
    for name in map.parameterNames where !name.isEmpty {
        if let line = map.assignmentLine(of: name) {
            require((1...lineCount).contains(line), "assignment line \(line) outside 1...\(lineCount)")
        } else {
            require(false, "\(name) has no assignment line")
        }
    }
    return 0
})
