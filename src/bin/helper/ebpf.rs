//! `hogwatch-helper --backend ebpf --interval N [--traffic-entries M] [--without-sock-length]`
//! (the `ebpf` feature): loads hogwatch's kernel program (src/collect/ebpf/hogwatch.bpf.c,
//! built by build.rs and embedded here), attaches it to the cgroup v2 root and the
//! tracepoints, and every N seconds prints what it counted (ebpf_report.rs). M, the size of
//! the traffic map (16384), is made smaller only by the test of a full map.
//!
//! Stdout, after `hello 3 <version>`:
//! - `prog <name> <id>`: a program loaded and attached (its kernel id, for tests and doctor).
//! - `missing <name> <escaped reason>`: an optional program that this kernel refused
//!   (`hw_send`/`hw_recv` need Linux ≥ 6.3: `hw_rcv_space` and `hw_closing` then stand
//!   in for them);
//!   counting goes on without it.
//! - `ready <netns cookie>`: attached; the cookie of the helper's own network namespace, to
//!   tell its devices from other namespaces' (ifindexes are per namespace).
//! - then one block per interval, and between blocks `new <tgid>` as soon as a process owns
//!   its first socket (ebpf_report.rs).
//!
//! Nothing is pinned: every program, link and map is held by a file descriptor of this
//! process, so when the helper exits or is killed the kernel detaches and frees them all.
//! Once they are attached the helper becomes `nobody` with only cap_bpf (`confine`).
//! Links (Linux ≥ 5.7) are required for that: on an older kernel aya would fall back to
//! BPF_PROG_ATTACH, which outlives the process, so the helper refuses to run there.
//!
//! Stdin: EOF (or SIGTERM/SIGINT/SIGHUP) prints a last block and exits 0; lines are read
//! (bounded) and ignored. Exit codes: those of the helper, and 7 `--backend ebpf` not built
//! in (elsewhere), 8 the kernel program cannot be loaded or attached here (why: on stderr).

use super::args::{read_capped, MAX_CMD};
use super::ebpf_report::Reporter;
use super::{emit, fail, say, STOP};
use aya::programs::{BtfTracePoint, CgroupAttachMode, CgroupSkbAttachType, CgroupSock, Program};
use aya::util::KernelVersion;
use aya::{Btf, Ebpf, EbpfLoader};
use std::error::Error;
use std::ffi::CStr;
use std::fs::File;
use std::io;
use std::io::Write as _;
use std::os::fd::{AsRawFd, RawFd};
use std::path::PathBuf;
use std::sync::atomic::Ordering::SeqCst;
use std::thread;
use std::time::{Duration, Instant};

/// The kernel program, built by build.rs (8-byte aligned, as the ELF parser wants).
static OBJECT: &[u8] = aya::include_bytes_aligned!(concat!(env!("OUT_DIR"), "/hogwatch.bpf.o"));

/// Programs that must load, and the attach point of each (see hogwatch.bpf.c).
const REQUIRED: [&str; 3] = ["hw_sock_create", "hw_egress", "hw_ingress"];
/// The send/recv hooks (Linux ≥ 6.3), with their tracepoints: who last sent or received
/// on a socket owns it. Where either is missing, `OLD_HOOKS` take their place.
const SOCK_LENGTH: [(&str, &str); 2] = [
    ("hw_send", "sock_send_length"),
    ("hw_recv", "sock_recv_length"),
];
/// The older kernels' stand-ins: the process that reads or closes a TCP socket owns it
/// (tracepoints), and so does one that sends to or receives from an address on a UDP
/// socket (cgroup programs: no tracepoint). See hogwatch.bpf.c.
const OLD_HOOKS: [(&str, &str); 2] = [
    ("hw_rcv_space", "tcp_rcv_space_adjust"),
    ("hw_closing", "inet_sock_set_state"),
];
const OLD_UDP_HOOKS: [&str; 4] = ["hw_sendmsg4", "hw_sendmsg6", "hw_recvmsg4", "hw_recvmsg6"];
/// Without it, exits are found in /proc one interval later.
const EXIT: (&str, &str) = ("hw_exit", "sched_process_exit");
/// SO_NETNS_COOKIE (asm-generic; Linux ≥ 5.14).
const SO_NETNS_COOKIE: libc::c_int = 71;

