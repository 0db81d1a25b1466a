# hogwatch — `make run` and `make test` install what is missing, then build and run.
SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(PATH)
CARGO ?= cargo

.PHONY: deps package-deps run build test lint unit bench bench-compare clean assets deb rpm \
	package-check update-uplot fuzz soak

deps:
	@.ci/deps

package-deps:
	@.ci/deps packaging

build: deps
	$(CARGO) build --release --locked

## Runs hogwatch (the helper asks for privileges through pkexec or sudo).
run: build
	./target/release/hogwatch

## Every test: formatting, clippy, unit, property and integration tests (real nethogs,
## real traffic in network namespaces: needs root, as on CI), then the packages: built from
## the release build, linted, installed, exercised and removed (package-check, as root).
test: deps lint unit package-check

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --all-targets -- -D warnings

unit:
	$(CARGO) test --locked

## Figures for the README: criterion benches, the history (disk writes a simulated day,
## queries over two years), the whole-process cost of `hogwatch top` and `server` (idle,
## real nethogs: CPU, peak RSS), of the tray applet (5 min, 200 replayed processes,
## xfce4-panel; RSS before and after opening the window 5 times), the wakeups of `hogwatch
## server` idle and at 2 MB/s on both backends, and the history's write_bytes of a
## replaying server (disk_writes.sh); each beside the figures before issue 14.
bench: deps
	$(CARGO) bench --locked --bench core
	$(CARGO) bench --locked --bench history
	$(CARGO) bench --locked --bench ws_load
	benches/idle_cost.sh
	IDLE_CMD=server benches/idle_cost.sh
	benches/tray_cost.sh
	benches/wakeups.sh
	benches/disk_writes.sh

## BENCHMARKS.md: hogwatch (nethogs and eBPF backends), nethogs alone and bandwhich on the
## same real traffic in network namespaces, 8 scenarios × 3 runs (about 40 min, as root).
## bandwhich is installed for this only, in target/bench-compare/bandwhich (kept for the
## next run). BENCH_ARGS="--quick" (1 run) or "--scenarios tcp,idle --tools nethogs" for less.
BANDWHICH_VERSION := 0.23.1
BANDWHICH := target/bench-compare/bandwhich/bin/bandwhich
bench-compare: deps build
	@[ "$$($(BANDWHICH) --version 2>/dev/null)" = "bandwhich $(BANDWHICH_VERSION)" ] || \
	  $(CARGO) install --locked --quiet bandwhich@$(BANDWHICH_VERSION) \
	    --root target/bench-compare/bandwhich
	python3 -m unittest discover -s benches/compare
	python3 benches/compare/run.py --bandwhich $(BANDWHICH) $(BENCH_ARGS)

## Coverage-guided fuzzing, not in CI: cargo-fuzz (installed into target/fuzz-tools on
## first use) runs each target of fuzz/ for FUZZ_SECONDS (default 600) with libFuzzer and
## `--sanitizer none`, which the stable toolchain builds (release, with overflow checks and
## debug assertions). Each starts from fuzz/seeds/TARGET/ (a few valid inputs, committed)
## and keeps what it finds in fuzz/corpus/TARGET/ (not committed). A crash stops it, its
## input saved under fuzz/artifacts/ (each becomes a regression test). Figures of the last
## runs: BENCHMARKS.md, "Fuzzing".
FUZZ_SECONDS ?= 600
CARGO_FUZZ_VERSION := 0.13.2
CARGO_FUZZ := $(CURDIR)/target/fuzz-tools/bin/cargo-fuzz
fuzz: deps
	@[ "$$($(CARGO_FUZZ) --version 2>/dev/null)" = "cargo-fuzz $(CARGO_FUZZ_VERSION)" ] || \
	  $(CARGO) install --locked --quiet cargo-fuzz@$(CARGO_FUZZ_VERSION) --root target/fuzz-tools
	cd fuzz && for t in $$($(CARGO_FUZZ) list); do \
	  echo "== fuzz $$t: $(FUZZ_SECONDS) s"; mkdir -p corpus/$$t; \
	  $(CARGO_FUZZ) run --sanitizer none $$t corpus/$$t $$(ls -d seeds/$$t 2>/dev/null) \
	    -- -max_total_time=$(FUZZ_SECONDS) || exit 1; \
	done

## Soak (issue 15), not in CI: a synthetic week through the whole application (collector,
## history, alerts, the dashboard with 3 WebSocket clients, the tray's view-models) at an
## accelerated clock, release build; a table row per simulated day (RSS, CPU per refresh,
## history size, 30-day query times, WebSocket messages) and the aims' verdicts.
## SOAK_DAYS=7, SOAK_REFRESH_MS=1000, SOAK_SEED=15 (benches/soak/main.rs).
soak: deps
	$(CARGO) bench --locked --bench soak

## Package assets in target/assets/: man pages and shell completions generated from the
## clap definitions (examples/gen_assets.rs), hicolor PNGs rendered from icons/hogwatch.svg.
ICON_SIZES := 16 24 32 48 64 128 256 512
assets: package-deps
	rm -rf target/assets
	$(CARGO) run --locked --quiet --example gen_assets -- target/assets
	gzip -9nf target/assets/man/*.1
	for s in $(ICON_SIZES); do \
	  mkdir -p target/assets/icons/$${s}x$${s} && \
	  rsvg-convert -w $$s -h $$s -o target/assets/icons/$${s}x$${s}/hogwatch.png icons/hogwatch.svg \
	  || exit 1; \
	done

## target/debian/hogwatch_*.deb and target/generate-rpm/hogwatch-*.rpm, from the release
## build exactly as `build` left it (no rebuild, no strip; metadata in Cargo.toml).
deb: package-deps build assets
	rm -f target/debian/hogwatch_*.deb
	$(CARGO) deb --no-build --no-strip --locked

rpm: package-deps build assets
	rm -f target/generate-rpm/hogwatch-*.rpm
	$(CARGO) generate-rpm

## lintian, desktop-file-validate, appstreamcli; install the .deb, run it, remove it; the
## .rpm's file list (packaging/check.sh; needs root for apt-get).
package-check: deb rpm
	packaging/check.sh

## The dashboard's uPlot is committed in web/vendor/uplot/ (building needs no npm). After
## a version change in web/package.json and its lock file, this copies the npm package's
## files there (steps in web/vendor/uplot/README.md); `cargo test` checks the versions agree.
UPLOT_FILES := dist/uPlot.iife.min.js dist/uPlot.min.css LICENSE
update-uplot:
	npm ci --prefix web --no-audit --no-fund --loglevel=error
	cp $(addprefix web/node_modules/uplot/,$(UPLOT_FILES)) web/vendor/uplot/

clean:
	$(CARGO) clean
