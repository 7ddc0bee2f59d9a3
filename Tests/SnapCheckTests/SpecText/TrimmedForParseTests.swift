@_spi(Fuzzing) import SnapCheck
import Testing

@Suite("Preparing an untrusted spec for the parse")
struct TrimmedForParseTests {
    let spec = """
        Name: qemu-kvm
        Patch1: a.patch
        Patch0002: b.patch
        %prep
        %setup -q
        %patch1 -p1
          %patch -P 2 -p1
        %{patch3}
        %patchlist
        %build
        ./configure --enable-live-block-ops
        %changelog
        * Mon Jan 06 2014 someone <a@example.invalid> - 1.0-1
        - Fix the %{name} build
        %files
        /usr/bin/x
        """

    @Test("Changelog bodies and %patch applications are emptied, line count and everything else kept")
    func trimmed() {
        let lines = SpecSource.trimmedForParse(spec).split(separator: "\n", omittingEmptySubsequences: false)
        let original = spec.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == original.count)
        let expected = [
            "Name: qemu-kvm", "Patch1: a.patch", "Patch0002: b.patch", "%prep", "%setup -q",
            "", "", "", "%patchlist", "%build", "./configure --enable-live-block-ops", "%changelog", "", "", "%files",
            "/usr/bin/x",
        ]
        #expect(lines.map(String.init) == expected)
    }

    @Test("A changelog that can define a macro is kept whole, and so is a %patch line with another macro")
    func definersAreKept() {
        let spec = """
            %prep
            %patch1 -p1 %{expand:%%global lbo --disable-live-block-ops}
            %patch2 -p1
            %changelog
            * Mon Jan 06 2014 someone <a@example.invalid> - 1.0-1
            - %global lbo --disable-live-block-ops
            %build
            ./configure %{?lbo}
            """
        let lines = SpecSource.trimmedForParse(spec).split(separator: "\n", omittingEmptySubsequences: false).map(
            String.init)
        #expect(
            lines == [
                "%prep", "%patch1 -p1 %{expand:%%global lbo --disable-live-block-ops}", "", "%changelog",
                "* Mon Jan 06 2014 someone <a@example.invalid> - 1.0-1", "- %global lbo --disable-live-block-ops",
                "%build", "./configure %{?lbo}",
            ])
    }

    @Test("Non-ASCII text passes through unchanged")
    func unicode() {
        let text = "Summary: qemu – émulateur 仮想\n%build\n./configure\n"
        #expect(SpecSource.trimmedForParse(text) == text)
        #expect(SpecSource(text: text).neutralized().text == text)
    }
}
