//! Consoles: where a running domain's graphics and serial consoles can be reached.

/// Consoles of a [`crate::Hypervisor`].
pub trait ConsoleBackend {}
