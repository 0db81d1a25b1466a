// Copyright 2022-2022 Tauri Programme within The Commons Conservancy
// SPDX-License-Identifier: Apache-2.0
// SPDX-License-Identifier: MIT

// taken from https://github.com/rust-windowing/winit/blob/92fdf5ba85f920262a61cee4590f4a11ad5738d1/src/icon.rs

use crate::platform_impl::PlatformIcon;
use std::{error::Error, fmt, io, mem};

#[repr(C)]
#[derive(Debug)]
pub(crate) struct Pixel {
    pub(crate) r: u8,
    pub(crate) g: u8,
    pub(crate) b: u8,
    pub(crate) a: u8,
}

pub(crate) const PIXEL_SIZE: usize = mem::size_of::<Pixel>();

#[derive(Debug)]
/// An error produced when using [`Icon::from_rgba`] with invalid arguments.
pub enum BadIcon {
    /// Produced when the length of the `rgba` argument isn't divisible by 4, thus `rgba` can't be
    /// safely interpreted as 32bpp RGBA pixels.
    ByteCountNotDivisibleBy4 { byte_count: usize },
    /// Produced when the number of pixels (`rgba.len() / 4`) isn't equal to `width * height`.
    /// At least one of your arguments is incorrect.
    DimensionsVsPixelCount {
        width: u32,
        height: u32,
        width_x_height: usize,
        pixel_count: usize,
    },
    /// Produced when underlying OS functionality failed to create the icon
    OsError(io::Error),
}

impl fmt::Display for BadIcon {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BadIcon::ByteCountNotDivisibleBy4 { byte_count } => write!(f,
                "The length of the `rgba` argument ({:?}) isn't divisible by 4, making it impossible to interpret as 32bpp RGBA pixels.",
                byte_count,
            ),
            BadIcon::DimensionsVsPixelCount {
                width,
                height,
                width_x_height,
                pixel_count,
            } => write!(f,
                "The specified dimensions ({:?}x{:?}) don't match the number of pixels supplied by the `rgba` argument ({:?}). For those dimensions, the expected pixel count is {:?}.",
                width, height, pixel_count, width_x_height,
            ),
            BadIcon::OsError(e) => write!(f, "OS error when instantiating the icon: {:?}", e),
        }
    }
}

impl Error for BadIcon {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(self)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RgbaIcon {
    pub(crate) rgba: Vec<u8>,
    pub(crate) width: u32,
    pub(crate) height: u32,
}

/// For platforms which don't have window icons (e.g. web)
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NoIcon;

#[allow(dead_code)] // These are not used on every platform
mod constructors {
    use super::*;

    impl RgbaIcon {
        pub fn from_rgba(rgba: Vec<u8>, width: u32, height: u32) -> Result<Self, BadIcon> {
            if !rgba.len().is_multiple_of(PIXEL_SIZE) {
                return Err(BadIcon::ByteCountNotDivisibleBy4 {
                    byte_count: rgba.len(),
                });
            }
            let pixel_count = rgba.len() / PIXEL_SIZE;
            if pixel_count != (width * height) as usize {
                Err(BadIcon::DimensionsVsPixelCount {
                    width,
                    height,
                    width_x_height: (width * height) as usize,
                    pixel_count,
                })
            } else {
                Ok(RgbaIcon {
                    rgba,
                    width,
                    height,
                })
            }
        }
    }

