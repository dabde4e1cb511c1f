//! WAV files in and out, by hand: hound does not read G.711 mu-law WAVs, which
//! is what telephone recordings and `say` output are.
//!
//! Reads any sample rate, PCM 8/16/24/32-bit, 32-bit float or mu-law, mono or
//! multi-channel (averaged to mono). Writes 16-bit PCM or mu-law (with the
//! `fact` chunk non-PCM WAVs carry).

use std::path::Path;

use super::codec;
use super::error::{Result, SpeechError};

const FORMAT_PCM: u16 = 1;
const FORMAT_FLOAT: u16 = 3;
const FORMAT_MULAW: u16 = 7;
const FORMAT_EXTENSIBLE: u16 = 0xFFFE;

/// Mono audio as `f32` in [-1, 1].
#[derive(Debug, Clone, PartialEq)]
pub struct Audio {
    pub sample_rate: u32,
    pub samples: Vec<f32>,
}

impl Audio {
    pub fn duration_secs(&self) -> f64 {
        self.samples.len() as f64 / f64::from(self.sample_rate.max(1))
    }
}

/// How a WAV file stores its samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WavEncoding {
    Pcm16,
    MuLaw,
}

fn invalid(msg: impl Into<String>) -> SpeechError {
    SpeechError::InvalidAudio(msg.into())
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Reads a WAV file (see module docs for what is accepted).
pub fn read(path: &Path) -> Result<Audio> {
    let bytes = std::fs::read(path).map_err(|e| SpeechError::io(path, e))?;
    parse(&bytes).map_err(|e| match e {
        SpeechError::InvalidAudio(msg) => SpeechError::InvalidAudio(format!("{}: {msg}", path.display())),
        other => other,
    })
}

/// Parses WAV bytes.
pub fn parse(bytes: &[u8]) -> Result<Audio> {
    if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return Err(invalid("not a RIFF/WAVE file"));
    }
    let mut pos = 12;
    let mut fmt: Option<(u16, u16, u32, u16)> = None;
    let mut data: Option<&[u8]> = None;
    while pos + 8 <= bytes.len() {
        let id = &bytes[pos..pos + 4];
        let size = u32_at(bytes, pos + 4) as usize;
        let body_start = pos + 8;
        // Streaming writers leave the data size at 0 or 0xFFFFFFFF: take the rest.
        let body_end = if id == b"data" && (size == 0 || body_start + size > bytes.len()) {
            bytes.len()
        } else {
            body_start.checked_add(size).filter(|&end| end <= bytes.len()).ok_or_else(|| invalid("truncated chunk"))?
        };
        let body = &bytes[body_start..body_end];
        match id {
            b"fmt " => {
                if body.len() < 16 {
                    return Err(invalid("fmt chunk too short"));
                }
                let mut tag = u16_at(body, 0);
                if tag == FORMAT_EXTENSIBLE && body.len() >= 26 {
                    tag = u16_at(body, 24);
                }
                fmt = Some((tag, u16_at(body, 2), u32_at(body, 4), u16_at(body, 14)));
            }
            b"data" => data = Some(body),
            _ => {}
        }
        pos = body_end + (body_end - body_start) % 2; // chunks are word aligned
    }
    let (tag, channels, sample_rate, bits) = fmt.ok_or_else(|| invalid("no fmt chunk"))?;
    let data = data.ok_or_else(|| invalid("no data chunk"))?;
    if channels == 0 || sample_rate == 0 {
        return Err(invalid("zero channels or sample rate"));
    }
    let interleaved: Vec<f32> = match (tag, bits) {
        (FORMAT_PCM, 8) => data.iter().map(|&b| (f32::from(b) - 128.0) / 128.0).collect(),
        (FORMAT_PCM, 16) => {
            data.chunks_exact(2).map(|c| f32::from(i16::from_le_bytes([c[0], c[1]])) / 32768.0).collect()
        }
        (FORMAT_PCM, 24) => data
            .chunks_exact(3)
            .map(|c| (i32::from_le_bytes([0, c[0], c[1], c[2]]) >> 8) as f32 / 8_388_608.0)
            .collect(),
        (FORMAT_PCM, 32) => data
            .chunks_exact(4)
            .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f32 / 2_147_483_648.0)
            .collect(),
        (FORMAT_FLOAT, 32) => data.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect(),
        (FORMAT_MULAW, 8) => codec::decode_f32(data),
        _ => {
            return Err(invalid(format!("unsupported WAV encoding (format tag {tag}, {bits} bits)")));
        }
    };
    let channels = usize::from(channels);
    let samples = if channels == 1 {
        interleaved
    } else {
        interleaved.chunks_exact(channels).map(|frame| frame.iter().sum::<f32>() / channels as f32).collect()
    };
    Ok(Audio { sample_rate, samples })
}

