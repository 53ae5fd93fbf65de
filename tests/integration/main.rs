//! Integration tests: real temporary repositories, the real binary, run the way git runs it.

// Tests may tell why they skip a step; the product itself prints only from report/ and main.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod approval;
mod artifact;
mod commits;
mod common;
mod datasets;
mod dco;
mod encoded;
mod exceptions;
mod files;
mod gate;
mod guard;
mod history;
mod install;
mod internal_url;
mod ip_overlap;
mod lfs;
mod long_push;
mod managers;
mod manual;
mod messages;
mod policy;
mod pushes;
mod report;
mod sarif;
mod sendemail;
mod spdx;
mod spdx_conformance;
