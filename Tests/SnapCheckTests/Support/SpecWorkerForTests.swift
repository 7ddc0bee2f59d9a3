import Foundation
@_spi(Fuzzing) import SnapCheck
import TestSupport

extension SandboxedSpecEvaluator {
    /// The sandbox as tests use it: a built `snapcheck` serves as the worker,
    /// since the test runner is not a program that calls `SpecWorker.serveIfRequested()`.
    /// `$SNAPCHECK_SPEC_WORKER` wins (sanitizer runs name a plain debug build:
    /// the worker's address-space limit cannot hold sanitizer shadow memory).
    static func forTests(timeout: Duration = .seconds(10), cpuSeconds: Int = 10) -> SandboxedSpecEvaluator {
        let named = ProcessInfo.processInfo.environment["SNAPCHECK_SPEC_WORKER"].flatMap { $0.isEmpty ? nil : $0 }
        return SandboxedSpecEvaluator(
            workerPath: named ?? SnapCheckBinary.url.path, timeout: timeout, cpuSeconds: cpuSeconds)
    }
}
