import Testing

@_spi(Fuzzing) @testable import SnapCheck

@Suite("SpecSource structure")
struct SpecSourceStructureTests {
    /// EL6-style chain: rhev → bcond rhev_features → disable_rhev_features_arg → configure.
    static let el6 = """
        %define rhev 0
        Name: qemu-kvm
        %if 0%{?rhev}
        %bcond_without rhev_features
        %else
        %bcond_with rhev_features
        %endif

        %if %{with rhev_features}
        %define disable_rhev_features_arg %{nil}
        %else
        %define disable_rhev_features_arg --disable-rhev-features
        %endif

        %build
        cd qemu-guest-agent && ../configure --target-list=" " --disable-kvm
        cd ../qemu-kvm-build
        ../configure --target-list=x86_64-softmmu \\
                     --disable-live-block-migration \\
                     %{disable_rhev_features_arg}
        make %{?_smp_mflags}
        """

    /// EL7-style: `%if %{rhev}` picks the flag inside one continued configure command.
    static let el7 = """
        %define rhev 1
        %build
        %ifarch x86_64
            ./configure --prefix=%{_prefix} \\
                --target-list=x86_64-softmmu \\
        %if %{rhev}
                --enable-live-block-ops \\
        %else
                --disable-live-block-ops \\
        %endif
                --disable-live-block-ops-docs \\
                --enable-kvm
        %else
            ./configure --prefix=%{_prefix} --disable-system
        %endif
        make V=1
        """