/// Serialises mono audio as a WAV file image.
pub fn encode(audio: &Audio, encoding: WavEncoding) -> Vec<u8> {
    match encoding {
        WavEncoding::Pcm16 => {
            let pcm = codec::f32_to_i16(&audio.samples);
            let data: Vec<u8> = pcm.iter().flat_map(|s| s.to_le_bytes()).collect();
            wav_bytes(FORMAT_PCM, audio.sample_rate, 16, &data)
        }
        WavEncoding::MuLaw => {
            let data = codec::encode(&codec::f32_to_i16(&audio.samples));
            wav_bytes(FORMAT_MULAW, audio.sample_rate, 8, &data)
        }
    }
}

/// A mu-law WAV image from already-encoded bytes (no re-quantisation).
pub fn encode_mulaw_bytes(sample_rate: u32, mulaw: &[u8]) -> Vec<u8> {
    wav_bytes(FORMAT_MULAW, sample_rate, 8, mulaw)
}

fn wav_bytes(tag: u16, sample_rate: u32, bits: u16, data: &[u8]) -> Vec<u8> {
    let block_align = bits / 8;
    let non_pcm = tag != FORMAT_PCM;
    let fmt_len: u32 = if non_pcm { 18 } else { 16 };
    let fact_len: u32 = if non_pcm { 12 } else { 0 };
    let pad = data.len() % 2;
    let riff_len = 4 + (8 + fmt_len) + fact_len + 8 + data.len() as u32 + pad as u32;
    let mut out = Vec::with_capacity(riff_len as usize + 8);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&riff_len.to_le_bytes());
    out.extend_from_slice(b"WAVE");
    out.extend_from_slice(b"fmt ");
    out.extend_from_slice(&fmt_len.to_le_bytes());
    out.extend_from_slice(&tag.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&sample_rate.to_le_bytes());
    out.extend_from_slice(&(sample_rate * u32::from(block_align)).to_le_bytes());
    out.extend_from_slice(&block_align.to_le_bytes());
    out.extend_from_slice(&bits.to_le_bytes());
    if non_pcm {
        out.extend_from_slice(&0u16.to_le_bytes()); // cbSize
        out.extend_from_slice(b"fact");
        out.extend_from_slice(&4u32.to_le_bytes());
        out.extend_from_slice(&(data.len() as u32 / u32::from(block_align)).to_le_bytes());
    }
    out.extend_from_slice(b"data");
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(data);
    if pad == 1 {
        out.push(0);
    }
    out
}

/// Writes a WAV file.
pub fn write(path: &Path, audio: &Audio, encoding: WavEncoding) -> Result<()> {
    std::fs::write(path, encode(audio, encoding)).map_err(|e| SpeechError::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pcm16_round_trip_is_exact_to_16_bits() {
        let audio = Audio { sample_rate: 16000, samples: vec![0.0, 0.5, -0.5, 0.25, -1.0] };
        let back = parse(&encode(&audio, WavEncoding::Pcm16)).unwrap();
        assert_eq!(back.sample_rate, 16000);
        for (a, b) in audio.samples.iter().zip(&back.samples) {
            assert!((a - b).abs() < 1.0 / 16000.0, "{a} vs {b}");
        }
    }

    #[test]
    fn mulaw_round_trip_keeps_rate_and_length() {
        let audio = Audio { sample_rate: 8000, samples: (0..801).map(|i| (i as f32 / 50.0).sin() * 0.3).collect() };
        let bytes = encode(&audio, WavEncoding::MuLaw);
        assert_eq!(bytes.len() % 2, 0, "RIFF chunks are word aligned");
        let back = parse(&bytes).unwrap();
        assert_eq!(back.sample_rate, 8000);
        assert_eq!(back.samples.len(), 801);
        let max_err = audio.samples.iter().zip(&back.samples).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
        assert!(max_err < 0.02, "{max_err}");
    }

    #[test]
    fn stereo_is_averaged_and_garbage_is_rejected() {
        let mut image = wav_bytes(FORMAT_PCM, 8000, 16, &[0, 0x40, 0, 0]);
        image[22] = 2; // channels
        let audio = parse(&image).unwrap();
        assert_eq!(audio.samples, vec![0.25]);
        assert!(matches!(parse(b"not a wav file at all"), Err(SpeechError::InvalidAudio(_))));
    }
}
