//! What /proc says about processes (alive, argv, found by argv) and devices
//! (`/proc/net/dev` counters).

use std::collections::HashMap;

/// Whether `/proc/<pid>` exists and is not a zombie.
pub fn pid_alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            // state is the first field after the parenthesised comm
            let state = stat
                .rfind(')')
                .and_then(|i| stat[i + 1..].split_whitespace().next());
            !matches!(state, Some("Z") | Some("X") | None)
        }
        Err(_) => false,
    }
}

/// argv of a process from `/proc/<pid>/cmdline` (empty if gone).
pub fn proc_cmdline(pid: u32) -> Vec<String> {
    match std::fs::read(format!("/proc/{pid}/cmdline")) {
        Ok(raw) => raw
            .split(|b| *b == 0)
            .filter(|s| !s.is_empty())
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// Pids of live processes whose argv matches `pred`.
pub fn find_pids(mut pred: impl FnMut(&[String]) -> bool) -> Vec<u32> {
    let mut pids = Vec::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return pids;
    };
    for entry in dir.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let argv = proc_cmdline(pid);
        if !argv.is_empty() && pred(&argv) && pid_alive(pid) {
            pids.push(pid);
        }
    }
    pids.sort_unstable();
    pids
}

/// Pids of running nethogs processes that monitor `device` (argv[0] ends in "nethogs"
/// and one argument equals the device name).
pub fn nethogs_pids_for(device: &str) -> Vec<u32> {
    find_pids(|argv| {
        argv[0].rsplit('/').next() == Some("nethogs") && argv[1..].iter().any(|a| a == device)
    })
}

/// Byte counters of one device as seen from inside its namespace.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DevCounters {
    pub rx_bytes: u64,
    pub tx_bytes: u64,
}

/// Parses the text of `/proc/net/dev`.
pub fn parse_proc_net_dev(text: &str) -> HashMap<String, DevCounters> {
    let mut map = HashMap::new();
    for line in text.lines().skip(2) {
        let Some((name, rest)) = line.split_once(':') else {
            continue;
        };
        let fields: Vec<u64> = rest
            .split_whitespace()
            .filter_map(|f| f.parse().ok())
            .collect();
        if fields.len() >= 16 {
            map.insert(
                name.trim().to_owned(),
                DevCounters {
                    rx_bytes: fields[0],
                    tx_bytes: fields[8],
                },
            );
        }
    }
    map
}