    @Test("Definitions of a macro are found in %define, %global and %bcond lines")
    func definitionsFindDefinesAndBconds() {
        let source = SpecSource(text: Self.el6)
        #expect(
            source.definitions(of: "rhev") == [
                MacroDefinitionSite(line: 1, kind: .define, name: "rhev", value: "0")
            ])
        #expect(
            source.definitions(of: "rhev_features") == [
                MacroDefinitionSite(line: 4, kind: .bcondWithout, name: "rhev_features", value: ""),
                MacroDefinitionSite(line: 6, kind: .bcondWith, name: "rhev_features", value: ""),
            ])
        #expect(
            source.definitions(of: "disable_rhev_features_arg").map(\.value) == ["%{nil}", "--disable-rhev-features"])
        #expect(source.definitions(of: "disable_rhev_features").isEmpty)
    }

    @Test("References to a macro are found in every spelling, and only for that name")
    func referencesCoverAllSpellings() {
        let source = SpecSource(text: Self.el6)
        #expect(source.lines(referencing: "rhev") == [3])
        #expect(source.lines(referencing: "rhev_features") == [9])
        #expect(source.lines(referencing: "disable_rhev_features_arg") == [20])
        let other = SpecSource(
            text: "%rhev x\n%{!?rhev:%define rhev 0}\n%{?with_rhev_features:y}\n%rhevx\n%{without rhev_features}\n")
        #expect(other.lines(referencing: "rhev") == [1, 2])
        #expect(other.lines(referencing: "rhev_features") == [3, 5])
        #expect(other.lines(referencing: "with_rhev_features") == [3])
    }

    @Test("The conditions around each line of the EL6 chain, with their branch and macro names")
    func conditionsOfTheEL6Chain() {
        let source = SpecSource(text: Self.el6)
        let bcondWith = source.enclosingConditions(ofLine: 6)
        #expect(
            bcondWith == [
                SpecCondition(
                    line: 3, text: "%if 0%{?rhev}", inElseBranch: true, macroNames: ["rhev"], keyword: "if",
                    expression: "0%{?rhev}")
            ])
        let argDefault = source.enclosingConditions(ofLine: 12)
        #expect(argDefault.map(\.line) == [9])
        #expect(argDefault.first?.inElseBranch == true)
        #expect(argDefault.first?.macroNames == ["rhev_features"])
        #expect(argDefault.first?.bcondNames == ["rhev_features"])
        #expect(source.enclosingConditions(ofLine: 10).first?.inElseBranch == false)
        #expect(source.enclosingConditions(ofLine: 20).isEmpty)
    }

    @Test("An %if inside a continued command is spanned by the command's logical line")
    func ifInsideAContinuedCommandIsSpannedByTheLogicalLine() {
        let source = SpecSource(text: Self.el7)
        #expect(source.logicalLineRange(containing: 4) == 4...12)
        #expect(source.logicalLineRange(containing: 8) == 4...12)
        #expect(source.logicalLineRange(containing: 12) == 4...12)
        #expect(source.logicalLineRange(containing: 14) == 14...14)
        #expect(source.logicalLineRange(containing: 99) == 99...99)
        #expect(source.lines(containingWord: "--disable-live-block-ops") == [9])
        #expect(source.lines(containingWord: "--enable-live-block-ops") == [7])
        let conditions = source.enclosingConditions(ofLine: 9)
        #expect(conditions.map(\.text) == ["%ifarch x86_64", "%if %{rhev}"])
        #expect(conditions.map(\.inElseBranch) == [false, true])
        #expect(conditions.map(\.macroNames) == [[], ["rhev"]])
        #expect(source.enclosingConditions(ofLine: 14).map(\.inElseBranch) == [true])
    }

    @Test("Configure regions map back to the spec's original lines")
    func configureRegionsMapBackToOriginalLines() {
        let el7 = SpecSource(text: Self.el7).configureRegions()
        #expect(el7.map(\.lines) == [4...12, 14...14])
        #expect(
            el7.first?.text
                == "./configure --prefix=%{_prefix} --target-list=x86_64-softmmu --enable-live-block-ops --disable-live-block-ops --disable-live-block-ops-docs --enable-kvm"
        )
        let el6 = SpecSource(text: Self.el6).configureRegions()
        #expect(el6.map(\.lines) == [16...16, 18...20])
        #expect(el6.last?.text.hasSuffix("%{disable_rhev_features_arg}") == true)
    }

    @Test("Helper script sources and parametric macro bodies are configure regions")
    func helperScriptSourcesAndParametricBodiesAreRegions() {
        let spec = """
            %global have_live_block_ops 1
            %define qemu_configure() \\
              ../configure --prefix=%{_prefix} \\
                --target-list=%{1}
            %build
            %{SOURCE10} "%{_prefix}" \\
            %if 0%{have_live_block_ops}
              enable \\
            %else
              disable \\
            %endif
              "%{_libdir}"
            %{_sourcedir}/build_configure.sh x
            install -m 0644 %{SOURCE10} %{buildroot}
            echo configure %{SOURCE2}
            """
        let source = SpecSource(text: spec)
        #expect(source.configureRegions().map(\.lines) == [2...4, 6...12, 13...13])
        #expect(
            source.definitions(of: "qemu_configure").first?.value
                == "../configure --prefix=%{_prefix} \n    --target-list=%{1}")
        #expect(source.definitions(of: "have_live_block_ops").first?.kind == .global)
        #expect(source.lines(referencing: "have_live_block_ops") == [7])
    }

    @Test("Lines containing a word respect word boundaries")
    func linesContainingWordRespectsBoundaries() {
        let source = SpecSource(
            text:
                "--disable-live-block-migration\nx --disable-live-block-ops-y\n--disable-live-block-ops\n\"--disable-live-block-ops\"\n"
        )
        #expect(source.lines(containingWord: "--disable-live-block-ops") == [3, 4])
        #expect(source.lines(containingWord: "--disable-live-block") == [])
        #expect(source.lines(containingWord: "%{nil}") == [])
        #expect(source.lines(containingWord: "") == [])
        #expect(source.lines.count == 5)
    }

    @Test("Definitions embedded in %{!?...} and with extra spaces are found, and only for their name")
    func embeddedAndContinuedDefinitions() {
        let spec = """
            %{!?rhev:%global rhev 0}
            %define pkgsuffix %{nil}
            %global   pkgsuffix_x -ev
            %define rhevx 1
            """
        let source = SpecSource(text: spec)
        #expect(
            source.definitions(of: "rhev") == [MacroDefinitionSite(line: 1, kind: .global, name: "rhev", value: "0")])
        #expect(source.definitions(of: "pkgsuffix").map(\.line) == [2])
        #expect(source.definitions(of: "pkgsuffix_x").first?.value == "-ev")
    }

    @Test("In an %elif chain, later branches are in the else of the earlier ones")
    func elifChainsMarkEarlierBranchesAsElse() {
        let spec = "%if 0%{?fedora}\na\n%elif 0%{?rhel} >= 7\nb\n%else\nc\n%endif\nd\n"
        let source = SpecSource(text: spec)
        #expect(source.enclosingConditions(ofLine: 2).map(\.line) == [1])
        #expect(source.enclosingConditions(ofLine: 4).map(\.inElseBranch) == [true, false])
        #expect(source.enclosingConditions(ofLine: 4).last?.macroNames == ["rhel"])
        #expect(source.enclosingConditions(ofLine: 6).map(\.inElseBranch) == [true, true])
        #expect(source.enclosingConditions(ofLine: 8).isEmpty)
    }
}
