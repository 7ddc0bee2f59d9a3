# snapcheck: the two commands of the README are `make run` and `make test`.
SHELL := /bin/bash
export PATH := $(PATH):/opt/swift/usr/bin
SWIFT ?= swift
FIXTURES ?= Fixtures/.out
SAMPLE ?= ev-212

.PHONY: run build release test fixtures deps clean bench dist install uninstall docs lint format

# Where `make install` puts things (DESTDIR is prepended to each, for staging and packaging).
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man/man1
BASHCOMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPLETIONDIR ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPLETIONDIR ?= $(PREFIX)/share/fish/vendor_completions.d
DIST = .build/dist
# The man page's date: the last commit's, so the same tree gives the same page.
MAN_DATE ?= $(shell git log -1 --format=%cs 2>/dev/null || echo 2026-01-01)

## Install missing system packages, build, and audit a bundled sample build (SRPM + binary RPMs).
run: deps build
	@bash Fixtures/build-fixtures.sh --out $(FIXTURES) --only $(SAMPLE) >/dev/null
	$(SWIFT) run --skip-build snapcheck $(FIXTURES)/builds/$(SAMPLE)

deps:
	@.ci/install-deps

build:
	$(SWIFT) build

release:
	$(SWIFT) build -c release

fixtures: deps
	bash Fixtures/build-fixtures.sh --out $(FIXTURES)

## The whole test suite (builds the fixtures first), then the product as users get it
## (install, the binary alone, man page, completions, the library in another package).
test: fixtures
	@SNAPCHECK_TEST_DEPS=1 .ci/install-deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	Tests/Packaging/run.sh

## Formats Sources and Tests as .swift-format says (the toolchain's swift-format).
format:
	swift-format format --in-place --recursive Sources Tests/SnapCheckTests Tests/SnapCheckCLITests \
		Tests/RPMTests Tests/RepodataTests Tests/TestSupport

