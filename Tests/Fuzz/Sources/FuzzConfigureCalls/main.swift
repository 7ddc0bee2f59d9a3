// Fuzz target: configure calls and flags in expanded `%build` shell text, followed as the
// shell runs it (`ConfigureCalls.find(in:)`, `emulatorCalls`, `hasFlag`, `reading(of:)`).
// Invariants: no crash or hang; every call's line lies inside the text; a switch reading
// points at a known argument spelling one of its flags.
import FuzzSupport
@_spi(Fuzzing) import SnapCheck

exit(runFuzzer { data, size in
    let text = String(decoding: fuzzBytes(data, size), as: UTF8.self)
    let calls = ConfigureCalls.find(in: text)
    let lineCount = text.utf8.reduce(1) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
    for call in calls {
        require((1...lineCount).contains(call.lineInSection), "line \(call.lineInSection) outside 1...\(lineCount)")
        require(!call.program.isEmpty, "empty program")
        _ = call.hasFlag("--disable-live-block-ops")
        let flags = ["--enable-live-block-ops", "--disable-live-block-ops"]
        let reading = call.reading(of: flags)
        if let position = reading.position {
            require(call.arguments[position].isKnown && flags.contains(call.arguments[position].text), "reading points at \(call.arguments[position])")
        }
        require(reading.hidden.allSatisfy { !$0.isKnown }, "a known argument reported as hidden")
    }
    for main in ConfigureCalls.emulatorCalls(in: calls) {
        require(calls.contains(main), "emulator call is not one of the calls")
    }
    return 0
})