    impl NoIcon {
        pub fn from_rgba(rgba: Vec<u8>, width: u32, height: u32) -> Result<Self, BadIcon> {
            // Create the rgba icon anyway to validate the input
            let _ = RgbaIcon::from_rgba(rgba, width, height)?;
            Ok(NoIcon)
        }
    }
}

/// An icon used for the window titlebar, taskbar, etc.
#[derive(Clone)]
pub struct Icon {
    pub(crate) inner: PlatformIcon,
    #[cfg(feature = "snapshot")]
    pub(crate) rgba: Option<RgbaIcon>,
}

impl fmt::Debug for Icon {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> Result<(), fmt::Error> {
        fmt::Debug::fmt(&self.inner, formatter)
    }
}

impl Icon {
    /// Creates an icon from 32bpp RGBA data.
    ///
    /// The length of `rgba` must be divisible by 4, and `width * height` must equal
    /// `rgba.len() / 4`. Otherwise, this will return a `BadIcon` error.
    pub fn from_rgba(rgba: Vec<u8>, width: u32, height: u32) -> Result<Self, BadIcon> {
        #[cfg(feature = "snapshot")]
        {
            let rgba = RgbaIcon::from_rgba(rgba, width, height)?;
            Ok(Icon {
                inner: PlatformIcon::from_rgba(rgba.rgba.clone(), width, height)?,
                rgba: Some(rgba),
            })
        }

        #[cfg(not(feature = "snapshot"))]
        {
            Ok(Icon {
                inner: PlatformIcon::from_rgba(rgba, width, height)?,
            })
        }
    }

    /// Create an icon from a file path.
    ///
    /// Specify `size` to load a specific icon size from the file, or `None` to load the default
    /// icon size from the file.
    ///
    /// In cases where the specified size does not exist in the file, Windows may perform scaling
    /// to get an icon of the desired size.
    #[cfg(windows)]
    pub fn from_path<P: AsRef<std::path::Path>>(
        path: P,
        size: Option<(u32, u32)>,
    ) -> Result<Self, BadIcon> {
        let win_icon = PlatformIcon::from_path(path, size)?;
        Ok(Icon {
            inner: win_icon,
            #[cfg(feature = "snapshot")]
            rgba: None,
        })
    }

    /// Create an icon from a resource embedded in this executable or library.
    ///
    /// Specify `size` to load a specific icon size from the file, or `None` to load the default
    /// icon size from the file.
    ///
    /// In cases where the specified size does not exist in the file, Windows may perform scaling
    /// to get an icon of the desired size.
    #[cfg(windows)]
    pub fn from_resource(ordinal: u16, size: Option<(u32, u32)>) -> Result<Self, BadIcon> {
        let win_icon = PlatformIcon::from_resource(ordinal, size)?;
        Ok(Icon {
            inner: win_icon,
            #[cfg(feature = "snapshot")]
            rgba: None,
        })
    }
}

/// A native icon to be used for menu items.
///
/// Known variants use platform-native icon names or identifiers where an equivalent exists.
/// Use [`NativeIcon::Raw`] for a platform-specific value:
///
/// - **macOS / GTK 3 / GTK 4**: a native icon name string.
/// - **Windows**: a [`SHSTOCKICONID`] value.
///
/// [`SHSTOCKICONID`]: https://learn.microsoft.com/en-us/windows/win32/api/shellapi/ne-shellapi-shstockiconid
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(windows, derive(Copy))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum NativeIcon {
    /// An add item template image.
    Add,
    /// Advanced preferences toolbar icon for the preferences window.
    Advanced,
    /// A Bluetooth template image.
    Bluetooth,
    /// Bookmarks image suitable for a template.
    Bookmarks,
    /// A caution image.
    Caution,
    /// A color panel toolbar icon.
    ColorPanel,
    /// A column view mode template image.
    ColumnView,
    /// A computer icon.
    Computer,
    /// An enter full-screen mode template image.
    EnterFullScreen,
    /// Permissions for all users.
    Everyone,
    /// An exit full-screen mode template image.
    ExitFullScreen,
    /// A cover flow view mode template image.
    FlowView,
    /// A folder image.
    Folder,
    /// A burnable folder icon.
    FolderBurnable,
    /// A smart folder icon.
    FolderSmart,
    /// A link template image.
    FollowLinkFreestanding,
    /// A font panel toolbar icon.
    FontPanel,
    /// A `go back` template image.
    GoLeft,
    /// A `go forward` template image.
    GoRight,
    /// Home image suitable for a template.
    Home,
    /// An iChat Theater template image.
    IChatTheater,
    /// An icon view mode template image.
    IconView,
    /// An information toolbar icon.
    Info,
    /// A template image used to denote invalid data.
    InvalidDataFreestanding,
    /// A generic left-facing triangle template image.
    LeftFacingTriangle,
    /// A list view mode template image.
    ListView,
    /// A locked padlock template image.
    LockLocked,
    /// An unlocked padlock template image.
    LockUnlocked,
    /// A horizontal dash, for use in menus.
    MenuMixedState,
    /// A check mark template image, for use in menus.
    MenuOnState,
    /// A MobileMe icon.
    MobileMe,
    /// A drag image for multiple items.
    MultipleDocuments,
    /// A network icon.
    Network,
    /// A path button template image.
    Path,
    /// General preferences toolbar icon for the preferences window.
    PreferencesGeneral,
    /// A Quick Look template image.
    QuickLook,
    /// A refresh template image.
    RefreshFreestanding,
    /// A refresh template image.
    Refresh,
    /// A remove item template image.
    Remove,
    /// A reveal contents template image.
    RevealFreestanding,
    /// A generic right-facing triangle template image.
    RightFacingTriangle,
    /// A share view template image.
    Share,
    /// A slideshow template image.
    Slideshow,
    /// A badge for a `smart` item.
    SmartBadge,
    /// Small green indicator, similar to iChat's available image.
    StatusAvailable,
    /// Small clear indicator.
    StatusNone,
    /// Small yellow indicator, similar to iChat's idle image.
    StatusPartiallyAvailable,
    /// Small red indicator, similar to iChat's unavailable image.
    StatusUnavailable,
    /// A stop progress template image.
    StopProgressFreestanding,
    /// A stop progress button template image.
    StopProgress,
    /// An image of the empty trash can.
    TrashEmpty,
    /// An image of the full trash can.
    TrashFull,
    /// Permissions for a single user.
    User,
    /// User account toolbar icon for the preferences window.
    UserAccounts,
    /// Permissions for a group of users.
    UserGroup,
    /// Permissions for guests.
    UserGuest,
    /// A platform-specific native icon value.
    #[cfg(windows)]
    Raw(i32),
    /// A platform-specific native icon name.
    #[cfg(not(windows))]
    Raw(String),
}

impl NativeIcon {
    /// Creates a native icon from a Windows `SHSTOCKICONID`.
    #[cfg(windows)]
    pub fn from_id(id: i32) -> Self {
        Self::Raw(id)
    }

