//! `hogwatch service`: the machine's collector, as the packaged unit runs it from boot
//! (packaging/systemd/hogwatch.service, docs/service.md) — as its own system user with the
//! three capabilities nethogs needs as ambient ones, so the helper runs directly: no
//! pkexec, no sudo, no password at any login. It writes the history, serves the dashboard,
//! the API and `/metrics` (a fleet's Prometheus), and listens on a socket that desktops of
//! group `hogwatch` attach to; their own cores take its refreshes (`collect::upstream`)
//! and keep their history and alerts as before. It raises no alerts itself: there is no
//! desktop to show them on.
//!
//! Its folders come from systemd's `StateDirectory=`, `ConfigurationDirectory=` and
//! `RuntimeDirectory=` (the environment it sets), else the same paths systemd would use.

use crate::app::dashboard::{self, ServerOptions};
use crate::app::instance::{self, Claim, Sharing};
use crate::app::{self, headless, CoreOptions, Role, Settings};
use crate::cli::{Global, ServiceArgs, SERVICE_PORT};
use crate::collect::sample::Elevate;
use crate::collect::source::SourceSpec;
use crate::collect::upstream;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The service's folders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dirs {
    /// History and the token (`/var/lib/hogwatch`).
    pub state: PathBuf,
    /// `config.toml` (`/etc/hogwatch`).
    pub config: PathBuf,
    /// The socket and its lock (`/run/hogwatch`).
    pub runtime: PathBuf,
}

impl Dirs {
    /// From systemd's environment (each variable may list several folders, `:`-separated:
    /// the first is ours), else the defaults.
    pub fn from_env() -> Dirs {
        Dirs::from(|k| std::env::var_os(k).map(PathBuf::from))
    }

    fn from(env: impl Fn(&str) -> Option<PathBuf>) -> Dirs {
        let dir = |k: &str, default: &str| {
            env(k)
                .and_then(|v| {
                    let s = v.to_string_lossy().into_owned();
                    s.split(':').next().map(PathBuf::from)
                })
                .filter(|p| p.is_absolute())
                .unwrap_or_else(|| PathBuf::from(default))
        };
        Dirs {
            state: dir("STATE_DIRECTORY", "/var/lib/hogwatch"),
            config: dir("CONFIGURATION_DIRECTORY", "/etc/hogwatch"),
            runtime: dir("RUNTIME_DIRECTORY", upstream::RUNTIME_DIR),
        }
    }

    pub fn config_file(&self) -> PathBuf {
        self.config.join("config.toml")
    }
}

pub async fn run(mut global: Global, args: &ServiceArgs) -> anyhow::Result<ExitCode> {
    if let Some(why) = dashboard::refusal(args.bind, args.insecure_http) {
        anyhow::bail!(why);
    }
    let dirs = Dirs::from_env();
    global.data_dir.get_or_insert_with(|| dirs.state.clone());
    // The unit's capabilities, or totals only: a service never asks for a password.
    global.elevate = Elevate::None;
    let settings = Settings::new(&global);
    if matches!(settings.collector.source, SourceSpec::Service(_)) {
        anyhow::bail!("the system service collects itself: use --source nethogs or ebpf");
    }
    let instance = claim(&dirs.runtime).await?;
    let so = ServerOptions {
        addr: std::net::SocketAddr::new(args.bind, args.port.unwrap_or(SERVICE_PORT)),
        any_port_if_taken: false,
        insecure_http: args.insecure_http,
        token_dir: Some(dirs.state.clone()),
    };
    let opts = CoreOptions {
        role: Role::Service,
        server: Some(so),
        alerts: false,
        exit_when_source_ends: true,
    };
    eprintln!(
        "hogwatch: system service; history in {}, desktops of group `hogwatch` attach at {}",
        dirs.state.display(),
        instance.socket.display()
    );
    let link = app::core::start(settings, Some(instance), opts).await?;
    headless::run(link).await?;
    Ok(ExitCode::SUCCESS)
}

/// The machine's one service instance: the socket in `dir`, open to the group.
async fn claim(dir: &Path) -> anyhow::Result<instance::Instance> {
    let dir = dir.to_path_buf();
    let uid = crate::collect::procfs::effective_uid().unwrap_or(u32::MAX);
    let shown = dir.display().to_string();
    match tokio::task::spawn_blocking(move || instance::claim_shared(&dir, uid, Sharing::Group))
        .await?
    {
        Ok(Claim::First(i)) => Ok(i),
        Ok(Claim::Running(socket)) => anyhow::bail!(
            "a hogwatch service runs already (its socket: {})",
            socket.display()
        ),
        Err(e) => anyhow::bail!("cannot listen for desktops in {shown}: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_come_from_systemd_else_its_defaults() {
        let none = Dirs::from(|_| None);
        assert_eq!(none.state, Path::new("/var/lib/hogwatch"));
        assert_eq!(none.config_file(), Path::new("/etc/hogwatch/config.toml"));
        assert_eq!(none.runtime, Path::new("/run/hogwatch"));
        let set = Dirs::from(|k| match k {
            "STATE_DIRECTORY" => Some("/var/lib/hogwatch:/var/lib/other".into()),
            "RUNTIME_DIRECTORY" => Some("relative/run".into()),
            _ => None,
        });
        assert_eq!(
            set.state,
            Path::new("/var/lib/hogwatch"),
            "the first of several"
        );
        assert_eq!(
            set.runtime,
            Path::new("/run/hogwatch"),
            "a relative path is refused"
        );
    }
}
