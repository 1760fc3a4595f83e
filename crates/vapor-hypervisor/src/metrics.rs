//! Resource usage of running domains.

/// Resource usage of running domains. Part of [`crate::Hypervisor`].
pub trait MetricsBackend {}
