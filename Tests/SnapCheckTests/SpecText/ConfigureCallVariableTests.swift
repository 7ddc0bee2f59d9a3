import Testing

@_spi(Fuzzing) @testable import SnapCheck

@Suite("Shell variables in configure calls")
struct ConfigureCallVariableTests {
    @Test("A target list given through a shell variable makes the call the emulator's")
    func targetListFromVariable() throws {
        let text = """
            buildarch="x86_64-softmmu"
            cd tools && ../configure --disable-system --disable-live-block-ops && cd ..
            ./configure --prefix=/usr \\
                --target-list="$buildarch" \\
                --enable-live-block-ops
            """
        let calls = ConfigureCalls.find(in: text)
        #expect(calls.count == 2)
        let main = try #require(ConfigureCalls.emulatorCalls(in: calls).only)
        #expect(main.targetList == ["x86_64-softmmu"])
        #expect(main.hasFlag("--enable-live-block-ops"))
    }

    @Test(
        "Braced, unknown and later-assigned variables",
        arguments: [
            ("t=a-softmmu\n./configure --target-list=${t},b", "--target-list=a-softmmu,b"),
            ("./configure --target-list=$later\nlater=x", "--target-list=$later"),
            ("t=x\n./configure --x=${t", "--x=${t"),
            ("t=x\n./configure --x=$tt", "--x=$tt"),
        ])
    func substitution(_ text: String, _ expected: String) throws {
        let call = try #require(ConfigureCalls.find(in: text).first)
        #expect(call.words == [expected])
    }
}

@Suite("The one configure call that is not the emulator's")
struct SingleToolsCallTests {
    @Test(
        "A lone --disable-system or tools-only call is not taken as the emulator's",
        arguments: [
            "./configure --prefix=/usr --disable-system --enable-tools --disable-live-block-ops",
            "./configure --target-list=x86_64-linux-user --disable-live-block-ops",
        ])
    func toolsOnly(_ text: String) {
        #expect(ConfigureCalls.emulatorCalls(in: ConfigureCalls.find(in: text)).isEmpty)
    }

    @Test("A lone call without a target list is still taken")
    func plainCall() throws {
        let main = try #require(
            ConfigureCalls.emulatorCalls(in: ConfigureCalls.find(in: "./configure --enable-live-block-ops")).only)
        #expect(main.hasFlag("--enable-live-block-ops"))
    }
}
