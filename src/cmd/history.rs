//! `hogwatch history`: totals from the history file per app, device, local day or
//! billing month, as a table, CSV or JSON. Reads while the applet writes.

use crate::cli::{Format, Global, GroupBy, HistoryArgs};
use crate::store::query::{PeriodTotal, Subject, FIRST_TS, LAST_TS, MAX_SERIES_SPAN};
use crate::store::tiers::Zone;
use crate::store::Store;
use crate::text::truncate;
use crate::units::bytes;
use crate::units::parse_duration;
use anyhow::{bail, Context};
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone};
use serde_json::json;
use std::fmt::Write as _;
use std::io::Write as _;
use std::process::ExitCode;

/// A point in time from the command line: a date, a local date-time, RFC 3339, `@unix`,
/// or a duration ago (`3h`).
pub fn parse_time(s: &str, now: i64, zone: &Zone) -> Result<i64, String> {
    let s = s.trim();
    if let Some(unix) = s.strip_prefix('@') {
        return unix.parse().map_err(|_| format!("bad Unix time {s:?}"));
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Ok(d.timestamp());
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(zone.start_of(d));
    }
    for fmt in [
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(s, fmt) {
            return Ok(local_ts(zone, dt));
        }
    }
    parse_duration(s)
        .map(|d| now - d)
        .map_err(|_| format!("cannot read time {s:?}: use 2026-11-01, \"2026-11-01 08:00\", RFC 3339, @UNIX or a duration ago like 3h"))
}

fn local_ts(zone: &Zone, dt: NaiveDateTime) -> i64 {
    let pick = |r: chrono::LocalResult<i64>| r.earliest().unwrap_or(dt.and_utc().timestamp());
    match zone {
        Zone::Local => pick(
            chrono::Local
                .from_local_datetime(&dt)
                .map(|d| d.timestamp()),
        ),
        Zone::Fixed(z) => pick(z.from_local_datetime(&dt).map(|d| d.timestamp())),
    }
}

/// `[from, to)` for the arguments; `first` is when history begins (for `all`).
pub fn resolve_range(
    args: &HistoryArgs,
    now: i64,
    first: Option<i64>,
    zone: &Zone,
) -> Result<(i64, i64), String> {
    if let Some(since) = &args.since {
        let from = parse_time(since, now, zone)?;
        let to = match &args.until {
            Some(u) => parse_time(u, now, zone)?,
            None => now,
        };
        for (flag, t) in [("--since", from), ("--until", to)] {
            if !(FIRST_TS..=LAST_TS).contains(&t) {
                return Err(format!(
                    "{flag}: {t} is out of range: times go from {FIRST_TS} (1970) to {LAST_TS} \
                     (the end of the year 9999) in Unix seconds"
                ));
            }
        }
        if from >= to {
            return Err(format!("--since ({since}) must be before --until"));
        }
        if to - from > MAX_SERIES_SPAN {
            return Err(format!(
                "--since ({since}) to --until: more than a hundred years"
            ));
        }
        return Ok((from, to));
    }
    if args.range == "all" {
        return Ok((first.unwrap_or(now).min(now), now + 1));
    }
    Ok((now - parse_duration(&args.range)?, now + 1))
}

/// Characters after which a reader may start a new cell: RFC 4180's comma and line
/// breaks, and the `;` and tab that spreadsheets in many locales (or set to guess)
/// split on.
const CELL_BREAKS: [char; 5] = [',', ';', '\t', '\n', '\r'];
/// What makes a spreadsheet read a cell as a formula (OWASP's list).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A CSV field (app names are other programs' choice): quoted when it holds a quote or
/// anything a reader may split a cell at (RFC 4180, plus `;` and tab), quotes doubled;
/// and a formula start neutralised with a leading `'` wherever a cell could begin — at
/// the start, and after each of those breaks, for readers that split there without
/// honouring quotes.
pub fn csv_field(s: &str) -> String {
    let mut guarded = String::with_capacity(s.len() + 2);
    let mut cell_start = true;
    for c in s.chars() {
        if cell_start && FORMULA_STARTS.contains(&c) {
            guarded.push('\'');
        }
        guarded.push(c);
        cell_start = CELL_BREAKS.contains(&c);
    }
    if guarded.contains('"') || guarded.contains(CELL_BREAKS) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

fn iso(ts: i64) -> String {
    DateTime::from_timestamp(ts, 0)
        .map(|d| d.to_rfc3339())
        .unwrap_or_default()
}

pub fn run(global: &Global, args: &HistoryArgs) -> anyhow::Result<ExitCode> {
    let settings = crate::app::Settings::new(global);
    let Some(dir) = settings.data_dir.clone() else {
        bail!("no history directory: set HOME or XDG_DATA_HOME, or pass --data-dir");
    };
    let store = Store::open_reader(&dir, Zone::Local)
        .with_context(|| "cannot read the history (has hogwatch run yet?)".to_string())?;
    let now = chrono::Utc::now().timestamp();
    let zone = store.zone().clone();
    let (from, to) =
        resolve_range(args, now, store.first_ts()?, &zone).map_err(anyhow::Error::msg)?;
    let apps = match &args.app {
        Some(q) => {
            let found = store.find_apps(q)?;
            if found.is_empty() {
                bail!("no app {q:?} in the history (see `hogwatch history --by app --range all`)");
            }
            Some(found)
        }
        None => None,
    };
    let out = render(
        &store,
        args,
        settings.billing_day,
        from,
        to,
        apps.as_deref(),
    )?;
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`| head`) is not an error worth a message.
    let _ = stdout
        .write_all(out.as_bytes())
        .and_then(|()| stdout.flush());
    Ok(ExitCode::SUCCESS)
}

