//! Resource usage of running domains.

use vapor_hypervisor::MetricsBackend;

use crate::MockHypervisor;

impl MetricsBackend for MockHypervisor {}
