//! The HTTP conformance suite: one test binary, one module per area of the API.
//! Every test runs against the backend `VAPOR_TEST_BACKEND` names (the mock by
//! default, `test:///default` or `qemu:///system`).

mod backups;
mod browser;
mod clone;
mod console;
mod console_browser;
mod contention;
mod contract;
mod coverage;
mod crash_recovery;
mod create_enhanced;
mod create_enhanced_firmware;
mod devices;
mod docs_browser;
mod events;
mod guest;
mod host_paths;
mod hotplug;
mod http_versions;
mod idempotency;
mod isos;
mod metrics;
mod migration;
mod networks;
mod preconditions;
mod scale;
mod sdk_paths;
mod security;
mod snapshots;
mod storage;
mod templates;
mod vm_list;
mod vms;
