//! Integration tests: real temporary repositories, the real binary, run the way git runs it.

// Tests may tell why they skip a step; the product itself prints only from report/ and main.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod approval;
mod artifact;
mod common;
mod dco;
mod encoded;
mod gate;
mod guard;
mod hooks;
mod lfs;
mod managers;
mod sarif;
mod scan;
mod sendemail;
mod spdx;
mod spdx_conformance;