/// `old_hooks`: attach `OLD_HOOKS` instead of `SOCK_LENGTH` even where those exist.
pub fn run(interval: u32, traffic_entries: u32, old_hooks: bool) -> u8 {
    match KernelVersion::current() {
        Ok(v) if v >= KernelVersion::new(5, 7, 0) => {}
        Ok(v) => return fail(8, &format!("kernel {v:?} is older than 5.7 (no BPF links)")),
        Err(e) => return fail(8, &format!("cannot read the kernel version: {e}")),
    }
    // Before any other thread exists: unshare(CLONE_NEWNS) moves only the calling thread,
    // so done now the private mount namespace is the whole process's (see cgroup2_root).
    let cgroup = match cgroup2_root() {
        Ok(dir) => dir,
        Err(e) => return fail(8, &format!("no cgroup v2 hierarchy: {e}")),
    };
    let (mut ebpf, exits) = match load(&cgroup, traffic_entries, old_hooks) {
        Ok(loaded) => loaded,
        Err(e) => return fail(8, &e),
    };
    let mut reporter = match Reporter::new(&mut ebpf, exits) {
        Ok(r) => r,
        Err(e) => return fail(8, &format!("the program's maps: {}", chain(&*e))),
    };
    // Attached, maps open: root is no longer needed. Before any other thread exists.
    if let Err(e) = super::confine::drop_self() {
        return fail(5, &format!("cannot drop root after attaching: {e}"));
    }
    // The stdin thread says EOF through a pipe, so that the loop below can sleep until its
    // next block: it wakes for that, for the kernel's news and for a signal only.
    let Ok((woken, wake)) = io::pipe() else {
        return fail(5, "cannot make a pipe");
    };
    if thread::Builder::new()
        .spawn(move || watch_stdin(wake))
        .is_err()
    {
        return fail(5, "cannot start a thread");
    }
    emit(&format!("ready {}", own_netns_cookie().unwrap_or(0)), b"");
    let period = Duration::from_secs(interval.into());
    let mut due = Instant::now() + period;
    while !STOP.load(SeqCst) {
        if Instant::now() < due {
            wait(
                &[reporter.news_fd(), woken.as_raw_fd()],
                due - Instant::now(),
            );
            reporter.news();
            continue;
        }
        due += period;
        if let Err(e) = reporter.report() {
            return fail(5, &format!("reading the maps: {}", chain(&*e)));
        }
    }
    // A last block, so that bytes since the last interval are not lost on a clean stop.
    match reporter.report() {
        Ok(()) => 0,
        Err(e) => fail(5, &format!("reading the maps: {}", chain(&*e))),
    }
    // `ebpf` drops here: links, programs and maps are closed, and the kernel frees them.
}

/// Loads the object and attaches every program; prints `prog` and `missing` lines. A
/// missing `SOCK_LENGTH` hook that `OLD_HOOKS` stand in for is said too (doctor shows it),
/// but only a missing `OLD_HOOKS` or `EXIT` program costs attribution.
/// Also says whether the exit hook is attached.
fn load(cgroup: &File, traffic_entries: u32, old_hooks: bool) -> Result<(Ebpf, bool), String> {
    let btf = Btf::from_sys_fs().map_err(|e| format!("no kernel BTF: {}", chain(&e)))?;
    let mut ebpf = EbpfLoader::new()
        .btf(Some(&btf))
        .map_max_entries("traffic", traffic_entries)
        .load(OBJECT)
        .map_err(|e| format!("cannot load the kernel program: {}", chain(&e)))?;
    for name in REQUIRED {
        let id = attach_cgroup(&mut ebpf, name, cgroup)
            .map_err(|e| format!("cannot attach {name}: {}", chain(&*e)))?;
        emit(&format!("prog {name} {id}"), b"");
    }
    let mut both = true;
    for (name, tracepoint) in SOCK_LENGTH {
        let attached = match old_hooks {
            true => Err("not attached: --without-sock-length".into()),
            false => attach_tracepoint(&mut ebpf, name, tracepoint, &btf),
        };
        both &= optional(name, attached);
    }
    if !both {
        for (name, tracepoint) in OLD_HOOKS {
            optional(name, attach_tracepoint(&mut ebpf, name, tracepoint, &btf));
        }
        for name in OLD_UDP_HOOKS {
            optional(name, attach_cgroup(&mut ebpf, name, cgroup));
        }
    }
    let (name, tracepoint) = EXIT;
    let exits = optional(name, attach_tracepoint(&mut ebpf, name, tracepoint, &btf));
    Ok((ebpf, exits))
}

