import Foundation
import Testing

@_spi(Fuzzing) @testable import SnapCheck

@Suite("SpecSource.neutralized")
struct SpecSourceNeutralizeTests {
    static func lineCount(_ text: String) -> Int {
        text.unicodeScalars.filter { $0 == "\n" }.count
    }

    /// Nothing that rpm would run survives: no `%(` and no `%{lua:` (behind any flags).
    static func expectInert(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!text.contains("%("), sourceLocation: sourceLocation)
        #expect(!text.contains("lua:"), sourceLocation: sourceLocation)
        #expect(!text.contains("touch"), sourceLocation: sourceLocation)
    }

    @Test("Shell and Lua expansions are replaced by markers wherever they are, line count kept")
    func hostileFormsAreReplacedWhereverTheyAre() {
        let spec = """
            Name: qemu-kvm
            Version: 0.12.1.2%(touch /tmp/X1)
            %global qemuoptflags %(echo $(date) | touch /tmp/X2)
            %define m %%(touch /tmp/X3)
            %define e %{expand:%%(touch /tmp/X4)}
            %global l %{lua: os.execute("touch /tmp/X5") }
            %global q %{lua: s = "}" ; os.execute("touch /tmp/X6") }
            # comment %(touch /tmp/X7)
            %{expand:%%%{lua:os.execute("touch /tmp/X8")}}

            %build
            echo %(touch /tmp/X9)
            ../configure --prefix=/usr

            %changelog
            * Mon Jan 01 2001 A <a@b> - 0.12.1.2-2.1
            - %(touch /tmp/X10)
            """
        let (text, refused) = SpecSource(text: spec).neutralized()
        Self.expectInert(text)
        #expect(Self.lineCount(text) == Self.lineCount(spec))
        #expect(refused.map(\.line) == [2, 3, 4, 5, 6, 7, 8, 9, 12, 17])
        #expect(refused.map(\.kind) == [.shell, .shell, .shell, .shell, .lua, .lua, .shell, .lua, .shell, .shell])
        let lines = text.components(separatedBy: "\n")
        // Each becomes a marker rpm carries wherever its value goes.
        #expect(lines[1] == "Version: 0.12.1.2SNAPCHECKREFUSED1Z")
        #expect(lines[2] == "%global qemuoptflags SNAPCHECKREFUSED2Z")
        #expect(lines[3] == "%define m SNAPCHECKREFUSED3Z")
        #expect(lines[4] == "%define e %{expand:SNAPCHECKREFUSED4Z}")
        #expect(lines[6] == "%global q SNAPCHECKREFUSED6Z")
        #expect(lines[8] == "%{expand:SNAPCHECKREFUSED8Z}")
        #expect(refused.map(\.marker) == (1...10).map { "SNAPCHECKREFUSED\($0)Z" })
        #expect(lines[12] == "../configure --prefix=/usr")
        #expect(refused[1].text == "%(echo $(date) | touch /tmp/X2)")
        #expect(refused[2].text == "%%(touch /tmp/X3)")
    }

    @Test("A multi-line expansion is replaced, keeping its newlines and backslashes")
    func multiLineExpansionKeepsItsNewlinesAndBackslashes() {
        let spec = """
            %global opt %(echo -O2 \\
              -g \\
              | touch /tmp/X)
            %global lua %{lua:
              os.execute("touch /tmp/Y")
            }
            Name: after
            """
        let (text, refused) = SpecSource(text: spec).neutralized()
        Self.expectInert(text)
        #expect(text == "%global opt SNAPCHECKREFUSED1Z\\\n\\\n\n%global lua SNAPCHECKREFUSED2Z\n\n\nName: after")
        #expect(refused.map(\.line) == [1, 4])
    }

    @Test("An unbalanced expansion is neutralised to the end of its line")
    func unbalancedExpansionIsNeutralisedToEndOfLine() {
        let spec = "A %(touch /tmp/X (\nB ok\nC %{lua: print(\"}\"\nD %(echo \\\nE"
        let (text, refused) = SpecSource(text: spec).neutralized()
        Self.expectInert(text)
        #expect(text == "A SNAPCHECKREFUSED1Z\nB ok\nC SNAPCHECKREFUSED2Z\nD SNAPCHECKREFUSED3Z\\\nE")
        #expect(refused.map(\.line) == [1, 3, 4])
        #expect(refused.map(\.kind) == [.shell, .lua, .shell])
    }

    @Test("A long expansion is recorded truncated to 80 characters")
    func longExpansionIsRecordedTruncated() {
        let body = String(repeating: "x", count: 200)
        let (_, refused) = SpecSource(text: "%(\(body))").neutralized()
        #expect(refused.count == 1)
        #expect(refused.first?.text == "%(" + String(repeating: "x", count: 78))
    }

    @Test("Plain macros and literal percents are kept unchanged")
    func plainMacrosAndLiteralPercentsAreKept() {
        let spec = "Release: 2.%{rhev}%{?dist}\n%define foo %%{bar} 100%% (x)\n%{luax} %{?lua_x}\n"
        let (text, refused) = SpecSource(text: spec).neutralized()
        #expect(text == spec)
        #expect(refused.isEmpty)
    }

    @Test("CRLF lines keep their carriage returns")
    func crlfLinesKeepTheirCarriageReturns() {
        let spec = "a %(touch \\\r\n x)\r\nb\r\n"
        let (text, refused) = SpecSource(text: spec).neutralized()
        #expect(text == "a SNAPCHECKREFUSED1Z\\\r\n\r\nb\r\n")
        #expect(refused.map(\.line) == [1])
    }

    @Test("Conditions keep their markers, except where rpm cannot be asked about them")
    func conditionsKeepMarkersExceptWhereRpmCannotBeAskedAboutThem() {
        let spec = """
            %global direct %(echo 1)
            %global indirect %{direct}0
            %global flags %(echo -O2)
            %if 0%{indirect}
            %endif
            %if %(test -f x && echo 1)
            %endif
            ./configure --extra-cflags="%{flags}" \\
              %(echo --enable-kvm)
            %(echo BuildRequires: x)
            %if %(echo 1) && \\
              1
            %endif
            """
        let (text, refused) = SpecSource(text: spec).neutralized()
        Self.expectInert(text)
        let lines = text.components(separatedBy: "\n")
        // A marker reaching a one-line %if is caught where rpm evaluates it (recordingConditions): kept.
        #expect(lines[0] == "%global direct SNAPCHECKREFUSED1Z")
        #expect(lines[5] == "%if SNAPCHECKREFUSED3Z")
        #expect(lines[2] == "%global flags SNAPCHECKREFUSED2Z")
        // A line of its own is whole lines of output (a tag, a command): empty, unless it continues a command.
        #expect(lines[8] == "  SNAPCHECKREFUSED4Z")
        #expect(lines[9] == "%{nil}")
        // A continued %if is not recorded: a marker there would break the expression, so it is empty.
        #expect(lines[10] == "%if %{nil} && \\")
        #expect(
            refused.map(\.marker) == [
                "SNAPCHECKREFUSED1Z", "SNAPCHECKREFUSED2Z", "SNAPCHECKREFUSED3Z", "SNAPCHECKREFUSED4Z", nil, nil,
            ])
        #expect(refused.map(\.standsAlone) == [false, false, false, false, true, false])
        #expect(SpecSource(text: spec).macros(dependingOnLines: [1]) == ["direct", "indirect"])
    }
}
