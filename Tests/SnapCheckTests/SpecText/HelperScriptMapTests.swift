import Foundation
import Testing

@_spi(Fuzzing) @testable import SnapCheck

@Suite("HelperScriptMap")
struct HelperScriptMapTests {
    /// A helper script taking `names` positionally, one `name=$1` + `shift` pair per argument
    /// (in the style given), then a configure call using them.
    static func script(_ names: [String], style: (String) -> String) -> String {
        var text = "#!/bin/bash\n# Positional arguments, in order.\n\n"
        for name in names { text += style(name) + "\n" }
        text += "\n"
        text += "../configure \\\n"
        text += "    --prefix=\"$prefix\" \\\n"
        text += "    --${have_live_block_ops}-live-block-ops \\\n"
        text += "    --target-list=\"$target_list\"\n"
        return text
    }

    /// 25 arguments; have_live_block_ops is the 23rd.
    static let names25: [String] = [
        "prefix", "libdir", "sysconfdir", "interp_prefix", "localstatedir", "docdir", "libexecdir",
        "extra_ldflags", "extra_cflags", "have_gluster", "have_guest_agent", "have_numa",
        "have_rbd", "have_rdma", "have_seccomp", "have_spice", "have_usbredir", "have_tcmalloc",
        "have_vxhs", "have_vtd", "have_live_snapshots", "have_fdt", "have_live_block_ops",
        "target_list", "block_drivers",
    ]
    /// 27 arguments; have_live_block_ops is the 24th.
    static let names27: [String] = [
        "prefix", "libdir", "sysconfdir", "interp_prefix", "localstatedir", "docdir", "libexecdir",
        "extra_ldflags", "extra_cflags", "have_gluster", "have_guest_agent", "have_numa",
        "have_rbd", "have_rdma", "have_seccomp", "have_spice", "have_usbredir", "have_tcmalloc",
        "have_vxhs", "have_vtd", "have_pmem", "have_fdt", "have_live_snapshots", "have_live_block_ops",
        "target_list", "block_drivers", "have_opengl",
    ]

    @Test("A 25-argument helper script takes have_live_block_ops as its 23rd argument, with its lines")
    func twentyFiveArgumentScriptPutsLiveBlockOpsAt23() throws {
        let text = Self.script(Self.names25) { "\($0)=$1\nshift" }
        let map = HelperScriptMap(script: text)
        #expect(map.parameterNames == Self.names25)
        #expect(map.liveBlockOpsParameter == "have_live_block_ops")
        #expect(map.liveBlockOpsPosition == 22)
        // 3 header lines, 2 lines per argument: the 23rd assignment is on line 3 + 2*22 + 1.
        #expect(map.assignmentLine(of: "have_live_block_ops") == 48)
        let configureLine = text.split(separator: "\n", omittingEmptySubsequences: false)
            .firstIndex { $0.contains("-live-block-ops") }.map { $0 + 1 }
        #expect(map.liveBlockOpsLine == configureLine)
    }

    @Test("A 27-argument helper script takes have_live_block_ops as its 24th argument")
    func twentySevenArgumentScriptPutsLiveBlockOpsAt24() {
        let map = HelperScriptMap(script: Self.script(Self.names27) { "\($0)=\"$1\"; shift" })
        #expect(map.parameterNames.count == 27)
        #expect(map.liveBlockOpsPosition == 23)
        #expect(map.assignmentLine(of: "have_live_block_ops") == 3 + 24)
    }

    @Test(
        "Every style of positional assignment and shift is counted",
        arguments: [
            "name=$1\nshift", "name=\"$1\"\nshift", "name=${1}\nshift", "name=\"${1}\"; shift",
            "name=$1; shift 1", "local name=$1 && shift", "  name=$1 ;shift   # trailing comment",
        ])
    func assignmentStylesAreCounted(style: String) {
        let text = "first=$1\nshift\n" + style.replacingOccurrences(of: "name", with: "second") + "\nthird=$1\nshift\n"
        let map = HelperScriptMap(script: text)
        #expect(map.parameterNames == ["first", "second", "third"])
    }

    @Test(
        "Every spelling of the parameter in --${flag}-live-block-ops is found",
        arguments: [
            "--${flag}-live-block-ops", "--$flag-live-block-ops", "--\"$flag\"-live-block-ops",
            "--\"${flag}\"-live-block-ops", "  \"--${flag}-live-block-ops\" \\",
        ])
    func liveBlockOpsUseStylesAreFound(use: String) {
        let map = HelperScriptMap(script: "a=$1\nshift\nflag=$1\nshift\n./configure \\\n\(use)\n")
        #expect(map.liveBlockOpsParameter == "flag")
        #expect(map.liveBlockOpsPosition == 1)
        #expect(map.liveBlockOpsLine == 6)
    }

    @Test("Comments and positionals other than $1 do not count as parameters")
    func commentsAndOtherPositionalsDoNotCount() {
        let text = """
            # old=$1
            # shift
            a=$1 # shift
            shift
            b=$2
            c=$1; shift
            echo "--${commented}-live-block-ops" >/dev/null # --${x}-live-block-ops
            """
        let map = HelperScriptMap(script: text)
        #expect(map.parameterNames == ["a", "c"])
        #expect(map.liveBlockOpsParameter == "commented")
        #expect(map.liveBlockOpsPosition == nil)
        #expect(map.assignmentLine(of: "old") == nil)
    }

    @Test("shift 2 skips a position and keeps later parameters' indexes")
    func skippedPositionsKeepLaterIndexes() {
        let map = HelperScriptMap(script: "a=$1\nshift 2\nb=$1\nshift\n--${b}-live-block-ops\n")
        #expect(map.parameterNames == ["a", "", "b"])
        #expect(map.liveBlockOpsPosition == 2)
    }

    @Test("A literal --enable-live-block-ops is no parameter of the script")
    func literalFlagIsNoParameter() {
        let map = HelperScriptMap(script: "a=$1\nshift\n./configure --enable-live-block-ops --${a}-x\n")
        #expect(map.liveBlockOpsParameter == nil)
        #expect(map.liveBlockOpsLine == nil)
        #expect(map.liveBlockOpsPosition == nil)
    }
}
