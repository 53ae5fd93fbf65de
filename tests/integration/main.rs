//! Integration tests: real temporary repositories, the real binary, run the way git runs it.

mod checks;
mod common;
mod dco;
mod hooks;
mod scan;
