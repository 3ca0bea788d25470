//! A teacher's hidden tests, when the grader is given `--hidden DIR`: each
//! `DIR/<exercise>.rs` is a module here (see `build.rs`), testing
//! `proclab::graded::<exercise>` like the exercise's own tests do. Empty in
//! ordinary builds.

include!(concat!(env!("OUT_DIR"), "/hidden.rs"));
