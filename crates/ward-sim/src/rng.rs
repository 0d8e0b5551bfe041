//! A small deterministic random number generator (SplitMix64).
//!
//! Written here rather than taken from a crate so that a seed generates the same fleet forever,
//! whatever version of a random-number crate the workspace moves to. Streams are derived from
//! `(seed, stream, index)`, so each computer's fields depend only on the seed and its position.

/// SplitMix64: fast, statistically fine for test data, and stable by construction.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

/// The SplitMix64 finalizer: a good 64-bit mixing function.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A stable hash of a string (FNV-1a, then mixed).
pub(crate) fn hash_str(text: &str) -> u64 {
    let mut hash: u64 = 0xCBF2_9CE4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01B3);
    }
    mix(hash)
}

impl Rng {
    /// A generator seeded directly.
    pub(crate) fn new(seed: u64) -> Self {
        Self(mix(seed ^ 0x5EED_F00D_FA17_5EED))
    }

    /// An independent stream for one purpose (`stream`) and one item (`index`).
    pub(crate) fn derive(seed: u64, stream: u64, index: u64) -> Self {
        Self(mix(seed
            ^ mix(
                stream.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ mix(index)
            )))
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// A number in `0..bound` (`0` when `bound` is `0`).
    pub(crate) fn below(&mut self, bound: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(bound)) >> 64) as u64
    }

    /// A number in `low..=high`.
    pub(crate) fn between(&mut self, low: i64, high: i64) -> i64 {
        let span = high.saturating_sub(low).max(0) as u64 + 1;
        low + self.below(span) as i64
    }

    /// A float in `[0, 1)`.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1_u64 << 53) as f64
    }

    /// `true` with probability `p`.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// One of `items` (which must not be empty), uniformly.
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// A copy of one of `items` (which must not be empty), uniformly.
    pub(crate) fn choose<T: Copy>(&mut self, items: &[T]) -> T {
        *self.pick(items)
    }

    /// One of `items` by weight (the weights must not all be zero).
    pub(crate) fn weighted<'a, T>(&mut self, items: &'a [(T, u32)]) -> &'a T {
        let total: u64 = items.iter().map(|(_, weight)| u64::from(*weight)).sum();
        let mut roll = self.below(total);
        for (item, weight) in items {
            let weight = u64::from(*weight);
            if roll < weight {
                return item;
            }
            roll -= weight;
        }
        &items[items.len() - 1].0
    }

    /// `count` lowercase hexadecimal digits.
    pub(crate) fn hex(&mut self, count: usize) -> String {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut out = String::with_capacity(count);
        let mut bits = 0_u64;
        for position in 0..count {
            if position % 16 == 0 {
                bits = self.next_u64();
            }
            out.push(char::from(DIGITS[(bits & 0xF) as usize]));
            bits >>= 4;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_numbers() {
        let a: Vec<u64> = (0..5).map(|_| Rng::new(7).next_u64()).collect();
        let mut first = Rng::new(7);
        let mut second = Rng::new(7);
        assert!((0..100).all(|_| first.next_u64() == second.next_u64()));
        assert!(a.windows(2).all(|pair| pair[0] == pair[1]));
        assert_ne!(Rng::new(7).next_u64(), Rng::new(8).next_u64());
        assert_ne!(
            Rng::derive(7, 1, 0).next_u64(),
            Rng::derive(7, 1, 1).next_u64()
        );
    }

    #[test]
    fn ranges_hold() {
        let mut rng = Rng::new(1);
        for _ in 0..10_000 {
            assert!(rng.below(7) < 7);
            let n = rng.between(-3, 3);
            assert!((-3..=3).contains(&n));
            let u = rng.unit();
            assert!((0.0..1.0).contains(&u));
        }
        assert_eq!(rng.below(0), 0);
        assert_eq!(rng.hex(17).len(), 17);
        assert!(rng.hex(40).bytes().all(|b| b.is_ascii_hexdigit()));
    }

    #[test]
    fn weights_are_respected() {
        let mut rng = Rng::new(3);
        let items = [("never", 0), ("always", 5)];
        assert!((0..1000).all(|_| *rng.weighted(&items) == "always"));
        let items = [("a", 1), ("b", 3)];
        let b = (0..10_000).filter(|_| *rng.weighted(&items) == "b").count();
        assert!((7_000..8_000).contains(&b), "{b}");
    }
}
