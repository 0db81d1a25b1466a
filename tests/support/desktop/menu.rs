//! A dbusmenu layout as a tree ([`MenuNode`]), built from `GetLayout`'s reply, and its
//! queries: find by text, flatten, dump for error messages.

use super::super::{err, Result};
use super::bus::variant_inner;
use std::fmt::Write as _;
use zbus::zvariant::Value;

/// One item of a dbusmenu layout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MenuNode {
    pub id: i32,
    /// The label as sent: `_` marks a mnemonic, `__` is a literal underscore (muda turns
    /// `&` into the mnemonic and escapes `_`). See [`MenuNode::text`].
    pub label: String,
    /// Absent means true.
    pub enabled: bool,
    /// Absent means true.
    pub visible: bool,
    /// "standard" or "separator".
    pub kind: String,
    /// "checkmark", "radio" or "" (none).
    pub toggle_type: String,
    /// 1 checked, 0 unchecked, -1 indeterminate; `None` when not a toggle.
    pub toggle_state: Option<i32>,
    /// Has a submenu (`children-display` = "submenu", or children).
    pub submenu: bool,
    pub children: Vec<MenuNode>,
}

impl MenuNode {
    pub(super) fn from_parts(
        id: i32,
        props: &[(&str, &Value<'_>)],
        children: &[&Value<'_>],
    ) -> Result<Self> {
        let get = |key: &str| props.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
        let string = |key: &str| match get(key) {
            Some(Value::Str(s)) => Some(s.to_string()),
            _ => None,
        };
        let boolean = |key: &str| match get(key) {
            Some(Value::Bool(b)) => Some(*b),
            _ => None,
        };
        let children = children
            .iter()
            .map(|c| MenuNode::from_value(c))
            .collect::<Result<Vec<_>>>()?;
        Ok(MenuNode {
            id,
            label: string("label").unwrap_or_default(),
            enabled: boolean("enabled").unwrap_or(true),
            visible: boolean("visible").unwrap_or(true),
            kind: string("type").unwrap_or_else(|| "standard".to_owned()),
            toggle_type: string("toggle-type").unwrap_or_default(),
            toggle_state: match get("toggle-state") {
                Some(Value::I32(s)) => Some(*s),
                _ => None,
            },
            submenu: string("children-display").as_deref() == Some("submenu")
                || !children.is_empty(),
            children,
        })
    }

    /// A child of a layout: a variant holding `(ia{sv}av)`.
    fn from_value(v: &Value<'_>) -> Result<Self> {
        let v = variant_inner(v);
        let bad = || err(format!("dbusmenu: unexpected layout item {v:?}"));
        let Value::Structure(s) = v else {
            return Err(bad());
        };
        let [id, props, children] = s.fields() else {
            return Err(bad());
        };
        let (Value::I32(id), Value::Dict(props), Value::Array(children)) = (
            variant_inner(id),
            variant_inner(props),
            variant_inner(children),
        ) else {
            return Err(bad());
        };
        let props: Vec<(String, &Value<'_>)> = props
            .iter()
            .filter_map(|(k, v)| match variant_inner(k) {
                Value::Str(k) => Some((k.to_string(), variant_inner(v))),
                _ => None,
            })
            .collect();
        let props: Vec<(&str, &Value<'_>)> = props.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        let children: Vec<&Value<'_>> = children.iter().collect();
        MenuNode::from_parts(*id, &props, &children)
    }

    /// The label as shown: mnemonic markers removed (`_Quit` → `Quit`, `a__b` → `a_b`).
    pub fn text(&self) -> String {
        strip_mnemonics(&self.label)
    }

    pub fn is_separator(&self) -> bool {
        self.kind == "separator"
    }

    /// `Some(true)` for a checked toggle item, `None` if not a toggle.
    pub fn checked(&self) -> Option<bool> {
        self.toggle_state.map(|s| s == 1)
    }

    /// First node (this one included), depth first in menu order, for which `pred` holds.
    pub fn find(&self, pred: impl Fn(&MenuNode) -> bool) -> Option<&MenuNode> {
        self.find_dyn(&pred)
    }

    fn find_dyn(&self, pred: &dyn Fn(&MenuNode) -> bool) -> Option<&MenuNode> {
        if pred(self) {
            return Some(self);
        }
        self.children.iter().find_map(|c| c.find_dyn(pred))
    }

    /// First node whose [`MenuNode::text`] is exactly `text`.
    pub fn find_text(&self, text: &str) -> Option<&MenuNode> {
        self.find(|n| n.text() == text)
    }

    /// First node whose [`MenuNode::text`] starts with `prefix`.
    pub fn find_label_prefix(&self, prefix: &str) -> Option<&MenuNode> {
        self.find(|n| n.text().starts_with(prefix))
    }

    /// This node and all below it, depth first in menu order.
    pub fn flatten(&self) -> Vec<&MenuNode> {
        let mut out = vec![self];
        for c in &self.children {
            out.extend(c.flatten());
        }
        out
    }

    /// The items directly below this node as a tray host draws them, one a line: a
    /// separator as `----`, a toggle with `[x] `/`[ ] ` before it, a submenu with ` >` after
    /// it; hidden items are left out. What a screenshot of the open menu shows, as text.
    pub fn shown_items(&self) -> Vec<String> {
        self.children
            .iter()
            .filter(|c| c.visible)
            .map(|c| {
                if c.is_separator() {
                    return "----".to_owned();
                }
                let mut line = match (c.toggle_type.as_str(), c.checked()) {
                    ("", _) => String::new(),
                    (_, Some(true)) => "[x] ".to_owned(),
                    _ => "[ ] ".to_owned(),
                };
                line.push_str(&c.text());
                if c.submenu {
                    line.push_str(" >");
                }
                line
            })
            .collect()
    }

    /// An indented tree, one item a line, for error messages.
    pub fn dump(&self) -> String {
        let mut out = String::new();
        self.dump_into(&mut out, 0);
        out
    }

    fn dump_into(&self, out: &mut String, depth: usize) {
        let _ = write!(out, "{:indent$}{}", "", self.id, indent = depth * 2);
        if self.is_separator() {
            out.push_str(" ----");
        } else {
            let _ = write!(out, " {:?}", self.text());
            if self.text() != self.label {
                let _ = write!(out, " (raw {:?})", self.label);
            }
        }
        if !self.enabled {
            out.push_str(" disabled");
        }
        if !self.visible {
            out.push_str(" hidden");
        }
        match (self.toggle_type.as_str(), self.checked()) {
            ("", _) => {}
            (t, Some(true)) => {
                let _ = write!(out, " [{t}: on]");
            }
            (t, _) => {
                let _ = write!(out, " [{t}: off]");
            }
        }
        if self.submenu {
            out.push_str(" >");
        }
        out.push('\n');
        for c in &self.children {
            c.dump_into(out, depth + 1);
        }
    }
}

/// Removes GTK mnemonic markers: `_x` → `x`, `__` → `_` (a trailing `_` stays).
pub fn strip_mnemonics(label: &str) -> String {
    let mut out = String::with_capacity(label.len());
    let mut chars = label.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '_' {
            match chars.next() {
                Some(next) => out.push(next),
                None => out.push('_'),
            }
        } else {
            out.push(c);
        }
    }
    out
}
