// What every fuzz target shares: the libFuzzer driver call and small invariant checks.
//
// Each target is a `main.swift` whose top-level code hands its callback to
// `LLVMFuzzerRunDriver` (libFuzzer's entry point for programs that own `main`; SwiftPM
// aliases `main` to the target's own entry point, which wins over libFuzzer's `main`).

#if canImport(Glibc)
@_exported import Glibc
#endif

public typealias FuzzCallback = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: FuzzCallback
) -> CInt

/// Runs libFuzzer with the process arguments over `callback`; returns its exit status.
public func runFuzzer(_ callback: FuzzCallback) -> CInt {
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    return LLVMFuzzerRunDriver(&argc, &argv, callback)
}

/// The input as an array (an empty input may come with a nil pointer).
public func fuzzBytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
}

/// Crashes (a finding) unless `condition` holds.
public func require(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError("invariant broken: \(message())") }
}

/// Crashes unless an error message is one non-empty line, as snapcheck promises.
public func requireOneLine(_ message: String) {
    require(!message.isEmpty && !message.contains("\n") && !message.contains("\r"), "error is not one line: \(message.debugDescription)")
}
