//! The shipped Prometheus and Grafana files on their own: promtool accepts the scrape job
//! (made into a whole config), the rules, and the rules' unit tests pass; the dashboard
//! has its `host` variable and every panel query is limited to the chosen hosts. Needs
//! promtool only (Debian package prometheus), not root.

use super::prom::{config_from_shipped, packaging, promtool, read_packaging, Setup};
use crate::support;

use serde_json::Value;
use support::{err, Result};

/// Every `expr` of every panel of the dashboard (rows' panels included), with its title.
pub fn panel_queries(dash: &Value) -> Vec<(String, String)> {
    fn walk(panels: &Value, out: &mut Vec<(String, String)>) {
        for p in panels.as_array().into_iter().flatten() {
            let title = p["title"].as_str().unwrap_or("").to_owned();
            for t in p["targets"].as_array().into_iter().flatten() {
                if let Some(e) = t["expr"].as_str() {
                    out.push((title.clone(), e.to_owned()));
                }
            }
            walk(&p["panels"], out);
        }
    }
    let mut out = Vec::new();
    walk(&dash["panels"], &mut out);
    out
}

#[test]
fn promtool_accepts_the_scrape_job_and_the_rules_pass_their_tests() -> Result<()> {
    let work = tempfile::Builder::new()
        .prefix("hogwatch-promtool-")
        .tempdir()?;
    let rules = work.path().join("hogwatch.rules.yml");
    std::fs::copy(packaging("prometheus/hogwatch.rules.yml"), &rules)?;
    let token = work.path().join("token");
    std::fs::write(&token, "0123456789abcdef\n")?;
    let config = config_from_shipped(&Setup {
        interval: "15s",
        rules: &rules,
        token: &token,
        targets: &["192.0.2.1:9736".to_owned(), "192.0.2.2:9736".to_owned()],
    })?;
    std::fs::write(work.path().join("prometheus.yml"), config)?;
    let out = promtool(&["check", "config", "prometheus.yml"], work.path())?;
    assert!(out.contains("SUCCESS"), "{out}");

    let dir = packaging("prometheus");
    let out = promtool(&["check", "rules", "hogwatch.rules.yml"], &dir)?;
    assert!(out.contains("SUCCESS: 5 rules found"), "{out}");
    let out = promtool(&["test", "rules", "hogwatch.rules.test.yml"], &dir)?;
    assert!(out.contains("SUCCESS"), "{out}");
    Ok(())
}

#[test]
fn the_dashboard_has_a_host_variable_and_every_query_uses_it() -> Result<()> {
    let dash: Value = serde_json::from_str(&read_packaging("grafana/hogwatch-fleet.json")?)?;
    let vars = dash["templating"]["list"]
        .as_array()
        .ok_or_else(|| err("no templating list"))?;
    let host = vars
        .iter()
        .find(|v| v["name"] == "host")
        .ok_or_else(|| err("no host variable"))?;
    assert_eq!(
        host["definition"],
        "label_values(hogwatch_build_info, host)"
    );
    let queries = panel_queries(&dash);
    assert!(queries.len() >= 10, "{queries:?}");
    for (title, expr) in &queries {
        assert!(
            expr.contains("host=~\"$host\""),
            "panel {title:?}: {expr} is not limited to the chosen hosts"
        );
        assert!(
            !expr.contains("pid"),
            "panel {title:?}: no per-process series exist"
        );
    }
    Ok(())
}
