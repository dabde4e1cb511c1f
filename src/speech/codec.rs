//! G.711 mu-law, the audio format of telephone calls (Twilio Media Streams send
//! and expect 8 kHz mu-law in 20 ms frames of 160 bytes).
//!
//! Encoding follows the CCITT/Sun reference (`linear2ulaw` on the sample
//! rounded to 14 bits), the same algorithm sox uses, so our bytes are
//! bit-identical to `sox -D in.wav -e mu-law out.wav` (tests check this against
//! committed sox-made files). Both directions are single table lookups built at
//! compile time.

/// Sample rate of telephone audio.
pub const PHONE_RATE: u32 = 8000;
/// Samples (= mu-law bytes) in one 20 ms frame at 8 kHz.
pub const FRAME_SAMPLES: usize = 160;
/// Frame duration in milliseconds.
pub const FRAME_MS: u32 = 20;
/// The mu-law byte for digital silence (linear 0).
pub const MULAW_SILENCE: u8 = 0xFF;

const BIAS: i32 = 0x84;
const CLIP_14: i32 = 8159;

/// mu-law byte -> 16-bit linear sample.
static DECODE: [i16; 256] = build_decode_table();
/// 14-bit linear sample (offset by 8192) -> mu-law byte.
static ENCODE: [u8; 16384] = build_encode_table();

const fn decode_one(byte: u8) -> i16 {
    let u = !byte as i32;
    let mut t = ((u & 0x0F) << 3) + BIAS;
    t <<= (u & 0x70) >> 4;
    (if u & 0x80 != 0 { BIAS - t } else { t - BIAS }) as i16
}

const fn build_decode_table() -> [i16; 256] {
    let mut table = [0i16; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = decode_one(i as u8);
        i += 1;
    }
    table
}

/// Reference `linear2ulaw` on a 14-bit sample (`pcm16 >> 2`).
const fn encode_14(sample: i32) -> u8 {
    let (mut value, mask) = if sample < 0 { (-sample, 0x7F) } else { (sample, 0xFF) };
    if value > CLIP_14 {
        value = CLIP_14;
    }
    value += BIAS >> 2;
    // Segment: index of the first end point (0x3F, 0x7F, ... 0x1FFF) >= value.
    let mut segment = 0;
    let mut end = 0x3F;
    while segment < 8 && value > end {
        segment += 1;
        end = (end << 1) | 1;
    }
    if segment >= 8 {
        return (0x7F ^ mask) as u8;
    }
    ((((segment << 4) | ((value >> (segment + 1)) & 0x0F)) ^ mask) & 0xFF) as u8
}

const fn build_encode_table() -> [u8; 16384] {
    let mut table = [0u8; 16384];
    let mut i = 0;
    while i < 16384 {
        table[i] = encode_14(i as i32 - 8192);
        i += 1;
    }
    table
}

/// Encodes one 16-bit sample. The 16 -> 14 bit step rounds to nearest (as
/// sox does) rather than truncating, which halves that step's error.
#[inline]
pub fn encode_sample(sample: i16) -> u8 {
    let fourteen = ((i32::from(sample) + 2) >> 2).min(8191);
    ENCODE[(fourteen + 8192) as usize]
}

/// Decodes one mu-law byte.
#[inline]
pub fn decode_sample(byte: u8) -> i16 {
    DECODE[byte as usize]
}

/// Encodes 16-bit samples, appending to `out`.
pub fn encode_into(samples: &[i16], out: &mut Vec<u8>) {
    out.extend(samples.iter().map(|&s| encode_sample(s)));
}

pub fn encode(samples: &[i16]) -> Vec<u8> {
    samples.iter().map(|&s| encode_sample(s)).collect()
}

pub fn decode(bytes: &[u8]) -> Vec<i16> {
    bytes.iter().map(|&b| decode_sample(b)).collect()
}

/// Decodes straight to `f32` in [-1, 1), the input format of Whisper.
pub fn decode_f32(bytes: &[u8]) -> Vec<f32> {
    bytes.iter().map(|&b| f32::from(decode_sample(b)) / 32768.0).collect()
}

