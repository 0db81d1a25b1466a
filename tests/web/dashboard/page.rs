//! The page's state as the page shows it (table rows, totals, the chart's pixels, the
//! visible controls), read by script in the page; clicks.

use super::browser::wd;
use crate::support;
use fantoccini::{Client, Locator};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use support::{err, Result};

/// What the page shows, read in one script (one moment).
#[derive(Debug, Deserialize, Clone)]
pub(super) struct Page {
    pub(super) ts: u64,
    pub(super) rows: Vec<Row>,
    pub(super) count: String,
    pub(super) unattributed: Option<[String; 3]>,
    pub(super) title: String,
    pub(super) unit: String,
    pub(super) chart: BTreeMap<String, String>,
    pub(super) error: String,
    pub(super) alerts: Vec<String>,
    pub(super) paused: bool,
    pub(super) mode: String,
    pub(super) status: String,
    pub(super) dom_rows: usize,
    pub(super) sort: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize, Clone)]
pub(super) struct Row {
    pub(super) key: String,
    pub(super) kind: String,
    pub(super) index: usize,
    pub(super) name: String,
    pub(super) pid: String,
    pub(super) devices: String,
    pub(super) down: String,
    pub(super) up: String,
    pub(super) total: String,
    pub(super) focused: bool,
}

pub(super) const READ_PAGE: &str = r#"
const $ = (id) => document.getElementById(id);
const text = (el) => el.textContent;
const table = $('table');
const rows = [...table.tBodies[0].rows].filter((r) => r.dataset.index !== undefined).map((r) => ({
  key: r.dataset.key, kind: r.dataset.kind, index: Number(r.dataset.index),
  name: text(r.cells[0]), pid: text(r.cells[1]), devices: text(r.cells[3]),
  down: text(r.cells[4].children[0]), up: text(r.cells[4].children[1]),
  total: text(r.cells[5]), focused: r.classList.contains('focused'),
}));
const un = $('unattributed');
return {
  ts: Number(table.dataset.ts || 0),
  rows,
  count: text($('count')),
  unattributed: un.hidden ? null : [text($('un-rate-down')), text($('un-rate-up')), text($('un-total'))],
  title: text($('chart-title')),
  unit: text($('chart-unit')),
  chart: { ...$('chart').dataset },
  error: $('error').hidden ? '' : text($('error')),
  alerts: $('alerts').hidden ? [] : [...$('alerts-list').children].map(text),
  paused: document.body.classList.contains('paused'),
  mode: text($('mode')),
  status: $('status').hidden ? '' : text($('status')),
  dom_rows: table.tBodies[0].rows.length,
  sort: Object.fromEntries([...document.querySelectorAll('th[data-sort]')].map((th) => [th.dataset.sort, th.getAttribute('aria-sort')])),
};
"#;

/// Pixels of the chart's canvas near the down and up colours (the series' strokes).
pub(super) const CHART_PIXELS: &str = r#"
const c = document.querySelector('#chart canvas');
if (!c) return { down: 0, up: 0, len: 0 };
const css = (n) => getComputedStyle(document.documentElement).getPropertyValue(n).trim();
const rgb = (hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
const [down, up] = [rgb(css('--down')), rgb(css('--up'))];
const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
const near = (i, [r, g, b]) => Math.abs(d[i] - r) + Math.abs(d[i + 1] - g) + Math.abs(d[i + 2] - b) < 60 && d[i + 3] > 200;
let n = { down: 0, up: 0, len: c.toDataURL().length };
for (let i = 0; i < d.length; i += 4) {
  if (near(i, down)) n.down++;
  else if (near(i, up)) n.up++;
}
return n;
"#;

pub(super) async fn page(c: &Client) -> Result<Page> {
    let v = c.execute(READ_PAGE, vec![]).await.map_err(wd)?;
    serde_json::from_value(v).map_err(|e| err(format!("reading the page: {e}")))
}

/// Waits until the page satisfies `pred` (checked every 100 ms); the last state on timeout.
pub(super) async fn wait_page(
    c: &Client,
    what: &str,
    timeout: Duration,
    mut pred: impl FnMut(&Page) -> bool,
) -> Result<Page> {
    let end = Instant::now() + timeout;
    loop {
        let p = page(c).await?;
        if !p.error.is_empty() {
            return Err(err(format!("the page shows an error: {}", p.error)));
        }
        if pred(&p) {
            return Ok(p);
        }
        if Instant::now() >= end {
            return Err(err(format!(
                "timed out after {timeout:?} waiting for {what}; the page: {p:#?}"
            )));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub(super) async fn click(c: &Client, css: &str) -> Result<()> {
    c.find(Locator::Css(css))
        .await
        .map_err(|e| err(format!("{css}: {e}")))?
        .click()
        .await
        .map_err(|e| err(format!("click {css}: {e}")))
}

/// "12.3 MiB" → bytes (as shown: three significant digits).
pub(super) fn parse_bytes(s: &str) -> Option<f64> {
    let (n, unit) = s.trim().split_once(' ')?;
    let k = ["B", "KiB", "MiB", "GiB", "TiB"]
        .iter()
        .position(|u| *u == unit)?;
    Some(n.parse::<f64>().ok()? * 1024f64.powi(k as i32))
}

pub(super) fn app_row<'a>(p: &'a Page, name: &str) -> Option<&'a Row> {
    p.rows.iter().find(|r| r.kind == "app" && r.name == name)
}

/// The page's visible headings and controls, in page order, as "tag: text" ("button: 30m
/// (pressed)", "option: eth0"): what the screenshot shows besides figures and rows.
pub(super) async fn shown_controls(c: &Client) -> Result<Vec<String>> {
    let found = c
        .execute(
            "const shown = el => el.getClientRects().length > 0; \
             const own = el => [...el.childNodes].filter(n => n.nodeType === Node.TEXT_NODE) \
               .map(n => n.textContent).join(' '); \
             const out = []; \
             for (const el of document.querySelectorAll('h1, h2, h3, button, th, label, option')) { \
               if (!shown(el.tagName === 'OPTION' ? el.parentElement : el)) continue; \
               const raw = el.tagName === 'LABEL' ? own(el) : el.textContent; \
               const text = raw.replace(/\\s+/g, ' ').trim(); \
               if (!text) continue; \
               const pressed = el.getAttribute('aria-pressed') === 'true' ? ' (pressed)' : ''; \
               out.push(`${el.tagName.toLowerCase()}: ${text}${pressed}`); \
             } \
             return out;",
            vec![],
        )
        .await
        .map_err(wd)?;
    serde_json::from_value(found).map_err(|e| err(format!("the page's controls: {e}")))
}
