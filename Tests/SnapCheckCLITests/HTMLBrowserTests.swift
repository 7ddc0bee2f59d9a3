import Foundation
import TestSupport
import Testing

/// Debian's `chromium`, headless, on a local file: no network, a profile of its own,
/// bounded by `timeout` so a hung browser fails the test instead of the run.
enum HeadlessChromium {
    static func run(_ arguments: [String], page: String) throws -> CommandResult {
        let profile = try Scratch("chromium-profile")
        let result = try Command.run(
            "/usr/bin/timeout",
            [
                "120", "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(profile.path)",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-crash-reporter", "--hide-scrollbars",
            ] + arguments + [URL(fileURLWithPath: page).absoluteString])
        #expect(
            result.status == 0,
            "chromium \(arguments) exited \(result.status) (is Debian's chromium installed? .ci/install-deps): \(result.errorOutput.suffix(2000))"
        )
        return result
    }
}

/// The golden inputs audited against a baseline in which `qemu-kvm-rhev` x86_64 was
/// enabled: HTML and JSON reports of one run, in a scratch directory.
struct BrowserRun {
    let directory: Scratch
    var html: String { directory.file("report.html") }
    let json: [String: Any]

    init(_ label: String) throws {
        _ = try Fixtures.built()
        directory = try Scratch(label)
        let baseline = directory.file("baseline.json")
        let first = try SnapCheckBinary.run([
            "--format", "json", "-o", baseline, try Fixtures.path("builds/el7-rhev/x86_64"),
        ])
        #expect(first.status == 0, "\(first.errorOutput)")
        let run = try SnapCheckBinary.run(
            [
                "-q", "--jobs", "2", "--baseline", baseline, "--report", "html=\(directory.file("report.html"))",
                "--report", "json=\(directory.file("report.json"))",
            ] + goldenInputs,
            directory: Fixtures.repositoryRoot.path)
        #expect(run.status == 2, "the truncated RPM is an input error: \(run.errorOutput)")
        json = try #require(
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: directory.file("report.json")))) as? [String: Any])
    }
}

