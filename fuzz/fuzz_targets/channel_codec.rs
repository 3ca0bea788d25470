//! Fuzz the channel protocol's decoder
//! (`proclab::master::channel_codec`, i.e. `solutions/channel_codec.rs`)
//! with the properties of the proptests in `tests/channel_codec.rs`:
//!
//! * `decode` never panics, whatever the bytes and descriptor count;
//! * whatever it accepts re-encodes to exactly the input bytes;
//! * the descriptor count it accepts is the one the command carries.
//!
//! Input layout: the first byte picks the descriptor count (`% 3`, so 0, 1
//! or 2, as in the proptests); the rest is the frame's bytes.

#![no_main]

use libfuzzer_sys::fuzz_target;
use proclab::master::channel_codec::{decode, encode};

fuzz_target!(|data: &[u8]| {
    let Some((&first, bytes)) = data.split_first() else {
        return;
    };
    let descriptors = usize::from(first % 3);
    if let Ok(frame) = decode(bytes, descriptors) {
        assert_eq!(
            &encode(&frame)[..],
            bytes,
            "accepted bytes the encoder would not write: {frame:?}"
        );
        assert_eq!(
            descriptors,
            frame.command().descriptors(),
            "accepted {descriptors} descriptor(s) with {:?}",
            frame.command()
        );
    }
});
