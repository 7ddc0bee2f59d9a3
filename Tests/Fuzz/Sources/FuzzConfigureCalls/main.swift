// Fuzz target: configure calls and flags in expanded `%build` shell text
// (`ConfigureCalls.find(in:)`, `mainEmulatorCall`, `hasFlag`).
// Invariants: no crash or hang; every call's line lies inside the text.
import FuzzSupport
import SnapCheck

exit(runFuzzer { data, size in
    let text = String(decoding: fuzzBytes(data, size), as: UTF8.self)
    let calls = ConfigureCalls.find(in: text)
    let lineCount = text.utf8.reduce(1) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
    for call in calls {
        require((1...lineCount).contains(call.lineInSection), "line \(call.lineInSection) outside 1...\(lineCount)")
        require(!call.program.isEmpty, "empty program")
        _ = call.hasFlag("--disable-live-block-ops")
        _ = call.hasFlag("--enable-live-block-ops")
    }
    if let main = ConfigureCalls.mainEmulatorCall(in: calls) {
        require(calls.contains(main), "main call is not one of the calls")
    }
    return 0
})
