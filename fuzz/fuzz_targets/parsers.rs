//! Every parser of server answers and of Hoist's own files, under libFuzzer.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| hoist_core::fuzz::parsers(data));
