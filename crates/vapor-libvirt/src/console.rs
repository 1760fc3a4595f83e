//! Consoles: where a running domain's graphics and serial consoles can be reached.

use vapor_hypervisor::ConsoleBackend;

use crate::LibvirtHypervisor;

impl ConsoleBackend for LibvirtHypervisor {}
