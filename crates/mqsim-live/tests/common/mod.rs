//! What the decoders' fuzz tests share: inputs made from well-formed ones
//! by the mutations a broken or hostile client makes.

use rand::Rng;
use rand_pcg::Pcg64;

/// One input: random bytes at times; otherwise one of `corpus` (with
/// another after it at times), mutated up to three times: a bit flipped, a
/// byte overwritten, a length that lies (`lie` writes one at a position),
/// cut short, bytes inserted, or another input's tail spliced in. None at
/// times, so that whole inputs go through the decoder too.
pub fn input(
    rng: &mut Pcg64,
    corpus: &[Vec<u8>],
    lie: impl Fn(&mut Pcg64, &mut Vec<u8>, usize),
) -> Vec<u8> {
    let pick = |rng: &mut Pcg64| corpus[rng.random_range(0..corpus.len())].clone();
    if rng.random_bool(0.1) {
        let len = rng.random_range(0..64);
        return (0..len).map(|_| rng.random()).collect();
    }
    let mut bytes = pick(rng);
    if rng.random_bool(0.3) {
        bytes.extend(pick(rng));
    }
    for _ in 0..rng.random_range(0..=3) {
        let at = rng.random_range(0..=bytes.len());
        match rng.random_range(0..6) {
            0 if at < bytes.len() => bytes[at] ^= 1 << rng.random_range(0..8),
            1 if at < bytes.len() => bytes[at] = rng.random(),
            2 => lie(rng, &mut bytes, at),
            3 => bytes.truncate(at),
            4 => {
                let extra: Vec<u8> = (0..rng.random_range(1..16)).map(|_| rng.random()).collect();
                bytes.splice(at..at, extra);
            }
            _ => {
                let other = pick(rng);
                let from = rng.random_range(0..other.len());
                bytes.splice(at..at, other[from..].iter().copied());
            }
        }
    }
    bytes
}

/// A 32-bit length, large or small.
pub fn length(rng: &mut Pcg64) -> u32 {
    if rng.random_bool(0.5) {
        rng.random()
    } else {
        rng.random_range(0..300)
    }
}
