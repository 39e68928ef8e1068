//! Integration tests: the real `hoist` binary against the in-repo reference server on 127.0.0.1
//! (port 0) and against independent servers. One binary, a module per area (ripgrep's layout).

mod bad_input;
mod engine;
mod google;
mod interop;
mod kill;
mod oauth;
mod support;
mod window;