    /// Creates a native icon from a platform icon name.
    #[cfg(not(windows))]
    pub fn from_name<S: Into<String>>(icon: S) -> Self {
        Self::Raw(icon.into())
    }
}

#[cfg(windows)]
impl From<i32> for NativeIcon {
    fn from(id: i32) -> Self {
        Self::from_id(id)
    }
}

#[cfg(not(windows))]
impl From<String> for NativeIcon {
    fn from(icon: String) -> Self {
        Self::from_name(icon)
    }
}

#[cfg(not(windows))]
impl From<&str> for NativeIcon {
    fn from(icon: &str) -> Self {
        Self::from_name(icon)
    }
}

impl crate::NativeIcon {
    /// Returns the corresponding freedesktop icon name.
    pub fn freedesktop_name(&self) -> &str {
        match self {
            Self::Add => "list-add-symbolic",
            Self::Advanced => "preferences-system-symbolic",
            Self::Bluetooth => "bluetooth-symbolic",
            Self::Bookmarks => "user-bookmarks-symbolic",
            Self::Caution => "dialog-warning-symbolic",
            Self::ColorPanel => "applications-graphics-symbolic",
            Self::ColumnView => "view-list-symbolic",
            Self::Computer => "computer-symbolic",
            Self::EnterFullScreen => "view-fullscreen-symbolic",
            Self::Everyone => "system-users-symbolic",
            Self::ExitFullScreen => "view-restore-symbolic",
            Self::FlowView => "view-grid-symbolic",
            Self::Folder => "folder-symbolic",
            Self::FolderBurnable => "media-optical-symbolic",
            Self::FolderSmart => "folder-saved-search-symbolic",
            Self::FollowLinkFreestanding => "insert-link-symbolic",
            Self::FontPanel => "preferences-desktop-font-symbolic",
            Self::GoLeft => "go-previous-symbolic",
            Self::GoRight => "go-next-symbolic",
            Self::Home => "user-home-symbolic",
            Self::IChatTheater => "camera-video-symbolic",
            Self::IconView => "view-grid-symbolic",
            Self::Info => "dialog-information-symbolic",
            Self::InvalidDataFreestanding => "dialog-error-symbolic",
            Self::LeftFacingTriangle => "pan-start-symbolic",
            Self::ListView => "view-list-symbolic",
            Self::LockLocked => "changes-prevent-symbolic",
            Self::LockUnlocked => "changes-allow-symbolic",
            Self::MenuMixedState => "list-remove-symbolic",
            Self::MenuOnState => "object-select-symbolic",
            Self::MobileMe => "network-server-symbolic",
            Self::MultipleDocuments => "edit-copy-symbolic",
            Self::Network => "network-workgroup-symbolic",
            Self::Path => "document-open-recent-symbolic",
            Self::PreferencesGeneral => "preferences-system-symbolic",
            Self::QuickLook => "document-preview-symbolic",
            Self::RefreshFreestanding | Self::Refresh => "view-refresh-symbolic",
            Self::Remove => "list-remove-symbolic",
            Self::RevealFreestanding => "folder-open-symbolic",
            Self::RightFacingTriangle => "pan-end-symbolic",
            Self::Share => "emblem-shared-symbolic",
            Self::Slideshow => "view-presentation-symbolic",
            Self::SmartBadge => "emblem-favorite-symbolic",
            Self::StatusAvailable => "user-available-symbolic",
            Self::StatusNone => "user-offline-symbolic",
            Self::StatusPartiallyAvailable => "user-idle-symbolic",
            Self::StatusUnavailable => "user-busy-symbolic",
            Self::StopProgressFreestanding | Self::StopProgress => "process-stop-symbolic",
            Self::TrashEmpty => "user-trash-symbolic",
            Self::TrashFull => "user-trash-full-symbolic",
            Self::User => "avatar-default-symbolic",
            Self::UserAccounts | Self::UserGroup => "system-users-symbolic",
            Self::UserGuest => "avatar-default-symbolic",
            #[cfg(not(windows))]
            Self::Raw(name) => name,
            #[cfg(windows)]
            Self::Raw(_) => "unknown",
        }
    }

