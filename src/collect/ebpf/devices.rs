//! ifindex → device name in our network namespace, from `/sys/class/net/*/ifindex` (the
//! eBPF records name devices by index; the seam, /proc/net/dev and the user by name).

use super::decode::DeviceNames;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Reads `/sys/class/net` (or another root, for tests).
pub struct SysClassNet {
    root: PathBuf,
}

impl Default for SysClassNet {
    fn default() -> Self {
        SysClassNet {
            root: PathBuf::from("/sys/class/net"),
        }
    }
}

impl SysClassNet {
    pub fn at(root: impl Into<PathBuf>) -> Self {
        SysClassNet { root: root.into() }
    }
}

impl DeviceNames for SysClassNet {
    fn scan(&mut self) -> HashMap<u32, String> {
        scan(&self.root)
    }
}

/// Every device under `root` whose `ifindex` file holds a number; names that are not
/// valid device names are skipped.
pub fn scan(root: &Path) -> HashMap<u32, String> {
    let Ok(dir) = std::fs::read_dir(root) else {
        return HashMap::new();
    };
    dir.filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            if !crate::collect::procfs::valid_device_name(&name) {
                return None;
            }
            let index = std::fs::read_to_string(e.path().join("ifindex")).ok()?;
            Some((index.trim().parse().ok()?, name))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_ifindex_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        for (name, index) in [("lo", "1\n"), ("eth0", "2\n"), ("bad", "x\n")] {
            std::fs::create_dir(dir.path().join(name)).expect("mkdir");
            std::fs::write(dir.path().join(name).join("ifindex"), index).expect("write");
        }
        std::fs::create_dir(dir.path().join("noindex")).expect("mkdir");
        let found = SysClassNet::at(dir.path()).scan();
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found.get(&2).map(String::as_str), Some("eth0"));
        assert_eq!(found.get(&1).map(String::as_str), Some("lo"));
    }
}
