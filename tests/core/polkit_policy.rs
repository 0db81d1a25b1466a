//! The polkit policy in `packaging/`: one action whose exec.path is exactly where the
//! helper is installed (what `pkexec` matches), an admin password kept for the session,
//! nothing for inactive or remote sessions.

use hogwatch::collect::helper::probe::INSTALLED_HELPER;

const POLICY: &str = include_str!("../../packaging/org.hogwatch.helper.policy");

/// The text between `<tag>` and `</tag>` (first occurrence), trimmed.
fn element<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = start + xml[start..].find(&close)?;
    Some(xml[start..end].trim())
}

#[test]
fn exec_path_is_the_installed_helper() {
    let key = r#"<annotate key="org.freedesktop.policykit.exec.path">"#;
    let values: Vec<&str> = POLICY
        .match_indices(key)
        .filter_map(|(i, _)| {
            let rest = &POLICY[i + key.len()..];
            rest.find("</annotate>").map(|end| rest[..end].trim())
        })
        .collect();
    assert_eq!(values, vec![INSTALLED_HELPER]);
}

#[test]
fn only_active_local_sessions_with_an_admin_password() {
    assert_eq!(POLICY.matches("<action ").count(), 1, "one action");
    assert!(POLICY.contains(r#"<action id="org.hogwatch.helper">"#));
    let defaults = element(POLICY, "defaults").expect("a <defaults> element");
    assert_eq!(element(defaults, "allow_any"), Some("no"));
    assert_eq!(element(defaults, "allow_inactive"), Some("no"));
    assert_eq!(element(defaults, "allow_active"), Some("auth_admin_keep"));
    assert!(POLICY.starts_with("<?xml"), "an XML declaration first");
}