    /// Returns the corresponding Windows [`SHSTOCKICONID`] value, or `None` if
    /// this icon has no stock icon equivalent.
    ///
    /// [`SHSTOCKICONID`]: https://learn.microsoft.com/en-us/windows/win32/api/shellapi/ne-shellapi-shstockiconid
    #[cfg(windows)]
    pub fn stock_icon_id(&self) -> Option<i32> {
        use windows_sys::Win32::UI::Shell as shell;

        let id = match self {
            NativeIcon::Advanced | NativeIcon::PreferencesGeneral => shell::SIID_SETTINGS,
            NativeIcon::Caution => shell::SIID_WARNING,
            NativeIcon::Computer => shell::SIID_DESKTOPPC,
            NativeIcon::Everyone
            | NativeIcon::User
            | NativeIcon::UserAccounts
            | NativeIcon::UserGroup
            | NativeIcon::UserGuest => shell::SIID_USERS,
            NativeIcon::Folder => shell::SIID_FOLDER,
            NativeIcon::FolderBurnable => shell::SIID_STUFFEDFOLDER,
            NativeIcon::FolderSmart => shell::SIID_FOLDER,
            NativeIcon::FollowLinkFreestanding => shell::SIID_LINK,
            NativeIcon::Home => shell::SIID_FOLDER,
            NativeIcon::Info => shell::SIID_INFO,
            NativeIcon::InvalidDataFreestanding => shell::SIID_ERROR,
            NativeIcon::LockLocked => shell::SIID_LOCK,
            NativeIcon::LockUnlocked => shell::SIID_KEY,
            NativeIcon::MobileMe => shell::SIID_WORLD,
            NativeIcon::MultipleDocuments => shell::SIID_MIXEDFILES,
            NativeIcon::Network => shell::SIID_MYNETWORK,
            NativeIcon::QuickLook => shell::SIID_FIND,
            NativeIcon::Remove => shell::SIID_DELETE,
            NativeIcon::RevealFreestanding => shell::SIID_FOLDEROPEN,
            NativeIcon::Share => shell::SIID_SHARE,
            NativeIcon::TrashEmpty => shell::SIID_RECYCLER,
            NativeIcon::TrashFull => shell::SIID_RECYCLERFULL,
            NativeIcon::Raw(id) => *id,
            _ => return None,
        };

        (0..shell::SIID_MAX_ICONS).contains(&id).then_some(id)
    }

