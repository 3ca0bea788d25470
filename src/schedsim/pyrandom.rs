//! Python's `random` module, as far as the textbook simulators use it:
//! `random.seed(n)` for a whole number and `random.random()`.
//!
//! The OSTEP simulators draw their random job lists and lottery tickets
//! from Python's generator, so reproducing a run with `-s SEED` means
//! reproducing that generator bit for bit. It is the Mersenne Twister
//! MT19937 (Matsumoto and Nishimura, 1998), seeded as CPython seeds it:
//! the seed's absolute value, cut into 32-bit words from the least
//! significant up, is the key of the reference `init_by_array`; and a
//! float takes 27 bits of one output word and 26 of the next, for 53
//! random bits in `[0, 1)`.
//!
//! Not for anything but reproducing those simulators: MT19937 is
//! predictable from 624 outputs.

/// The state size, in 32-bit words.
const N: usize = 624;
/// The middle word of the recurrence.
const M: usize = 397;
/// The twist matrix's last row.
const MATRIX_A: u32 = 0x9908_b0df;
const UPPER: u32 = 0x8000_0000;
const LOWER: u32 = 0x7fff_ffff;

/// One Python `random.Random` generator.
#[derive(Clone)]
pub struct PyRandom {
    /// The generator's state.
    state: [u32; N],
    /// The next word of `state` to hand out; `N` means "twist first".
    next: usize,
}

impl PyRandom {
    /// The generator after Python's `random.seed(seed)`.
    pub fn new(seed: i64) -> PyRandom {
        let mut n = seed.unsigned_abs();
        let mut key = vec![];
        loop {
            key.push(n as u32); // the low 32 bits, then the next ones
            n >>= 32;
            if n == 0 {
                break;
            }
        }
        let mut g = PyRandom::from_word(19_650_218);
        g.mix_in(&key);
        g
    }

    /// The reference `init_genrand`: the state from one word.
    fn from_word(s: u32) -> PyRandom {
        let mut state = [0u32; N];
        state[0] = s;
        for i in 1..N {
            let prev = state[i - 1];
            state[i] = 1_812_433_253u32
                .wrapping_mul(prev ^ (prev >> 30))
                .wrapping_add(i as u32);
        }
        PyRandom { state, next: N }
    }

    /// The reference `init_by_array`: mix `key` into the state.
    fn mix_in(&mut self, key: &[u32]) {
        let s = &mut self.state;
        let (mut i, mut j) = (1usize, 0usize);
        for _ in 0..N.max(key.len()) {
            let prev = s[i - 1];
            s[i] = (s[i] ^ (prev ^ (prev >> 30)).wrapping_mul(1_664_525))
                .wrapping_add(key[j])
                .wrapping_add(j as u32);
            i += 1;
            j += 1;
            if i >= N {
                s[0] = s[N - 1];
                i = 1;
            }
            if j >= key.len() {
                j = 0;
            }
        }
        for _ in 0..N - 1 {
            let prev = s[i - 1];
            s[i] =
                (s[i] ^ (prev ^ (prev >> 30)).wrapping_mul(1_566_083_941)).wrapping_sub(i as u32);
            i += 1;
            if i >= N {
                s[0] = s[N - 1];
                i = 1;
            }
        }
        s[0] = UPPER; // a nonzero state, whatever the key
        self.next = N;
    }

    /// Refill the state: every word is twisted with its neighbour and the
    /// word `M` places on.
    fn twist(&mut self) {
        let s = &mut self.state;
        for k in 0..N {
            let y = (s[k] & UPPER) | (s[(k + 1) % N] & LOWER);
            let odd = if y & 1 == 1 { MATRIX_A } else { 0 };
            s[k] = s[(k + M) % N] ^ (y >> 1) ^ odd;
        }
        self.next = 0;
    }

    /// The next 32-bit output (the reference `genrand_int32`).
    pub fn next_u32(&mut self) -> u32 {
        if self.next >= N {
            self.twist();
        }
        let mut y = self.state[self.next];
        self.next += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// Python's `random.random()`: a float in `[0, 1)` with 53 random bits.
    pub fn random(&mut self) -> f64 {
        let high = f64::from(self.next_u32() >> 5); // 27 bits
        let low = f64::from(self.next_u32() >> 6); // 26 bits
        (high * 67_108_864.0 + low) / 9_007_199_254_740_992.0
    }

    /// Python's `int(limit * random.random())`: a whole number in
    /// `[0, limit)` drawn the simulators' way (truncating a float).
    pub fn below(&mut self, limit: u64) -> u64 {
        (limit as f64 * self.random()) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `python3 -c 'import random; random.seed(S); print([random.random() for _ in range(3)])'`
    /// with CPython 3.11, printed with `repr` (17 significant digits).
    #[test]
    fn the_same_floats_as_cpython() {
        let cases: [(i64, [f64; 3]); 4] = [
            (
                0,
                [0.8444218515250481, 0.7579544029403025, 0.420571580830845],
            ),
            (
                1,
                [0.13436424411240122, 0.8474337369372327, 0.763774618976614],
            ),
            (
                -1,
                [0.13436424411240122, 0.8474337369372327, 0.763774618976614],
            ),
            (
                1 << 40,
                [0.1036394562812375, 0.6705558677439764, 0.4266543913526999],
            ),
        ];
        for (seed, want) in cases {
            let mut g = PyRandom::new(seed);
            let got = [g.random(), g.random(), g.random()];
            assert_eq!(got, want, "seed {seed}");
        }
    }

    /// Past the first twist: the 1000th float of seed 42.
    #[test]
    fn the_state_refills_as_cpython_does() {
        let mut g = PyRandom::new(42);
        let thousandth = (0..1000).map(|_| g.random()).last().unwrap();
        assert_eq!(thousandth, 0.8554501933059546);
    }
}