/// The HTML report as a person gets it: opened in a real browser, screenshotted,
/// printed, and checked by a real validator (Docs/formats/html.md).
@Suite("HTML report in a browser", .serialized)
struct HTMLBrowserTests {
    @Test(
        "In Chromium's DOM every build's verdict is in its package's row and arch's column, with its marks and warnings"
    )
    func verdictsInCells() throws {
        let run = try BrowserRun("html-dom")
        let dom = try HeadlessChromium.run(["--dump-dom"], page: run.html)
        let page = try HTMLPage.read(dom.stdout)

        let builds = try #require(run.json["builds"] as? [[String: Any]])
        #expect(page.rows.flatMap(\.cells).compactMap { $0 }.count == builds.count)
        for build in builds {
            let epoch = (build["epoch"] as? Int).map { "\($0):" } ?? ""
            let release = build["release"] as? String ?? ""
            let nevr = "\(build["name"]!)-\(epoch)\(build["version"]!)\(release.isEmpty ? "" : "-\(release)")"
            let arch = build["arch"] as? String ?? "(any arch)"
            let row = try #require(page.rows.first { $0.nevr == nevr }, "no row \(nevr): \(page.rows.map(\.nevr))")
            let column = try #require(page.columns.firstIndex(of: arch), "no column \(arch): \(page.columns)")
            let cell = try #require(row.cells[column], "\(nevr) \(arch): empty cell")
            let verdict = try #require(build["verdict"] as? String)
            #expect(cell.outcome.hasPrefix(verdict.uppercased() + " "), "\(nevr) \(arch): \(cell.outcome)")
            #expect(cell.classes.contains("v-\(verdict)"))
        }
        #expect(page.columns == ["x86_64", "(any arch)"])
        func outcome(_ nevr: String, _ arch: String) -> String? {
            page.rows.first { $0.nevr == nevr }?.cells[page.columns.firstIndex(of: arch)!]?.outcome
        }
        #expect(
            outcome("qemu-kvm-ma-10:2.12.0-44.el7_8", "x86_64") == "DISABLED ✗ expected enabled new since the baseline")
        #expect(outcome("qemu-kvm-rhev-10:1.5.3-175.el7", "x86_64") == "ENABLED ✓ as expected")
        #expect(
            outcome("qemu-kvm-rhev-10:1.5.3-183.el7", "x86_64")
                == "DISABLED ✗ expected enabled REGRESSION (was enabled)")
        #expect(
            outcome("qemu-kvm-ev-2.12.0-44.1.el7_8.1", "(any arch)") == "ENABLED ✓ as expected new since the baseline")
        #expect(outcome("qemu-kvm-ev-2.12.0-44.1.el7_8.1", "x86_64") == nil)

        // The name that contradicts the evidence is on the closed cell.
        let regressed = try #require(
            page.rows.first { $0.nevr == "qemu-kvm-rhev-10:1.5.3-183.el7" }?.cells.first ?? nil)
        #expect(regressed.warnings.hasPrefix("warning header name-contradicts-evidence"))
        #expect(
            regressed.warnings.hasSuffix(
                "suggests enabled (header-rhev-name), but the executable evidence shows disabled"))
        #expect(regressed.summary == "Decided by the executable layer (exe-qmp-names).")
        #expect(
            regressed.details.contains(
                "deciding executable exe-qmp-names Fixtures/.out/builds/rhev-disabled/x86_64/qemu-kvm-rhev-1.5.3-183.el7.x86_64.rpm:/usr/libexec/qemu-kvm"
            ))
        #expect(page.counts == ["enabled": "2", "disabled": "2", "absent": "0", "unknown": "0", "inconsistent": "0"])
        #expect(
            page.errors.count == 1
                && page.errors[0].hasPrefix("Fixtures/.out/corrupt/truncated-payload.rpm: payload ended"))
        #expect(page.baseline.first == "regression qemu-kvm-rhev x86_64: enabled → disabled")
        #expect(!page.attributes.contains("open"), "cells start closed")
    }

    @Test("Chromium renders the page to a PNG screenshot of the window's size")
    func screenshot() throws {
        let run = try BrowserRun("html-png")
        let png = run.directory.file("report.png")
        _ = try HeadlessChromium.run(["--screenshot=\(png)", "--window-size=1280,900"], page: run.html)
        let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: png)))
        #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]), "not a PNG")
        func be32(_ at: Int) -> Int { bytes[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        #expect(bytes.count > 33 && String(decoding: bytes[12..<16], as: UTF8.self) == "IHDR")
        #expect((be32(16), be32(20)) == (1280, 900))
        #expect(bytes.count > 20_000, "a blank page compresses to a few kB: \(bytes.count) bytes")
    }

    @Test("Printed, every cell is open: evidence that is hidden on screen is on paper")
    func printExpandsCells() throws {
        let run = try BrowserRun("html-pdf")
        let pdf = run.directory.file("report.pdf")
        _ = try HeadlessChromium.run(["--no-pdf-header-footer", "--print-to-pdf=\(pdf)"], page: run.html)
        let text = try Command.run("/usr/bin/env", ["pdftotext", "-layout", pdf, "-"])
        #expect(text.status == 0, "pdftotext (poppler-utils): \(text.errorOutput)")
        // Narrow columns wrap lines anywhere: compare without whitespace.
        func squeezed(_ s: String) -> String { s.filter { !$0.isWhitespace } }
        let printed = squeezed(text.output)
        // The deciding chain of one closed cell and a note deep inside another.
        for hidden in [
            "query-commands lists 216 commands; blockdev-snapshot-sync listed",
            "%global have_live_block_ops 0 selects the %else branch", "HMP help lists snapshot_blkdev",
        ] {
            let printedIt = printed.contains(squeezed(hidden))
            #expect(printedIt, "not on paper: \(hidden)")
        }
    }

    @Test("The report of the fixture set validates as HTML5 with the Nu checker")
    func validates() throws {
        let run = try BrowserRun("html-vnu")
        let check = try HTMLValidator.validate(Array(try Data(contentsOf: URL(fileURLWithPath: run.html))))
        #expect(check.status == 0, "vnu: \(check.output) \(check.errorOutput)")
    }
}
