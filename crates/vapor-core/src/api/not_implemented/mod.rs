//! Operations declared in the spec but not built yet. Each answers 501
//! `NOT_IMPLEMENTED` in the envelope; `tests/conformance` keeps the list of
//! them, so that none is mistaken for done. Implementing one means moving it
//! out of this module (one file per API trait) and off that list.

mod backups;
mod console;
