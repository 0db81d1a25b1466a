//! The dashboard page and its files, embedded in the binary: our own page, script modules
//! and style sheet from `web/`, and uPlot (the chart library), committed in
//! `web/vendor/uplot/` so that a build needs no npm (its README says how to update it).

/// One file the server serves at `path`.
pub struct Asset {
    pub path: &'static str,
    pub content_type: &'static str,
    pub body: &'static str,
}

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

pub const INDEX: &str = include_str!("../../web/index.html");

/// Everything but the page itself (served at `/`).
pub const FILES: &[Asset] = &[
    Asset {
        path: "/app.js",
        content_type: JS,
        body: include_str!("../../web/app.js"),
    },
    Asset {
        path: "/chart.js",
        content_type: JS,
        body: include_str!("../../web/chart.js"),
    },
    Asset {
        path: "/table.js",
        content_type: JS,
        body: include_str!("../../web/table.js"),
    },
    Asset {
        path: "/format.js",
        content_type: JS,
        body: include_str!("../../web/format.js"),
    },
    Asset {
        path: "/style.css",
        content_type: CSS,
        body: include_str!("../../web/style.css"),
    },
    Asset {
        path: "/uplot.js",
        content_type: JS,
        body: include_str!("../../web/vendor/uplot/uPlot.iife.min.js"),
    },
    Asset {
        path: "/uplot.css",
        content_type: CSS,
        body: include_str!("../../web/vendor/uplot/uPlot.min.css"),
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_links_every_file_and_uplot_is_embedded() {
        for a in FILES {
            assert!(!a.body.is_empty(), "{} is empty", a.path);
        }
        for link in ["app.js", "style.css", "uplot.js", "uplot.css"] {
            assert!(
                INDEX.contains(&format!("\"{link}\"")),
                "index.html lacks {link}"
            );
        }
        let uplot = FILES.iter().find(|a| a.path == "/uplot.js").map(|a| a.body);
        assert!(uplot.is_some_and(|b| b.contains("uPlot")));
    }

    /// The version `web/package-lock.json` pins for uplot.
    fn locked_version(lock: &str) -> Option<String> {
        let lock: serde_json::Value = serde_json::from_str(lock).ok()?;
        let v = lock.pointer("/packages/node_modules~1uplot/version")?;
        v.as_str().map(str::to_owned)
    }

    /// The version in the vendored script's first line, as uPlot's build writes it:
    /// `/*! https://github.com/leeoniya/uPlot (v1.6.32) */`.
    fn vendored_version(js: &str) -> Option<&str> {
        let first = js.lines().next()?;
        let rest = first.split_once("uPlot (v")?.1;
        rest.split_once(')').map(|(v, _)| v)
    }

    // `make update-uplot` copies whatever the lock file pins, and nothing else ties the
    // committed copy to it: a lock file bumped without the copy (or the reverse) fails here.
    #[test]
    fn the_vendored_uplot_is_the_version_the_lock_file_pins() {
        let lock = include_str!("../../web/package-lock.json");
        let js = include_str!("../../web/vendor/uplot/uPlot.iife.min.js");
        let readme = include_str!("../../web/vendor/uplot/README.md");
        let locked = locked_version(lock).expect("web/package-lock.json pins uplot");
        let vendored = vendored_version(js).expect("uPlot.iife.min.js starts with its version");
        assert_eq!(
            locked, vendored,
            "web/package-lock.json pins uplot {locked} but web/vendor/uplot/ holds \
             {vendored}: run `make update-uplot` (see web/vendor/uplot/README.md)"
        );
        for named in [format!("# uPlot {locked} "), format!("`uplot@{locked}`")] {
            assert!(
                readme.contains(&named),
                "web/vendor/uplot/README.md does not name uplot {locked} ({named})"
            );
        }
    }

    #[test]
    fn version_readers_reject_what_they_cannot_read() {
        assert_eq!(locked_version("{}"), None);
        assert_eq!(locked_version("not json"), None);
        assert_eq!(
            locked_version(r#"{"packages":{"node_modules/uplot":{"version":"1.6.31"}}}"#),
            Some("1.6.31".into())
        );
        assert_eq!(vendored_version(""), None);
        assert_eq!(vendored_version("var uPlot=function(){}"), None);
        assert_eq!(
            vendored_version("/*! https://github.com/leeoniya/uPlot (v1.6.31) */\nvar"),
            Some("1.6.31")
        );
    }
}
