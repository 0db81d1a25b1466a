//! Copies the dashboard's one third-party asset, uPlot (pinned in web/package-lock.json,
//! installed by `npm ci` in web/), into OUT_DIR, where src/web/assets.rs embeds it. A
//! missing copy fails the build here with the fix, rather than as an unreadable path in
//! an `include_str!`.

use std::path::Path;

const FILES: [&str; 2] = ["uPlot.iife.min.js", "uPlot.min.css"];

fn main() {
    let dist = Path::new("web/node_modules/uplot/dist");
    let Some(out) = std::env::var_os("OUT_DIR").map(std::path::PathBuf::from) else {
        fail("OUT_DIR is not set (build.rs runs under cargo)".into());
    };
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=web/package-lock.json");
    for f in FILES {
        let src = dist.join(f);
        println!("cargo:rerun-if-changed={}", src.display());
        if let Err(e) = std::fs::copy(&src, out.join(f)) {
            fail(format!(
                "hogwatch's dashboard needs uPlot: {}: {e}.\n\
                 Run `npm ci` in web/ (`make deps` does it), then build again.",
                src.display()
            ));
        }
    }
}

fn fail(msg: String) -> ! {
    eprintln!("\nerror: {msg}\n");
    std::process::exit(1);
}