/// Says `prog NAME ID` or `missing NAME WHY`; true when attached.
fn optional(name: &str, attached: Result<u32, AnyError>) -> bool {
    match attached {
        Ok(id) => {
            emit(&format!("prog {name} {id}"), b"");
            true
        }
        Err(e) => {
            let mut why = Vec::new();
            super::records::escape_into(chain(&*e).as_bytes(), &mut why);
            emit(&format!("missing {name} "), &why);
            false
        }
    }
}

type AnyError = Box<dyn Error>;

fn program<'a>(ebpf: &'a mut Ebpf, name: &str) -> Result<&'a mut Program, AnyError> {
    ebpf.program_mut(name)
        .ok_or_else(|| format!("no program {name} in the object").into())
}

fn attach_cgroup(ebpf: &mut Ebpf, name: &str, cgroup: &File) -> Result<u32, AnyError> {
    // No flags: a BPF link to a cgroup always runs beside the programs already there
    // (systemd's, another monitor's), and the kernel refuses ALLOW_MULTI on links (EINVAL).
    let mode = CgroupAttachMode::Single;
    match program(ebpf, name)? {
        Program::CgroupSkb(p) => {
            p.load()?;
            let kind = match name {
                "hw_egress" => CgroupSkbAttachType::Egress,
                _ => CgroupSkbAttachType::Ingress,
            };
            p.attach(cgroup, kind, mode)?;
            Ok(p.info()?.id())
        }
        Program::CgroupSock(p) => {
            let p: &mut CgroupSock = p;
            p.load()?;
            p.attach(cgroup, mode)?;
            Ok(p.info()?.id())
        }
        Program::CgroupSockAddr(p) => {
            p.load()?;
            p.attach(cgroup, mode)?;
            Ok(p.info()?.id())
        }
        _ => Err(format!("{name} is not a cgroup program").into()),
    }
}

fn attach_tracepoint(ebpf: &mut Ebpf, name: &str, tp: &str, btf: &Btf) -> Result<u32, AnyError> {
    let p: &mut BtfTracePoint = program(ebpf, name)?.try_into()?;
    p.load(tp, btf)?;
    p.attach()?;
    Ok(p.info()?.id())
}

/// The cgroup v2 root: a `cgroup2` mount of the hierarchy's root (/sys/fs/cgroup first, as
/// systemd mounts it; /sys/fs/cgroup/unified on hybrid systems), else one mounted in a
/// private mount namespace of ours (over /sys/fs/cgroup, seen by no other process).
fn cgroup2_root() -> io::Result<File> {
    let info = std::fs::read_to_string("/proc/self/mountinfo")?;
    let mut found: Vec<PathBuf> = info.lines().filter_map(cgroup2_mount).collect();
    found.sort_by_key(|p| p != &PathBuf::from("/sys/fs/cgroup"));
    if let Some(dir) = found.first() {
        return File::open(dir);
    }
    mount_private_cgroup2()?;
    File::open("/sys/fs/cgroup")
}

/// The mount point of a mountinfo line if it mounts the root of a cgroup2 hierarchy.
/// Mount points with escapes (`\040` for a space…) are skipped rather than decoded.
fn cgroup2_mount(line: &str) -> Option<PathBuf> {
    let (left, right) = line.split_once(" - ")?;
    let fields: Vec<&str> = left.split(' ').collect();
    let (root, point) = (*fields.get(3)?, *fields.get(4)?);
    let fstype = right.split(' ').next()?;
    (fstype == "cgroup2" && root == "/" && !point.contains('\\')).then(|| point.into())
}