    /// Loads the small shell stock icon for this icon, see [`Self::stock_icon_id`].
    ///
    /// Returns the `HICON` handle, or `None` if this icon has no stock icon equivalent or
    /// it failed to load. The caller owns the returned icon and must destroy it with
    /// [`DestroyIcon`].
    ///
    /// [`DestroyIcon`]: https://learn.microsoft.com/en-us/windows/win32/api/winuser/nf-winuser-destroyicon
    #[cfg(windows)]
    pub fn to_hicon(&self) -> Option<isize> {
        use windows_sys::Win32::UI::Shell::{
            SHGetStockIconInfo, SHGSI_ICON, SHGSI_SMALLICON, SHSTOCKICONINFO,
        };

        let icon_id = self.stock_icon_id()?;

        let mut info = SHSTOCKICONINFO {
            cbSize: std::mem::size_of::<SHSTOCKICONINFO>() as _,
            ..Default::default()
        };

        let result =
            unsafe { SHGetStockIconInfo(icon_id, SHGSI_ICON | SHGSI_SMALLICON, &mut info) };

        (result >= 0 && !info.hIcon.is_null()).then_some(info.hIcon as isize)
    }

    /// Returns the corresponding AppKit [`NSImage.Name`] string.
    ///
    /// [`NSImage.Name`]: https://developer.apple.com/documentation/appkit/nsimage/name
    #[cfg(target_os = "macos")]
    pub fn appkit_name(&self) -> String {
        match self {
            NativeIcon::Raw(name) => name.clone(),
            _ => unsafe { self.named_img() }.to_string(),
        }
    }

    #[cfg(target_os = "macos")]
    pub(crate) unsafe fn to_nsimage(&self) -> Option<objc2::rc::Retained<objc2_app_kit::NSImage>> {
        match self {
            Self::Raw(name) => {
                let named_img = objc2_foundation::NSString::from_str(name);
                objc2_app_kit::NSImage::imageNamed(&named_img)
            }
            _ => unsafe { objc2_app_kit::NSImage::imageNamed(self.named_img()) },
        }
    }

