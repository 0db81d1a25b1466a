//! The dashboard page and its files, embedded in the binary: our own page, script modules
//! and style sheet from `web/`, and uPlot (the chart library, pinned by
//! `web/package-lock.json`), which build.rs copies from `web/node_modules` into OUT_DIR.

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
        body: include_str!(concat!(env!("OUT_DIR"), "/uPlot.iife.min.js")),
    },
    Asset {
        path: "/uplot.css",
        content_type: CSS,
        body: include_str!(concat!(env!("OUT_DIR"), "/uPlot.min.css")),
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
}
