# hogwatch — `make run` and `make test` install what is missing, then build and run.
SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(PATH)
CARGO ?= cargo

.PHONY: deps run build test lint unit bench clean

deps:
	@.ci/deps

build: deps
	$(CARGO) build --release --locked

## Runs hogwatch (the helper asks for privileges through pkexec or sudo).
run: build
	./target/release/hogwatch

## Every test: formatting, clippy, unit, property and integration tests (real nethogs,
## real traffic in network namespaces: needs root, as on CI).
test: deps lint unit

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --all-targets -- -D warnings

unit:
	$(CARGO) test --locked

## Figures for the README: criterion benches, the whole-process cost of `hogwatch top`
## (idle, real nethogs) and of the tray applet (5 min, 200 replayed processes, xfce4-panel).
bench: deps
	$(CARGO) bench --locked --bench core
	$(CARGO) bench --locked --bench history
	benches/idle_cost.sh
	benches/tray_cost.sh

clean:
	$(CARGO) clean
