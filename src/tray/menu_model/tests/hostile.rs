//! Hostile input: control characters and bidi overrides in names and paths, NaN and
//! negative rates.

use super::*;

#[test]
fn untrusted_text_is_neutralised() {
    let evil = "evil\x1b]0;pwned\x07\nname\u{202E}gpj.exe\r\t";
    let mut p = process(1, 66, "x", &[("eth\n0", 5.0 * KIB, 0.0, 1, 1)]);
    p.name = evil.into();
    p.app_name = evil.into();
    p.app = evil.into();
    p.exe = format!("/tmp/{evil}/{}", "d".repeat(200));
    p.cmdline = format!("{evil} {}", "--x ".repeat(100));
    p.user = format!("bob\x1b[2J{evil}");
    let mut s = snapshot(vec![p], Usage::default());
    s.status = evil.into();
    for group in [Group::Apps, Group::Processes] {
        let device = [None, Some("eth\n0".to_string())];
        for device in device {
            let settings = MenuSettings {
                group,
                device,
                ..MenuSettings::default()
            };
            let m = build_at(&s, &settings, &mut Ordering::new(), 0);
            assert_eq!(m.rows.len(), 1);
            for line in all_strings(&m) {
                assert!(
                    !line.chars().any(|c| c.is_control()
                        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')),
                    "{line:?}"
                );
                assert!(line.chars().count() <= 130, "{line:?}");
            }
            let name = &m.rows[0].name;
            let limit = match group {
                Group::Apps => NAME_CHARS,
                Group::Processes => NAME_CHARS + " (66)".len(),
            };
            assert!(name.chars().count() <= limit, "{name:?}");
            assert!(name.starts_with("evil\u{FFFD}]0;pwned"), "{name:?}");
            // Long paths keep their end.
            let exe = m.rows[0]
                .details
                .iter()
                .find(|d| d.starts_with("Executable: "))
                .expect("executable line");
            assert!(exe.ends_with("dddd"), "{exe}");
            assert!(exe.contains('…'), "{exe}");
        }
    }
}

#[test]
fn nan_and_negative_rates_do_not_panic() {
    let mut s = snapshot(
        vec![
            process(1, 11, "nan", &[("eth0", f64::NAN, f64::NAN, 10, 10)]),
            process(
                2,
                12,
                "endless",
                &[("eth0", f64::INFINITY, f64::NEG_INFINITY, 10, 10)],
            ),
            process(3, 13, "neg", &[("eth0", -5.0, -1e9, 0, 0)]),
            process(4, 14, "ok", &[("eth0", 2.0 * KIB, 0.0, 5, 5)]),
        ],
        usage(f64::NAN, -3.0, 0, 0),
    );
    s.total = usage(f64::NAN, f64::INFINITY, 0, 0);
    let mut ord = Ordering::new();
    for sort in [Sort::Rate, Sort::SessionTotal, Sort::Today] {
        for device in [None, Some("eth0".to_string())] {
            let settings = MenuSettings {
                sort,
                device,
                ..MenuSettings::default()
            };
            for t in 0..5 {
                let m = build_at(&s, &settings, &mut ord, t * 1000);
                for line in all_strings(&m) {
                    assert!(!line.contains("NaN") && !line.contains("inf"), "{line}");
                }
                if sort == Sort::Rate {
                    assert_eq!(names(&m), ["ok"]);
                }
            }
        }
    }
}
