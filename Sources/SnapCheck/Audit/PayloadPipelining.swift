import Foundation
internal import RPM

/// Whether a run streams emulator payloads pipelined (decoding on a second
/// thread; content digest and string scan on the reader's own), decided once
/// per run from its inputs, `--jobs` and the cores it may use.
///
/// A pipelined stream spends about the CPU time of a sequential one, spread
/// over two cores: it shortens one package's wall time when a core is idle,
/// and gains nothing when every core already has a reader (a `--jobs 2`
/// batch on two cores), where its hand-overs would only cost. `--jobs` is the
/// number of cores a run may keep busy, and a pipeline counts as a second
/// reader: so pipelined only when both the cores and `--jobs` allow two per
/// reader (Docs/performance.md). `--jobs 1` is sequential, as before.
enum PayloadPipelining {
    static func concurrency(jobs: Int, inputs: Int, cores: Int = availableCores) -> PayloadConcurrency {
        let readers = max(1, min(jobs, inputs))
        return min(jobs, cores) >= 2 * readers ? .pipelined : .sequential
    }

    /// The CPUs this process may run on: its affinity mask (`taskset`, a
    /// cpuset) as `/proc/self/status` gives it (`activeProcessorCount` ignores
    /// it), at most `activeProcessorCount`, which is the answer when the mask
    /// cannot be read.
    static var availableCores: Int {
        let active = ProcessInfo.processInfo.activeProcessorCount
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed:") })
        else { return active }
        let allowed = line.dropFirst("Cpus_allowed:".count).reduce(0) { count, digit in
            count + (digit.hexDigitValue ?? 0).nonzeroBitCount
        }
        return allowed > 0 ? min(allowed, active) : active
    }
}
