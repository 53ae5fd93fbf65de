//! Integration tests: real temporary repositories, the real binary, run the way git runs it.

// Tests may tell why they skip a step; the product itself prints only from report/ and main.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod checks;
mod common;
mod encoded;
mod hooks;
mod sarif;
mod scan;