/// The output text for one query (pure apart from reading the store).
pub fn render(
    store: &Store,
    args: &HistoryArgs,
    billing_day: u32,
    from: i64,
    to: i64,
    apps: Option<&[(String, String)]>,
) -> anyhow::Result<String> {
    let mut o = String::new();
    let zone = store.zone().clone();
    match args.by {
        GroupBy::App => {
            let rows = match apps {
                Some(list) => {
                    let mut v = Vec::new();
                    for (key, name) in list {
                        let (up, down) = store.app_total(from, to, key)?;
                        v.push(crate::store::query::AppTotal {
                            app: key.clone(),
                            name: name.clone(),
                            up_bytes: up,
                            down_bytes: down,
                        });
                    }
                    v
                }
                None => store.top_apps(from, to, args.limit)?,
            };
            let dev = store.device_totals(from, to)?;
            match args.format {
                Format::Json => {
                    let v = json!({"from": iso(from), "to": iso(to), "apps": rows,
                        "unattributed": {"up_bytes": dev.unattributed_up, "down_bytes": dev.unattributed_down}});
                    writeln!(o, "{v}")?;
                }
                Format::Csv => {
                    writeln!(o, "app,name,up_bytes,down_bytes,total_bytes")?;
                    for r in &rows {
                        writeln!(
                            o,
                            "{},{},{},{},{}",
                            csv_field(&r.app),
                            csv_field(&r.name),
                            r.up_bytes,
                            r.down_bytes,
                            r.up_bytes + r.down_bytes
                        )?;
                    }
                    if apps.is_none() {
                        writeln!(
                            o,
                            "(unattributed),,{},{},{}",
                            dev.unattributed_up,
                            dev.unattributed_down,
                            dev.unattributed_up + dev.unattributed_down
                        )?;
                    }
                }
                Format::Table => {
                    writeln!(o, "{} → {}", iso(from), iso(to))?;
                    writeln!(
                        o,
                        "{:<28} {:>11} {:>11} {:>11}  APP",
                        "NAME", "↑ UP", "↓ DOWN", "TOTAL"
                    )?;
                    for r in &rows {
                        writeln!(
                            o,
                            "{:<28} {:>11} {:>11} {:>11}  {}",
                            truncate(&r.name, 28),
                            bytes(r.up_bytes),
                            bytes(r.down_bytes),
                            bytes(r.up_bytes + r.down_bytes),
                            truncate(&r.app, 60)
                        )?;
                    }
                    if apps.is_none() {
                        writeln!(
                            o,
                            "{:<28} {:>11} {:>11} {:>11}",
                            "(unattributed)",
                            bytes(dev.unattributed_up),
                            bytes(dev.unattributed_down),
                            bytes(dev.unattributed_up + dev.unattributed_down)
                        )?;
                    }
                }
            }
        }
        GroupBy::Device => {
            let dev = store.device_totals(from, to)?;
            match args.format {
                Format::Json => writeln!(
                    o,
                    "{}",
                    json!({"from": iso(from), "to": iso(to), "devices": dev.devices,
                    "unattributed": {"up_bytes": dev.unattributed_up, "down_bytes": dev.unattributed_down}})
                )?,
                Format::Csv => {
                    writeln!(o, "device,up_bytes,down_bytes,total_bytes")?;
                    for d in &dev.devices {
                        writeln!(
                            o,
                            "{},{},{},{}",
                            csv_field(&d.device),
                            d.up_bytes,
                            d.down_bytes,
                            d.up_bytes + d.down_bytes
                        )?;
                    }
                }
                Format::Table => {
                    writeln!(o, "{} → {}", iso(from), iso(to))?;
                    writeln!(
                        o,
                        "{:<16} {:>11} {:>11} {:>11}",
                        "DEVICE", "↑ UP", "↓ DOWN", "TOTAL"
                    )?;
                    for d in &dev.devices {
                        writeln!(
                            o,
                            "{:<16} {:>11} {:>11} {:>11}",
                            truncate(&d.device, 16),
                            bytes(d.up_bytes),
                            bytes(d.down_bytes),
                            bytes(d.up_bytes + d.down_bytes)
                        )?;
                    }
                    writeln!(
                        o,
                        "{:<16} {:>11} {:>11}   (of the above)",
                        "(unattributed)",
                        bytes(dev.unattributed_up),
                        bytes(dev.unattributed_down)
                    )?;
                }
            }
        }
        GroupBy::Day | GroupBy::Month => {
            let subject = match apps {
                Some([(key, _)]) => Subject::App(key.clone()),
                Some(list) => anyhow::bail!(
                    "{} apps match; name one by its key: {}",
                    list.len(),
                    list.iter()
                        .map(|a| a.0.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                None => Subject::Total,
            };
            let periods: Vec<PeriodTotal> = if args.by == GroupBy::Day {
                store.days(&subject, from, to)?
            } else {
                store.months(&subject, from, to, billing_day)?
            };
            let label = if args.by == GroupBy::Day {
                "day"
            } else {
                "month_start"
            };
            match args.format {
                Format::Json => writeln!(
                    o,
                    "{}",
                    json!({"from": iso(from), "to": iso(to), "zone_today": zone.date(to - 1).to_string(), "periods": periods})
                )?,
                Format::Csv => {
                    writeln!(o, "{label},up_bytes,down_bytes,total_bytes,covered")?;
                    for p in &periods {
                        writeln!(
                            o,
                            "{},{},{},{},{}",
                            p.start,
                            p.up_bytes,
                            p.down_bytes,
                            p.up_bytes + p.down_bytes,
                            p.covered
                        )?;
                    }
                }
                Format::Table => {
                    writeln!(
                        o,
                        "{:<12} {:>11} {:>11} {:>11}",
                        label.to_uppercase(),
                        "↑ UP",
                        "↓ DOWN",
                        "TOTAL"
                    )?;
                    for p in &periods {
                        if p.covered {
                            writeln!(
                                o,
                                "{:<12} {:>11} {:>11} {:>11}",
                                p.start.to_string(),
                                bytes(p.up_bytes),
                                bytes(p.down_bytes),
                                bytes(p.up_bytes + p.down_bytes)
                            )?;
                        } else {
                            writeln!(
                                o,
                                "{:<12} {:>11} {:>11} {:>11}",
                                p.start.to_string(),
                                "—",
                                "—",
                                "(not running)"
                            )?;
                        }
                    }
                }
            }
        }
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        assert_eq!(csv_field("firefox"), "firefox");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("-cmd"), "'-cmd");
        assert_eq!(csv_field("line\nbreak"), "\"line\nbreak\"");
    }

    #[test]
    fn csv_quotes_semicolons_and_tabs_and_defuses_formulas_after_them() {
        // Excel and LibreOffice split on `;` (or tab) in many locales: quoted.
        assert_eq!(csv_field("a;b"), "\"a;b\"");
        assert_eq!(csv_field("a\tb"), "\"a\tb\"");
        // A formula where a naive `;`/tab/comma/line splitter would start a cell.
        assert_eq!(
            csv_field("x;=HYPERLINK(\"http://e\")"),
            "\"x;'=HYPERLINK(\"\"http://e\"\")\""
        );
        assert_eq!(csv_field("x\t+1"), "\"x\t'+1\"");
        assert_eq!(csv_field("x,@SUM(A1)"), "\"x,'@SUM(A1)\"");
        assert_eq!(csv_field("x\n-2"), "\"x\n'-2\"");
        assert_eq!(csv_field("x\r\n=1"), "\"x\r\n'=1\"");
        // Tab and CR start a formula too: at the start, and after a break.
        assert_eq!(csv_field("\t=1"), "\"'\t'=1\"");
        assert_eq!(csv_field("a;\r"), "\"a;'\r\"");
        // Inside a cell, a sign is just a character.
        assert_eq!(csv_field("a-b+c=d@e"), "a-b+c=d@e");
        assert_eq!(csv_field("/usr/bin/x --flag"), "/usr/bin/x --flag");
    }

    #[test]
    fn times_from_the_command_line() {
        let utc = Zone::utc();
        let now = 1_795_600_000;
        assert_eq!(parse_time("2026-11-25", now, &utc), Ok(1_795_564_800));
        assert_eq!(parse_time("2026-11-25 01:00", now, &utc), Ok(1_795_568_400));
        assert_eq!(
            parse_time("2026-11-25T01:00:00+01:00", now, &utc),
            Ok(1_795_564_800)
        );
        assert_eq!(parse_time("3h", now, &utc), Ok(now - 3 * 3600));
        assert_eq!(parse_time("@42", now, &utc), Ok(42));
        assert!(parse_time("yesterday-ish", now, &utc).is_err());
    }
}
