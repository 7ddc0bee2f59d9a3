# snapcheck: the two commands of the README are `make run` and `make test`.
SHELL := /bin/bash
export PATH := $(PATH):/opt/swift/usr/bin
SWIFT ?= swift
FIXTURES ?= Fixtures/.out
SAMPLE ?= ev-212

.PHONY: run build release test fixtures deps clean bench

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

## The whole test suite (builds the fixtures first).
test: fixtures
	@SNAPCHECK_TEST_DEPS=1 .ci/install-deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

## Speed and memory against the shell pipelines users run (not part of `make test`); see Docs/performance.md.
bench: deps
	bash Tests/Benchmarks/run.sh $(BENCH_ARGS)

clean:
	rm -rf .build $(FIXTURES)
