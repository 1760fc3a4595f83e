//! Failures a test asks the mock for, to exercise Vapor's clean-up paths.
//!
//! [`MockHypervisor::fail_next`] arms one failure of one operation: the next
//! call of it fails with a `Failed` error that says it was injected, changes
//! nothing, and disarms it. Nothing is armed unless a test arms it, so the
//! mock otherwise still answers from its own state only.

use std::sync::Mutex;

use vapor_hypervisor::*;

use crate::MockHypervisor;

/// The operations a failure can be injected into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MockOperation {
    /// `define_domain`.
    Define,
    /// `power` with [`PowerAction::Start`].
    Start,
    /// `set_autostart`.
    SetAutostart,
    /// `set_hotplug_maximums`.
    SetHotplugMaximums,
    /// `attach_pci_device`.
    AttachPciDevice,
}

impl MockOperation {
    fn as_str(self) -> &'static str {
        match self {
            MockOperation::Define => "define",
            MockOperation::Start => "start",
            MockOperation::SetAutostart => "set_autostart",
            MockOperation::SetHotplugMaximums => "set_hotplug_maximums",
            MockOperation::AttachPciDevice => "attach_pci_device",
        }
    }
}

#[derive(Default)]
pub(crate) struct MockFaults {
    armed: Mutex<Vec<MockOperation>>,
}

impl MockHypervisor {
    /// Makes the next call of `operation` fail (once).
    pub fn fail_next(&self, operation: MockOperation) {
        self.faults
            .armed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(operation);
    }

    /// Whether a failure of `operation` is still armed (not yet spent).
    pub fn failure_armed(&self, operation: MockOperation) -> bool {
        self.faults
            .armed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(&operation)
    }

    /// Spends an armed failure of `operation`: the error to return, if any.
    pub(crate) fn injected_failure(&self, operation: MockOperation) -> Result<()> {
        let mut armed = self.faults.armed.lock().unwrap_or_else(|p| p.into_inner());
        match armed.iter().position(|o| *o == operation) {
            Some(i) => {
                armed.remove(i);
                Err(HypervisorError::failed(format!(
                    "injected failure of {}",
                    operation.as_str()
                )))
            }
            None => Ok(()),
        }
    }
}
