//! Whether the system service runs here and this user may take its data — asked by `open`
//! (to follow it instead of starting a helper) and by `doctor` (to say so), the same way.

use super::link::{About, Role};
use super::protocol;
use std::path::PathBuf;

/// What is found at the system service's socket.
pub enum Found {
    /// No socket: no service runs.
    Absent,
    /// Its folder is closed to this user: not a member of group `hogwatch`.
    NotMember,
    /// The service answers there.
    Runs { about: About, socket: PathBuf },
    /// Another hogwatch answers there (not the service).
    NotService { about: About, socket: PathBuf },
    /// Nothing answers there; why.
    Unanswered { why: String, socket: PathBuf },
}

/// Looks at the system service's socket and asks it who it is.
pub async fn find() -> Found {
    let socket = crate::collect::upstream::system_socket();
    match std::fs::symlink_metadata(&socket) {
        Ok(_) => {}
        // The service's folder is closed to those outside its group.
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => return Found::NotMember,
        Err(_) => return Found::Absent,
    }
    match protocol::info(&socket).await {
        Ok(about) if about.role == Role::Service => Found::Runs { about, socket },
        Ok(about) => Found::NotService { about, socket },
        Err(e) => Found::Unanswered {
            why: format!("{e:?}"),
            socket,
        },
    }
}