## Every public type of our modules says whether it is Sendable (as swift-log requires): a build with
## -require-explicit-sendable, which as an unsafeFlags setting in Package.swift would keep other packages
## from depending on this one. Fails, listing them, if any does not. In a scratch path of its own (`swift build`
## is not rebuilt); our modules are compiled afresh every time, since a file already compiled warns no more.
LINT = .build-lint
lint:
	@rm -f $(LINT)/build.db
	@for module in Sources/*/ Tests/TestSupport/; do rm -rf $(LINT)/debug/$$(basename $$module).build; done
	@mkdir -p $(LINT)
	@$(SWIFT) build --scratch-path $(LINT) -Xswiftc -Xfrontend -Xswiftc -require-explicit-sendable \
		-Xswiftc -diagnostic-style=llvm >$(LINT)/lint.log 2>&1 || { cat $(LINT)/lint.log; exit 1; }
	@! grep 'warning:.*Sendable' $(LINT)/lint.log | grep -v '/checkouts/' | sort -u | grep .

## The release binary, its man page (generated from the command definitions) and completions, in .build/dist.
## The Swift runtime and Foundation are linked in (--static-swift-stdlib, in a scratch path of its own so
## `swift build` is not rebuilt): the binary runs where no Swift toolchain is installed, and starts faster.
dist: deps
	$(SWIFT) build -c release --product snapcheck --static-swift-stdlib --scratch-path .build-dist
	$(SWIFT) package --allow-writing-to-package-directory generate-manual --date $(MAN_DATE) >/dev/null
	@mkdir -p $(DIST)
	cp .build-dist/release/snapcheck $(DIST)/snapcheck
	# mdoc wants .Pp, not an empty line, between paragraphs.
	sed 's/^$$/.Pp/' .build/plugins/GenerateManual/outputs/SnapCheckCLI/snapcheck.1 > $(DIST)/snapcheck.1
	for shell in bash zsh fish; do $(DIST)/snapcheck --generate-completion-script $$shell > $(DIST)/snapcheck.$$shell; done

## Install the one binary, man page and completions under $(DESTDIR)$(PREFIX).
install: dist
	install -D -m 0755 $(DIST)/snapcheck $(DESTDIR)$(BINDIR)/snapcheck
	install -D -m 0644 $(DIST)/snapcheck.1 $(DESTDIR)$(MANDIR)/snapcheck.1
	install -D -m 0644 $(DIST)/snapcheck.bash $(DESTDIR)$(BASHCOMPLETIONDIR)/snapcheck
	install -D -m 0644 $(DIST)/snapcheck.zsh $(DESTDIR)$(ZSHCOMPLETIONDIR)/_snapcheck
	install -D -m 0644 $(DIST)/snapcheck.fish $(DESTDIR)$(FISHCOMPLETIONDIR)/snapcheck.fish

## Remove what `make install` installed (same PREFIX and DESTDIR).
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/snapcheck $(DESTDIR)$(MANDIR)/snapcheck.1 $(DESTDIR)$(BASHCOMPLETIONDIR)/snapcheck \
		$(DESTDIR)$(ZSHCOMPLETIONDIR)/_snapcheck $(DESTDIR)$(FISHCOMPLETIONDIR)/snapcheck.fish

## The SnapCheck library's DocC documentation (API reference, the "Use snapcheck from your own tool" article),
## in .build/plugins/Swift-DocC/outputs/SnapCheck.doccarchive; not part of `make test`.
docs:
	$(SWIFT) package generate-documentation --target SnapCheck

## Speed and memory against the shell pipelines users run (not part of `make test`); see Docs/performance.md.
bench: deps
	bash Tests/Benchmarks/run.sh $(BENCH_ARGS)

# Hostile input: fuzzing, the corrupt corpus, sanitizers (Docs/hardening.md).
.PHONY: fuzz corrupt-corpus asan ubsan tsan
SECONDS ?= 60
# The spec worker sets RLIMIT_AS (1 GiB), which ASan/TSan shadow memory cannot live in:
# sanitized runs use the plain debug worker (a separate process, outside the sanitized code).
SANITIZER_ENV = SNAPCHECK_SPEC_WORKER=$(CURDIR)/.build/debug/snapcheck

## libFuzzer over every parser, SECONDS each (default 60), one target after another.
fuzz: fixtures
	Tests/Fuzz/run.sh $(SECONDS)

## The corrupt-input corpus (the tests also generate it on first use).
corrupt-corpus: fixtures
	python3 Fixtures/corrupt-corpus.py $(FIXTURES)

## The whole test suite under address sanitizer (leak checks off: exit-time runtime allocations
## would turn every CLI exit status into 1).
asan: fixtures build
	$(SWIFT) build --build-tests --scratch-path .build-asan -Xswiftc -sanitize=address
	$(SANITIZER_ENV) ASAN_OPTIONS=detect_leaks=0 $(SWIFT) test --skip-build --scratch-path .build-asan

## The whole test suite with clang's undefined-behaviour sanitizer on the C code (librpm shims);
## swiftc has no -sanitize=undefined: Swift code traps on overflow and bounds by itself.
ubsan: fixtures build
	$(SWIFT) build --build-tests --scratch-path .build-ubsan -Xcc -fsanitize=undefined -Xswiftc -Xclang-linker -Xswiftc -fsanitize=undefined
	$(SANITIZER_ENV) UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 $(SWIFT) test --skip-build --scratch-path .build-ubsan

## The parallel batch path (in process and through the CLI, also the 90-input corrupt batch)
## under thread sanitizer.
tsan: fixtures build
	$(SWIFT) build --build-tests --scratch-path .build-tsan -Xswiftc -sanitize=thread
	$(SANITIZER_ENV) TSAN_OPTIONS=halt_on_error=1 $(SWIFT) test --skip-build --scratch-path .build-tsan --filter 'BatchTests|GroupingTests|nothingLostInABatch'

clean:
	rm -rf .build $(LINT) $(FIXTURES)
