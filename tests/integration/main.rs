//! Integration tests: real temporary repositories, the real binary, run the way git runs it.

mod common;
mod scan;
