// Copyright 2022-2022 Tauri Programme within The Commons Conservancy
// SPDX-License-Identifier: Apache-2.0
// SPDX-License-Identifier: MIT

//! Code shared by the GTK 3 and GTK 4 backends.

pub(crate) mod webkit;
