//! Ogg Opus files (RFC 7845) from 8 kHz phone audio, and back.
//!
//! Call recordings are stored this way: Opus at 8 kHz narrowband costs about
//! 3 KB per second for two channels, browsers play `.opus` files natively, and
//! `opusinfo`/`ffprobe` read them. The writer takes interleaved 16-bit PCM in
//! any amount, encodes 20 ms frames (libopus through `audiopus`, VOIP mode)
//! and packs them into Ogg pages with the two header packets the format asks
//! for (`OpusHead`, `OpusTags`, each on its own page) and granule positions
//! counted at 48 kHz, as Opus always counts them whatever the input rate.
//!
//! Encoder delay is declared as `pre_skip`, and the final page's granule
//! trims the padding of the last frame, so a decoder plays exactly the
//! samples that were written. [`decode`] reads such a file back (tests, and
//! anyone who wants the PCM).

use std::io::Write;

use audiopus::coder::{Decoder, Encoder};
use audiopus::{Application, Bitrate, Channels, SampleRate};
use ogg::writing::{PacketWriteEndInfo, PacketWriter};

/// Input and output sample rate of recordings (the phone band).
pub const RATE: u32 = 8000;
/// Samples per channel in one 20 ms frame at [`RATE`].
pub const FRAME_SAMPLES: usize = 160;
/// Opus counts granule positions at 48 kHz.
const GRANULE_PER_SAMPLE: u64 = 48_000 / RATE as u64;
/// Largest packet libopus produces for one frame (RFC 6716 allows 1275 bytes).
const MAX_PACKET: usize = 1500;
/// Pages are closed every second so players can seek without reading it all.
const PACKETS_PER_PAGE: u32 = 50;

#[derive(Debug, thiserror::Error)]
pub enum OggOpusError {
    #[error("opus: {0}")]
    Opus(#[from] audiopus::Error),
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    #[error("not an Ogg Opus file: {0}")]
    Format(String),
}

fn opus_channels(channels: u8) -> Result<Channels, OggOpusError> {
    match channels {
        1 => Ok(Channels::Mono),
        2 => Ok(Channels::Stereo),
        n => Err(OggOpusError::Format(format!("{n} channels (1 or 2 supported)"))),
    }
}

/// Streams 8 kHz PCM into an Ogg Opus file.
pub struct OggOpusWriter<W: Write> {
    encoder: Encoder,
    ogg: PacketWriter<'static, W>,
    serial: u32,
    channels: usize,
    pre_skip: u64,
    /// Interleaved samples waiting for a whole frame.
    pending: Vec<i16>,
    /// The last encoded packet, held back so `finish` can end the stream on it.
    held: Option<Vec<u8>>,
    /// Packets written to the Ogg stream (not counting `held`).
    packets: u64,
    /// Samples per channel received so far (what the file will play).
    samples: u64,
    packet: Vec<u8>,
}

impl<W: Write> OggOpusWriter<W> {
    /// Writes the two header pages. `bitrate` is in bits per second for all
    /// channels together.
    pub fn new(out: W, channels: u8, bitrate: i32) -> Result<Self, OggOpusError> {
        let mut encoder = Encoder::new(SampleRate::Hz8000, opus_channels(channels)?, Application::Voip)?;
        encoder.set_bitrate(Bitrate::BitsPerSecond(bitrate))?;
        // The encoder's algorithmic delay, in input samples; decoders drop it.
        let lookahead = u64::from(encoder.lookahead()?);
        let pre_skip = lookahead * GRANULE_PER_SAMPLE;
        let mut writer = OggOpusWriter {
            encoder,
            ogg: PacketWriter::new(out),
            serial: rand::random(),
            channels: usize::from(channels),
            pre_skip,
            pending: Vec::with_capacity(FRAME_SAMPLES * 2),
            held: None,
            packets: 0,
            samples: 0,
            packet: vec![0; MAX_PACKET],
        };
        let head = opus_head(channels, u16::try_from(pre_skip).unwrap_or(u16::MAX));
        writer.ogg.write_packet(head, writer.serial, PacketWriteEndInfo::EndPage, 0)?;
        let tags = opus_tags(&[("ENCODER", "switchboard")]);
        writer.ogg.write_packet(tags, writer.serial, PacketWriteEndInfo::EndPage, 0)?;
        Ok(writer)
    }

    /// Appends interleaved samples (any amount; whole frames are encoded).
    pub fn write(&mut self, interleaved: &[i16]) -> Result<(), OggOpusError> {
        self.samples += (interleaved.len() / self.channels) as u64;
        let frame = FRAME_SAMPLES * self.channels;
        let mut rest = interleaved;
        while !rest.is_empty() {
            let take = (frame - self.pending.len()).min(rest.len());
            self.pending.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if self.pending.len() == frame {
                let pcm = std::mem::take(&mut self.pending);
                self.encode(&pcm)?;
                self.pending = pcm;
                self.pending.clear();
            }
        }
        Ok(())
    }

    /// Seconds of audio written so far, in milliseconds.
    pub fn duration_ms(&self) -> u64 {
        self.samples * 1000 / u64::from(RATE)
    }

    fn encode(&mut self, pcm: &[i16]) -> Result<(), OggOpusError> {
        let len = self.encoder.encode(pcm, &mut self.packet)?;
        let packet = self.packet[..len].to_vec();
        if let Some(previous) = self.held.replace(packet) {
            self.packets += 1;
            let end = if self.packets.is_multiple_of(u64::from(PACKETS_PER_PAGE)) {
                PacketWriteEndInfo::EndPage
            } else {
                PacketWriteEndInfo::NormalPacket
            };
            let granule = self.packets * FRAME_SAMPLES as u64 * GRANULE_PER_SAMPLE;
            self.ogg.write_packet(previous, self.serial, end, granule)?;
        }
        Ok(())
    }

