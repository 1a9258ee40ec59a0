//! Unit tests for the parent module.