#[allow(unsafe_code)]
fn mount_private_cgroup2() -> io::Result<()> {
    let check = |rc: libc::c_int, what: &str| match rc {
        0 => Ok(()),
        _ => Err(io::Error::other(format!(
            "{what}: {}",
            io::Error::last_os_error()
        ))),
    };
    let (root, target, cgroup2): (&CStr, &CStr, &CStr) = (c"/", c"/sys/fs/cgroup", c"cgroup2");
    // SAFETY: unshare(2) takes only flags. The helper has one thread here (see `run`), so
    // the new mount namespace is the whole process's, and every thread made later shares it.
    check(unsafe { libc::unshare(libc::CLONE_NEWNS) }, "unshare")?;
    // SAFETY: a NUL-terminated path; source, type and data may be null for a change of
    // propagation. Private: our mounts do not reach the namespace we came from.
    let flags = libc::MS_REC | libc::MS_PRIVATE;
    let rc = unsafe {
        libc::mount(
            std::ptr::null(),
            root.as_ptr(),
            std::ptr::null(),
            flags,
            std::ptr::null(),
        )
    };
    check(rc, "making / private")?;
    // SAFETY: NUL-terminated strings that live through the call; data may be null.
    let rc = unsafe {
        libc::mount(
            cgroup2.as_ptr(),
            target.as_ptr(),
            cgroup2.as_ptr(),
            0,
            std::ptr::null(),
        )
    };
    check(rc, "mount -t cgroup2")
}

/// The cookie of our network namespace, as the kernel program records it for sockets.
#[allow(unsafe_code)]
fn own_netns_cookie() -> Option<u64> {
    // Any socket will do; binding to port 0 of no address touches no device.
    let sock = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    let (mut cookie, mut len) = (0u64, std::mem::size_of::<u64>() as libc::socklen_t);
    // SAFETY: a pointer to a u64 and its length, both live through the call.
    let rc = unsafe {
        libc::getsockopt(
            sock.as_raw_fd(),
            libc::SOL_SOCKET,
            SO_NETNS_COOKIE,
            (&mut cookie as *mut u64).cast(),
            &mut len,
        )
    };
    (rc == 0).then_some(cookie)
}

/// Stdin EOF stops the helper (the caller went away); lines themselves are ignored. The
/// termination signals are blocked here, so that they reach the main thread and cut its
/// wait short.
#[allow(unsafe_code)]
fn watch_stdin(mut wake: io::PipeWriter) {
    // SAFETY: a sigset_t on our stack, filled by sigemptyset/sigaddset, and a null old set;
    // pthread_sigmask changes this thread's mask only.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for sig in [libc::SIGTERM, libc::SIGINT, libc::SIGHUP] {
            libc::sigaddset(&mut set, sig);
        }
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
    let (mut stdin, mut buf) = (io::stdin().lock(), Vec::new());
    while let Ok(Some(_)) = read_capped(&mut stdin, &mut buf, MAX_CMD) {
        say("--backend ebpf takes no commands; ignored");
    }
    STOP.store(true, SeqCst);
    let _ = wake.write_all(b"x");
}

/// Sleeps until one of `fds` is readable, a signal arrives, or `timeout` has passed.
#[allow(unsafe_code)]
fn wait(fds: &[RawFd], timeout: Duration) {
    let mut polled: Vec<libc::pollfd> = fds
        .iter()
        .map(|&fd| libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        })
        .collect();
    // Rounded up: a wait of 0 ms before `due` would spin.
    let ms = timeout.as_micros().div_ceil(1000).min(60_000) as libc::c_int;
    // SAFETY: `polled` is a live array of `polled.len()` pollfds; the descriptors are open
    // for the whole call (the caller holds them). EINTR (a signal) is an early return.
    unsafe { libc::poll(polled.as_mut_ptr(), polled.len() as libc::nfds_t, ms) };
}

/// An error and its sources on one line (aya's errors keep the useful part in sources).
fn chain(e: &dyn Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text.replace('\n', " ")
}