/// `f32` in [-1, 1] -> 16-bit, saturating (resamplers overshoot slightly).
pub fn f32_to_i16(samples: &[f32]) -> Vec<i16> {
    samples.iter().map(|&s| (s * 32767.0).round().clamp(-32768.0, 32767.0) as i16).collect()
}

pub fn i16_to_f32(samples: &[i16]) -> Vec<f32> {
    samples.iter().map(|&s| f32::from(s) / 32768.0).collect()
}

/// Splits mu-law audio into 20 ms frames; the last frame is padded with
/// silence so every frame sent to the carrier has exactly 160 bytes.
pub fn frames(bytes: &[u8]) -> impl Iterator<Item = [u8; FRAME_SAMPLES]> + '_ {
    bytes.chunks(FRAME_SAMPLES).map(|chunk| {
        let mut frame = [MULAW_SILENCE; FRAME_SAMPLES];
        frame[..chunk.len()].copy_from_slice(chunk);
        frame
    })
}

/// Re-frames a stream of arbitrarily sized mu-law payloads into 20 ms frames
/// (the carrier may deliver other sizes; VAD and pacing need exact frames).
#[derive(Debug, Default)]
pub struct Framer {
    pending: Vec<u8>,
}

impl Framer {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds bytes and returns every complete frame now available.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<[u8; FRAME_SAMPLES]> {
        self.pending.extend_from_slice(bytes);
        let complete = self.pending.len() / FRAME_SAMPLES * FRAME_SAMPLES;
        let out = self.pending[..complete]
            .chunks_exact(FRAME_SAMPLES)
            .map(|c| {
                let mut frame = [0u8; FRAME_SAMPLES];
                frame.copy_from_slice(c);
                frame
            })
            .collect();
        self.pending.drain(..complete);
        out
    }

    /// Bytes waiting for a full frame.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Returns the partial frame (padded with silence), if any.
    pub fn flush(&mut self) -> Option<[u8; FRAME_SAMPLES]> {
        if self.pending.is_empty() {
            return None;
        }
        let frame = frames(&self.pending).next();
        self.pending.clear();
        frame
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values_match_g711() {
        assert_eq!(encode_sample(0), 0xFF);
        assert_eq!(decode_sample(0xFF), 0);
        assert_eq!(decode_sample(0x7F), 0);
        assert_eq!(decode_sample(0x00), -32124);
        assert_eq!(decode_sample(0x80), 32124);
        assert_eq!(encode_sample(i16::MAX), 0x80);
        assert_eq!(encode_sample(i16::MIN), 0x00);
    }

    #[test]
    fn decode_then_encode_is_identity_except_negative_zero() {
        for byte in 0..=255u8 {
            let again = encode_sample(decode_sample(byte));
            if byte == 0x7F {
                assert_eq!(again, 0xFF, "negative zero encodes as positive zero");
            } else {
                assert_eq!(again, byte, "byte {byte:#04x}");
            }
        }
    }

    #[test]
    fn quantisation_error_is_bounded_by_segment_step() {
        for s in (-32000i32..32000).step_by(7) {
            let back = i32::from(decode_sample(encode_sample(s as i16)));
            // Largest segment step is 1024 (segment 7); error <= half a step + bias slack.
            assert!((back - s).abs() <= 1024, "{s} -> {back}");
            if s.abs() < 100 {
                assert!((back - s).abs() <= 8, "{s} -> {back}");
            }
        }
    }

    #[test]
    fn framer_yields_exact_frames_and_keeps_the_rest() {
        let mut framer = Framer::new();
        assert!(framer.push(&[1u8; 100]).is_empty());
        let frames = framer.push(&[2u8; 300]);
        assert_eq!(frames.len(), 2);
        assert_eq!(frames[0][99], 1);
        assert_eq!(frames[0][100], 2);
        assert_eq!(framer.pending(), 80);
        let last = framer.flush().unwrap();
        assert_eq!(last[79], 2);
        assert_eq!(last[80], MULAW_SILENCE);
        assert!(framer.flush().is_none());
    }

    #[test]
    fn frames_pads_the_tail() {
        let all: Vec<_> = frames(&[0u8; 161]).collect();
        assert_eq!(all.len(), 2);
        assert_eq!(all[1][0], 0);
        assert_eq!(all[1][1], MULAW_SILENCE);
    }
}
