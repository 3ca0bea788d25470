//! An example of a teacher's hidden test for the `spinlock` exercise:
//! graded with `cargo xtask grade --hidden teaching/hidden-example`, shown
//! to students only as the visibility the teacher chose.

use proclab::graded::spinlock::Spinlock;
use proclab::sync::model::Model;
use proclab::sync::thread;
use std::sync::Arc;

#[test]
fn a_lock_handed_back_and_forth_keeps_a_pair_consistent() {
    // Two fields written together under the lock must always be seen equal.
    let model = Model::new("hidden: pair stays consistent");
    let threads = model.spawned_threads();
    model.check(move || {
        let pair = Arc::new(Spinlock::new("pair", (0u32, 0u32)));
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let pair = pair.clone();
                thread::spawn(move || {
                    let mut p = pair.lock();
                    assert_eq!(p.0, p.1, "a reader saw half of a write");
                    p.0 += 1;
                    thread::yield_now();
                    p.1 += 1;
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(*pair.lock(), (threads as u32, threads as u32));
    });
}
