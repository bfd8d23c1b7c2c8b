//! The guest module embedded at build time (see `build.rs`).

include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
