//! Package assets generated from the clap definitions (`hogwatch::cli::Cli`), so they
//! never drift from the real command line: the man pages (`hogwatch.1` and one page per
//! subcommand) and the bash, zsh and fish completions.
//!
//! Run by `make deb` / `make rpm` (an example, not a binary: nothing of it is installed):
//! `cargo run --locked --example gen_assets -- target/assets`

use clap::CommandFactory;
use clap_complete::Shell;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Sections the clap definitions cannot carry: files, environment, exit status and the
/// privileged helper, in roff.
const MAIN_EXTRA: &str = r#".SH FILES
.TP
\fI$XDG_CONFIG_HOME/hogwatch/config.toml\fR (default \fI~/.config/hogwatch/config.toml\fR)
The configuration, written with its defaults, each explained, the first time hogwatch
collects. Command\-line options override it.
.TP
\fI$XDG_CONFIG_HOME/hogwatch/token\fR
The dashboard's access token (mode 0600), made on first use.
.TP
\fI$XDG_DATA_HOME/hogwatch/history.sqlite3\fR (default \fI~/.local/share/hogwatch/\fR)
The history: per\-app, per\-device and unattributed totals in 10\-second, minute, hour and
day buckets; \fIalerts.json\fR beside it remembers quotas and mutes.
.TP
\fI$XDG_RUNTIME_DIR/hogwatch/\fR
The socket that keeps hogwatch to one instance per user, and the tray icon's image.
.TP
\fI/usr/libexec/hogwatch/hogwatch\-helper\fR
The privileged helper: the only part of hogwatch that runs as root, and only to run
\fBnethogs\fR(8) on the monitored devices.
.TP
\fI/usr/share/polkit\-1/actions/org.hogwatch.helper.policy\fR
The polkit action that lets \fBpkexec\fR(1) run the helper after an administrator's
password (\fBauth_admin_keep\fR: polkit keeps it a few minutes); inactive and remote
sessions are refused.
.TP
\fI/usr/share/hogwatch/hogwatch\-autostart.desktop\fR
Copied to \fI~/.config/autostart/hogwatch.desktop\fR by the tray menu's "Start at login".
.SH ENVIRONMENT
.TP
\fBHOGWATCH_LOG\fR
Log filter in tracing's env\-filter syntax (e.g. \fBdebug\fR); the log goes to standard
error. Default: \fBwarn\fR.
.TP
\fBDISPLAY\fR, \fBWAYLAND_DISPLAY\fR
Without either, plain \fBhogwatch\fR shows no tray: it says so and runs as
\fBhogwatch server\fR, collecting and recording history.
.TP
\fBXDG_CONFIG_HOME\fR, \fBXDG_DATA_HOME\fR, \fBXDG_RUNTIME_DIR\fR
Where the files above live.
.SH PRIVILEGES
Per\-process data needs packet capture, so nethogs runs as root through the helper.
\fB\-\-elevate auto\fR runs it directly when hogwatch runs as root or nethogs has file
capabilities, else through \fBpkexec\fR(1) when a polkit agent or a terminal can ask for
the password, else through \fBsudo \-n\fR; otherwise hogwatch runs in totals\-only mode
(device totals from \fI/proc/net/dev\fR, no password). \fBhogwatch doctor\fR says which
route works and how to fix the others.
.SH EXIT STATUS
0 on success, 1 on failure (for \fBdoctor\fR: per\-process monitoring cannot work, or a
check failed), 2 on a command\-line error.
.SH SEE ALSO
\fBnethogs\fR(8), \fBpkexec\fR(1), \fBsetcap\fR(8)
"#;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = PathBuf::from(
        std::env::args_os()
            .nth(1)
            .ok_or("usage: gen_assets OUT_DIR")?,
    );
    let man_dir = out.join("man");
    let completions = out.join("completions");
    std::fs::create_dir_all(&man_dir)?;
    std::fs::create_dir_all(&completions)?;

    let mut cmd = hogwatch::cli::Cli::command().disable_help_subcommand(true);
    cmd.build();
    write_main_page(&cmd, &man_dir.join("hogwatch.1"))?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let path = clap_mangen::Man::new(sub.clone()).generate_to(&man_dir)?;
        println!("{}", path.display());
    }

    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
        let path = clap_complete::generate_to(shell, &mut cmd, "hogwatch", &completions)?;
        println!("{}", path.display());
    }
    Ok(())
}

/// clap_mangen's sections, then ours before VERSION.
fn write_main_page(cmd: &clap::Command, path: &Path) -> std::io::Result<()> {
    let man = clap_mangen::Man::new(cmd.clone());
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    man.render_options_section(&mut page)?;
    man.render_subcommands_section(&mut page)?;
    page.write_all(MAIN_EXTRA.as_bytes())?;
    man.render_version_section(&mut page)?;
    std::fs::write(path, page)?;
    println!("{}", path.display());
    Ok(())
}
