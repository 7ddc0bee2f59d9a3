import Testing

@_spi(Fuzzing) @testable import SnapCheck

@Suite("ConfigureCalls")
struct ConfigureCallTests {
    /// An expanded EL6-style %build: a guest-agent configure in its own directory, then the
    /// system emulator build with a decoy flag for a different feature.
    static let el6Build = """
        # build the guest agent first
        mkdir -p qemu-guest-agent
        cd qemu-guest-agent && ../configure --target-list=" " --disable-kvm && make qemu-ga
        cd ..
        mkdir -p qemu-kvm-build; cd qemu-kvm-build
        CFLAGS="-O2 -g -pipe" ../configure --prefix=/usr \\
            --target-list=x86_64-softmmu \\
            --disable-live-block-migration \\
            --sysconfdir=/etc --disable-rhev-features > configure.log 2>&1
        make V=1 %{?_smp_mflags} $buildldflags
        """

    @Test("Every configure call is found in order, at the line of its program word")
    func findsEveryCallInOrderWithLinesOfTheProgramWord() {
        let calls = ConfigureCalls.find(in: Self.el6Build)
        #expect(calls.map(\.program) == ["../configure", "../configure"])
        #expect(calls.map(\.lineInSection) == [3, 6])
    }

    @Test("A call's words join continuations and drop quotes and redirections")
    func joinsContinuationsAndDropsQuotesAndRedirections() throws {
        let call = try #require(ConfigureCalls.find(in: Self.el6Build).last)
        #expect(
            call.words == [
                "--prefix=/usr", "--target-list=x86_64-softmmu", "--disable-live-block-migration",
                "--sysconfdir=/etc", "--disable-rhev-features",
            ])
        #expect(call.targetList == ["x86_64-softmmu"])
        #expect(call.buildsSystemEmulator)
        #expect(!call.isHelperScript)
    }

    @Test("hasFlag matches whole words only")
    func hasFlagMatchesWholeWordsOnly() throws {
        let call = try #require(ConfigureCalls.find(in: Self.el6Build).last)
        #expect(call.hasFlag("--disable-live-block-migration"))
        #expect(!call.hasFlag("--disable-live-block-ops"))
        #expect(!call.hasFlag("--disable-live-block"))
        #expect(call.hasFlag("--disable-rhev-features"))
    }

    @Test("The emulator's call is the softmmu build, not the first or the last")
    func mainCallIsTheSoftmmuBuildNotTheFirstOrLast() throws {
        let text = """
            ./configure --target-list=x86_64-softmmu --enable-kvm --disable-live-block-ops --prefix=/usr
            cd ga && ./configure --disable-system --enable-guest-agent
            """
        let calls = ConfigureCalls.find(in: text)
        #expect(calls.count == 2)
        let main = try #require(ConfigureCalls.emulatorCalls(in: calls).only)
        #expect(main.lineInSection == 1)
        #expect(main.hasFlag("--disable-live-block-ops"))
        #expect(!calls[1].buildsSystemEmulator)
    }

    @Test("A tools-only branch does not count; the softmmu call keeps its shell condition")
    func qemuImgOnlyBranchDoesNotCount() throws {
        let text = """
            if [ "$(uname -m)" = "x86_64" ]; then
                ./configure --target-list=x86_64-softmmu,x86_64-linux-user --enable-live-block-ops \\
                  --extra-cflags="$RPM_OPT_FLAGS"
            else
                ./configure --target-list=" " --disable-system --enable-tools
            fi
            """
        let calls = ConfigureCalls.find(in: text)
        #expect(calls.count == 2)
        let main = try #require(ConfigureCalls.emulatorCalls(in: calls).only)
        #expect(main.targetList == ["x86_64-softmmu", "x86_64-linux-user"])
        #expect(main.words.last == "--extra-cflags=$RPM_OPT_FLAGS")
        #expect(main.conditions == ["if `[ $(uname -m) = x86_64 ]`"])
        #expect(calls[1].targetList.isEmpty)
    }

    @Test("Every softmmu call is a candidate for the emulator's")
    func everySoftmmuCallIsACandidate() throws {
        let text = """
            ../configure --target-list=x86_64-softmmu
            ../configure --target-list=x86_64-softmmu --enable-kvm --disable-live-block-ops
            """
        #expect(ConfigureCalls.emulatorCalls(in: ConfigureCalls.find(in: text)).map(\.lineInSection) == [1, 2])
    }

    @Test("Calls without a target list may build the emulator")
    func callsWithoutTargetListMayBuildTheEmulator() {
        let one = ConfigureCalls.find(in: "./configure --prefix=/usr --disable-rhev-features\n")
        #expect(ConfigureCalls.emulatorCalls(in: one).only?.hasFlag("--disable-rhev-features") == true)
        // Without a target list configure builds every target: both may build the emulator.
        let two = ConfigureCalls.find(in: "./configure --a\n./configure --b --c\n")
        #expect(ConfigureCalls.emulatorCalls(in: two).count == 2)
        #expect(ConfigureCalls.emulatorCalls(in: []).isEmpty)
    }

    @Test("Another project's configure in a subdirectory is left out beside QEMU's")
    func anotherProjectsConfigureInASubdirectoryIsLeftOutBesideQEMUs() {
        let text = """
            ./configure --prefix=/usr --disable-live-block-ops
            (cd kvm-unit-tests && ./configure --prefix=/usr)
            pushd libiscsi
            ./configure --disable-static
            popd
            cd build && ../configure --enable-kvm
            """
        #expect(ConfigureCalls.emulatorCalls(in: ConfigureCalls.find(in: text)).map(\.lineInSection) == [1, 6])
    }

    @Test("A configure in a subdirectory counts when no call runs at the top")
    func subdirectoryConfigureCountsWhenNoCallRunsAtTheTop() {
        // QEMU unpacked below the build directory: its call is the only one, and is kept.
        let alone = ConfigureCalls.find(in: "cd qemu-2.0.0 && ./configure --disable-live-block-ops\n")
        #expect(ConfigureCalls.emulatorCalls(in: alone).map(\.lineInSection) == [1])
        // A subdirectory call naming a target list is QEMU's wherever it runs.
        let listed = ConfigureCalls.find(in: "./configure\ncd q && ./configure --target-list=x86_64-softmmu\n")
        #expect(ConfigureCalls.emulatorCalls(in: listed).count == 2)
        // A directory the text does not show counts too.
        let unknown = ConfigureCalls.find(in: "./configure\ncd $DIR && ./configure\n")
        #expect(ConfigureCalls.emulatorCalls(in: unknown).count == 2)
    }

    @Test("A helper script call keeps its positional words")
    func helperScriptCallKeepsPositionalWords() throws {
        let text = """
            cd build
            /builddir/build/SOURCES/build_configure.sh \\
              "/usr" "/usr/libexec" "-O2 -g" \\
              'x86_64-softmmu' enable \\
              disable # a comment, not an argument
            make V=1
            """
        let calls = ConfigureCalls.find(in: text)
        let call = try #require(calls.first)
        #expect(calls.count == 1)
        #expect(call.program == "/builddir/build/SOURCES/build_configure.sh")
        #expect(call.isHelperScript)
        #expect(call.buildsSystemEmulator)
        #expect(call.lineInSection == 2)
        #expect(call.words == ["/usr", "/usr/libexec", "-O2 -g", "x86_64-softmmu", "enable", "disable"])
        #expect(ConfigureCalls.emulatorCalls(in: calls) == [call])
    }

    @Test("A relative helper script and a call through an interpreter are found")
    func relativeHelperScriptAndInterpreterPrefixAreFound() {
        let calls = ConfigureCalls.find(in: "sh -x ./build_configure.sh a b; bash ../configure --x")
        #expect(calls.map(\.program) == ["./build_configure.sh", "../configure"])
        #expect(calls.map(\.words) == [["a", "b"], ["--x"]])
    }

    @Test("A command substitution stays one word, and a configure inside it is no call")
    func commandSubstitutionStaysOneWordAndConfigureInsideItIsNoCall() {
        let text =
            #"./configure --extra-ldflags="$(pkg-config --libs 'x y' | sed 's/)//')" --cc=`which gcc` --enable-kvm"#
        let calls = ConfigureCalls.find(in: text)
        #expect(calls.count == 1)
        #expect(
            calls.first?.words == [
                "--extra-ldflags=$(pkg-config --libs 'x y' | sed 's/)//')", "--cc=`which gcc`", "--enable-kvm",
            ])
    }

    @Test("Words that only mention configure are no calls; a quoted program is one")
    func wordsThatOnlyMentionConfigureAreNotCalls() {
        let text = """
            test -x ./configure || autoreconf -i
            echo ./configure
            # ./configure --target-list=x86_64-softmmu
            sed -i 's/x/y/' configure.ac
            "./configure" --quoted-program-still-counts
            """
        let calls = ConfigureCalls.find(in: text)
        #expect(calls.map(\.program) == ["./configure"])
        #expect(calls.first?.lineInSection == 5)
    }

    @Test("|| and | separate commands")
    func orAndPipeSeparateCommands() {
        let calls = ConfigureCalls.find(in: "false || ./configure --a | tee log && ../configure --b")
        #expect(calls.map(\.words) == [["--a"], ["--b"]])
    }
}
