//! Tests of the libvirt backend through the `Hypervisor` trait, on
//! `test:///default` and, where a test says so, on `qemu:///system`.

mod console;
mod events;
mod hotplug;
mod metrics;
mod migration;
mod network;
mod snapshot;
mod storage;
mod test_driver;
