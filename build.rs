//! Builds the eBPF kernel program (src/collect/ebpf/hogwatch.bpf.c) into
//! `$OUT_DIR/hogwatch.bpf.o` with clang when the `ebpf` feature is on (it is by default;
//! `--no-default-features` builds without clang). The helper embeds the object.
//!
//! Needs clang (`CLANG` overrides the name), libbpf-dev (bpf/bpf_helpers.h and friends) and
//! linux-libc-dev (linux/bpf.h, asm/types.h). The object is CO-RE: it is built once and runs
//! on any kernel whose BTF has the fields it reads (src/collect/ebpf/vmlinux.h).

use std::env;
use std::path::PathBuf;
use std::process::Command;

const SRC: &str = "src/collect/ebpf/hogwatch.bpf.c";
const INCLUDE: &str = "src/collect/ebpf";

fn main() {
    println!("cargo::rerun-if-changed={INCLUDE}");
    println!("cargo::rerun-if-env-changed=CLANG");
    if env::var_os("CARGO_FEATURE_EBPF").is_none() {
        return;
    }
    let out = PathBuf::from(env::var_os("OUT_DIR").unwrap_or_default()).join("hogwatch.bpf.o");
    let arch = env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    // bpf_tracing.h's name for the arch, and Debian's multiarch folder for asm/types.h.
    let (target_arch, multiarch) = match arch.as_str() {
        "x86_64" => ("x86", "x86_64-linux-gnu"),
        "aarch64" => ("arm64", "aarch64-linux-gnu"),
        "riscv64" => ("riscv", "riscv64-linux-gnu"),
        "powerpc64" => ("powerpc", "powerpc64le-linux-gnu"),
        "s390x" => ("s390", "s390x-linux-gnu"),
        other => panic!("the ebpf feature does not know target arch {other:?}"),
    };
    let clang = env::var("CLANG").unwrap_or_else(|_| "clang".into());
    let status = Command::new(&clang)
        .args(["-target", "bpf", "-g", "-O2", "-Wall", "-Werror"])
        .arg(format!("-D__TARGET_ARCH_{target_arch}"))
        .arg(format!("-I/usr/include/{multiarch}"))
        .arg(format!("-I{INCLUDE}"))
        .args(["-c", SRC, "-o"])
        .arg(&out)
        .status();
    match status {
        Ok(s) if s.success() => {}
        Ok(s) => panic!("{clang} failed on {SRC} ({s})"),
        Err(e) => panic!(
            "cannot run {clang} ({e}): the ebpf feature needs clang, libbpf-dev and \
             linux-libc-dev (apt-get install clang libbpf-dev linux-libc-dev, or `make build`, \
             which installs them), or build with --no-default-features (no eBPF backend)"
        ),
    }
}