    #[cfg(target_os = "macos")]
    pub(crate) unsafe fn named_img(&self) -> &'static objc2_app_kit::NSImageName {
        use objc2_app_kit as appkit;
        match self {
            NativeIcon::Add => appkit::NSImageNameAddTemplate,
            NativeIcon::StatusAvailable => appkit::NSImageNameStatusAvailable,
            NativeIcon::StatusUnavailable => appkit::NSImageNameStatusUnavailable,
            NativeIcon::StatusPartiallyAvailable => appkit::NSImageNameStatusPartiallyAvailable,
            NativeIcon::Advanced => appkit::NSImageNameAdvanced,
            NativeIcon::Bluetooth => appkit::NSImageNameBluetoothTemplate,
            NativeIcon::Bookmarks => appkit::NSImageNameBookmarksTemplate,
            NativeIcon::Caution => appkit::NSImageNameCaution,
            NativeIcon::ColorPanel => appkit::NSImageNameColorPanel,
            NativeIcon::ColumnView => appkit::NSImageNameColumnViewTemplate,
            NativeIcon::Computer => appkit::NSImageNameComputer,
            NativeIcon::EnterFullScreen => appkit::NSImageNameEnterFullScreenTemplate,
            NativeIcon::Everyone => appkit::NSImageNameEveryone,
            NativeIcon::ExitFullScreen => appkit::NSImageNameExitFullScreenTemplate,
            NativeIcon::FlowView => appkit::NSImageNameFlowViewTemplate,
            NativeIcon::Folder => appkit::NSImageNameFolder,
            NativeIcon::FolderBurnable => appkit::NSImageNameFolderBurnable,
            NativeIcon::FolderSmart => appkit::NSImageNameFolderSmart,
            NativeIcon::FollowLinkFreestanding => appkit::NSImageNameFollowLinkFreestandingTemplate,
            NativeIcon::FontPanel => appkit::NSImageNameFontPanel,
            NativeIcon::GoLeft => appkit::NSImageNameGoLeftTemplate,
            NativeIcon::GoRight => appkit::NSImageNameGoRightTemplate,
            NativeIcon::Home => appkit::NSImageNameHomeTemplate,
            NativeIcon::IChatTheater => appkit::NSImageNameIChatTheaterTemplate,
            NativeIcon::IconView => appkit::NSImageNameIconViewTemplate,
            NativeIcon::Info => appkit::NSImageNameInfo,
            NativeIcon::InvalidDataFreestanding => {
                appkit::NSImageNameInvalidDataFreestandingTemplate
            }
            NativeIcon::LeftFacingTriangle => appkit::NSImageNameLeftFacingTriangleTemplate,
            NativeIcon::ListView => appkit::NSImageNameListViewTemplate,
            NativeIcon::LockLocked => appkit::NSImageNameLockLockedTemplate,
            NativeIcon::LockUnlocked => appkit::NSImageNameLockUnlockedTemplate,
            NativeIcon::MenuMixedState => appkit::NSImageNameMenuMixedStateTemplate,
            NativeIcon::MenuOnState => appkit::NSImageNameMenuOnStateTemplate,
            NativeIcon::MobileMe => appkit::NSImageNameMobileMe,
            NativeIcon::MultipleDocuments => appkit::NSImageNameMultipleDocuments,
            NativeIcon::Network => appkit::NSImageNameNetwork,
            NativeIcon::Path => appkit::NSImageNamePathTemplate,
            NativeIcon::PreferencesGeneral => appkit::NSImageNamePreferencesGeneral,
            NativeIcon::QuickLook => appkit::NSImageNameQuickLookTemplate,
            NativeIcon::RefreshFreestanding => appkit::NSImageNameRefreshFreestandingTemplate,
            NativeIcon::Refresh => appkit::NSImageNameRefreshTemplate,
            NativeIcon::Remove => appkit::NSImageNameRemoveTemplate,
            NativeIcon::RevealFreestanding => appkit::NSImageNameRevealFreestandingTemplate,
            NativeIcon::RightFacingTriangle => appkit::NSImageNameRightFacingTriangleTemplate,
            NativeIcon::Share => appkit::NSImageNameShareTemplate,
            NativeIcon::Slideshow => appkit::NSImageNameSlideshowTemplate,
            NativeIcon::SmartBadge => appkit::NSImageNameSmartBadgeTemplate,
            NativeIcon::StatusNone => appkit::NSImageNameStatusNone,
            NativeIcon::StopProgressFreestanding => {
                appkit::NSImageNameStopProgressFreestandingTemplate
            }
            NativeIcon::StopProgress => appkit::NSImageNameStopProgressTemplate,
            NativeIcon::TrashEmpty => appkit::NSImageNameTrashEmpty,
            NativeIcon::TrashFull => appkit::NSImageNameTrashFull,
            NativeIcon::User => appkit::NSImageNameUser,
            NativeIcon::UserAccounts => appkit::NSImageNameUserAccounts,
            NativeIcon::UserGroup => appkit::NSImageNameUserGroup,
            NativeIcon::UserGuest => appkit::NSImageNameUserGuest,
            NativeIcon::Raw(_) => unreachable!("raw native icons are handled before named_img"),
        }
    }
}