    /// Pads and encodes the last frame, flushes the encoder's delay, ends the
    /// stream and returns the output.
    pub fn finish(mut self) -> Result<W, OggOpusError> {
        let frame = FRAME_SAMPLES * self.channels;
        // Enough silence to complete the last frame and push the encoder's
        // lookahead out (at most a frame), so the whole input is decodable.
        let flush = (frame - self.pending.len() % frame) % frame + frame;
        let real = self.samples;
        self.write(&vec![0; flush])?;
        self.samples = real;
        if let Some(last) = self.held.take() {
            self.packets += 1;
            // End trimming: the last page's granule says where the audio stops.
            let decodable = self.packets * FRAME_SAMPLES as u64 * GRANULE_PER_SAMPLE;
            let granule = (self.pre_skip + real * GRANULE_PER_SAMPLE).min(decodable);
            self.ogg.write_packet(last, self.serial, PacketWriteEndInfo::EndStream, granule)?;
        }
        Ok(self.ogg.into_inner())
    }
}

/// The identification header (RFC 7845 section 5.1), channel mapping family 0.
fn opus_head(channels: u8, pre_skip: u16) -> Vec<u8> {
    let mut head = Vec::with_capacity(19);
    head.extend_from_slice(b"OpusHead");
    head.push(1); // version
    head.push(channels);
    head.extend_from_slice(&pre_skip.to_le_bytes());
    head.extend_from_slice(&RATE.to_le_bytes()); // original input rate (informational)
    head.extend_from_slice(&0i16.to_le_bytes()); // output gain
    head.push(0); // mapping family: mono or stereo, no table
    head
}

/// The comment header (RFC 7845 section 5.2).
fn opus_tags(comments: &[(&str, &str)]) -> Vec<u8> {
    let vendor = concat!("switchboard ", env!("CARGO_PKG_VERSION"), " (libopus)");
    let mut tags = Vec::new();
    tags.extend_from_slice(b"OpusTags");
    tags.extend_from_slice(&(vendor.len() as u32).to_le_bytes());
    tags.extend_from_slice(vendor.as_bytes());
    tags.extend_from_slice(&(comments.len() as u32).to_le_bytes());
    for (key, value) in comments {
        let comment = format!("{key}={value}");
        tags.extend_from_slice(&(comment.len() as u32).to_le_bytes());
        tags.extend_from_slice(comment.as_bytes());
    }
    tags
}

/// A decoded Ogg Opus file at 8 kHz.
#[derive(Debug, Clone)]
pub struct Decoded {
    pub channels: u8,
    /// Interleaved samples, pre-skip dropped and end-trimmed.
    pub samples: Vec<i16>,
}

impl Decoded {
    /// Samples per channel.
    pub fn frames(&self) -> usize {
        self.samples.len() / usize::from(self.channels.max(1))
    }

    pub fn duration_ms(&self) -> u64 {
        self.frames() as u64 * 1000 / u64::from(RATE)
    }

    /// One channel's samples.
    pub fn channel(&self, index: usize) -> Vec<i16> {
        self.samples.iter().skip(index).step_by(usize::from(self.channels.max(1))).copied().collect()
    }
}

/// Decodes a whole Ogg Opus file (one logical stream) to 8 kHz PCM.
pub fn decode(bytes: &[u8]) -> Result<Decoded, OggOpusError> {
    let mut reader = ogg::reading::PacketReader::new(std::io::Cursor::new(bytes));
    let bad = |what: &str| OggOpusError::Format(what.to_string());
    let head = reader.read_packet().map_err(|e| OggOpusError::Format(e.to_string()))?.ok_or_else(|| bad("empty"))?;
    let h = &head.data;
    if h.len() < 19 || &h[..8] != b"OpusHead" {
        return Err(bad("missing OpusHead"));
    }
    let channels = h[9];
    let pre_skip = u64::from(u16::from_le_bytes([h[10], h[11]]));
    let tags = reader.read_packet().map_err(|e| OggOpusError::Format(e.to_string()))?.ok_or_else(|| bad("no tags"))?;
    if !tags.data.starts_with(b"OpusTags") {
        return Err(bad("missing OpusTags"));
    }
    let mut decoder = Decoder::new(SampleRate::Hz8000, opus_channels(channels)?)?;
    let mut out = vec![0i16; 5760 * 2];
    let mut samples = Vec::new();
    let mut last_granule = 0;
    while let Some(packet) = reader.read_packet().map_err(|e| OggOpusError::Format(e.to_string()))? {
        let n = decoder.decode(Some(&packet.data), &mut out, false)?;
        samples.extend_from_slice(&out[..n * usize::from(channels)]);
        if packet.last_in_page() {
            last_granule = packet.absgp_page();
        }
    }
    let per = usize::from(channels);
    let skip = (pre_skip / GRANULE_PER_SAMPLE) as usize * per;
    let end = (last_granule / GRANULE_PER_SAMPLE) as usize * per;
    let end = end.min(samples.len());
    let samples = if skip < end { samples[skip..end].to_vec() } else { Vec::new() };
    Ok(Decoded { channels, samples })
}

#[cfg(test)]
#[path = "ogg_opus_tests.rs"]
mod tests;
