//! Consoles: where a running domain's graphics and serial consoles can be reached.

use vapor_hypervisor::ConsoleBackend;

use crate::MockHypervisor;

impl ConsoleBackend for MockHypervisor {}
