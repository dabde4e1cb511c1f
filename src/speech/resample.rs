//! Sample-rate conversion with rubato's FFT resamplers.
//!
//! Two shapes are needed: whole buffers (a synthesised sentence at 22050 Hz
//! going to the phone at 8 kHz; an 8 kHz utterance going to Whisper at
//! 16 kHz), and fixed 20 ms frames for streaming. The whole-buffer path
//! removes the resampler's delay so output sample `i` lines up with input time
//! `i / to`, and returns exactly `round(len * to / from)` samples.

use rubato::{FftFixedIn, FftFixedInOut, Resampler};

use super::error::{Result, SpeechError};

/// Input frames handed to rubato per call on the whole-buffer path.
const CHUNK: usize = 1024;

fn err(e: impl std::fmt::Display) -> SpeechError {
    SpeechError::Resample(e.to_string())
}

/// Number of output samples for `len` input samples.
pub fn output_len(len: usize, from: u32, to: u32) -> usize {
    ((len as u64 * u64::from(to) + u64::from(from) / 2) / u64::from(from)) as usize
}

/// Resamples a whole mono buffer from `from` Hz to `to` Hz.
pub fn resample(input: &[f32], from: u32, to: u32) -> Result<Vec<f32>> {
    if from == 0 || to == 0 {
        return Err(SpeechError::Resample(format!("invalid rates {from} -> {to}")));
    }
    if from == to || input.is_empty() {
        return Ok(input.to_vec());
    }
    let mut resampler = FftFixedIn::<f32>::new(from as usize, to as usize, CHUNK, 1, 1).map_err(err)?;
    let delay = resampler.output_delay();
    let wanted = output_len(input.len(), from, to);
    let mut out = Vec::with_capacity(wanted + delay + resampler.output_frames_max());
    let mut buffer = vec![vec![0f32; resampler.output_frames_max()]];

    let mut pos = 0;
    while input.len() - pos >= resampler.input_frames_next() {
        let n = resampler.input_frames_next();
        let (_, written) = resampler.process_into_buffer(&[&input[pos..pos + n]], &mut buffer, None).map_err(err)?;
        out.extend_from_slice(&buffer[0][..written]);
        pos += n;
    }
    if pos < input.len() {
        let (_, written) =
            resampler.process_partial_into_buffer(Some(&[&input[pos..]]), &mut buffer, None).map_err(err)?;
        out.extend_from_slice(&buffer[0][..written]);
    }
    // Flush the delay line with silence until the tail has come out.
    while out.len() < wanted + delay {
        let (_, written) = resampler.process_partial_into_buffer::<&[f32], _>(None, &mut buffer, None).map_err(err)?;
        if written == 0 {
            break;
        }
        out.extend_from_slice(&buffer[0][..written]);
    }
    out.drain(..delay.min(out.len()));
    out.resize(wanted, 0.0);
    Ok(out)
}

/// Streaming resampler for fixed 20 ms frames (e.g. 441 samples at 22050 Hz
/// -> 160 at 8 kHz). Both rates must hold a whole number of samples in 20 ms.
/// Output lags input by [`FrameResampler::delay`] samples.
pub struct FrameResampler {
    inner: FftFixedInOut<f32>,
    out: Vec<Vec<f32>>,
    frame_in: usize,
}

impl FrameResampler {
    pub fn new(from: u32, to: u32) -> Result<Self> {
        if !from.is_multiple_of(50) || !to.is_multiple_of(50) {
            return Err(SpeechError::Resample(format!("{from} -> {to} Hz: 20 ms is not a whole number of samples")));
        }
        let frame_in = (from / 50) as usize;
        let inner = FftFixedInOut::<f32>::new(from as usize, to as usize, frame_in, 1).map_err(err)?;
        if inner.input_frames_next() != frame_in {
            return Err(SpeechError::Resample(format!(
                "{from} -> {to} Hz: rubato wants {} input frames, not {frame_in}",
                inner.input_frames_next()
            )));
        }
        let out = vec![vec![0f32; inner.output_frames_max()]];
        Ok(Self { inner, out, frame_in })
    }

    /// Input samples per frame.
    pub fn frame_len(&self) -> usize {
        self.frame_in
    }

    /// Resampler latency in output samples.
    pub fn delay(&self) -> usize {
        self.inner.output_delay()
    }

    /// Resamples exactly one 20 ms frame; the returned slice is valid until the next call.
    pub fn process(&mut self, frame: &[f32]) -> Result<&[f32]> {
        if frame.len() != self.frame_in {
            return Err(SpeechError::Resample(format!(
                "frame has {} samples, expected {}",
                frame.len(),
                self.frame_in
            )));
        }
        let (_, written) = self.inner.process_into_buffer(&[frame], &mut self.out, None).map_err(err)?;
        Ok(&self.out[0][..written])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(freq: f32, rate: u32, len: usize) -> Vec<f32> {
        (0..len).map(|i| 0.5 * (2.0 * std::f32::consts::PI * freq * i as f32 / rate as f32).sin()).collect()
    }

    fn rms(x: &[f32]) -> f32 {
        (x.iter().map(|v| v * v).sum::<f32>() / x.len() as f32).sqrt()
    }

    #[test]
    fn lengths_are_exact() {
        for (from, to, len) in [(22050, 8000, 22050), (8000, 16000, 4321), (16000, 8000, 999), (44100, 16000, 1)] {
            let out = resample(&vec![0.1; len], from, to).unwrap();
            assert_eq!(out.len(), output_len(len, from, to), "{from}->{to} len {len}");
        }
    }

    #[test]
    fn in_band_tone_keeps_its_energy_and_phase() {
        let input = sine(440.0, 22050, 22050);
        let out = resample(&input, 22050, 8000).unwrap();
        let expected = sine(440.0, 8000, 8000);
        // Ignore the edges where the filter rings.
        let mid = 400..7600;
        assert!((rms(&out[mid.clone()]) - rms(&expected[mid.clone()])).abs() < 0.01);
        let max_err = out[mid.clone()].iter().zip(&expected[mid]).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
        // A one-sample misalignment of a 440 Hz tone at 8 kHz would be ~0.17;
        // what remains is passband ripple and sub-sample phase.
        assert!(max_err < 0.05, "delay not compensated: max error {max_err}");
    }

    #[test]
    fn out_of_band_tone_is_removed() {
        // 6 kHz cannot exist at 8 kHz (Nyquist 4 kHz): it must be filtered, not aliased.
        let out = resample(&sine(6000.0, 22050, 22050), 22050, 8000).unwrap();
        assert!(rms(&out[400..7600]) < 0.01, "aliasing: rms {}", rms(&out));
    }

    #[test]
    fn frame_resampler_makes_20ms_frames() {
        let mut r = FrameResampler::new(22050, 8000).unwrap();
        assert_eq!(r.frame_len(), 441);
        let input = sine(300.0, 22050, 441);
        assert_eq!(r.process(&input).unwrap().len(), 160);
        let mut up = FrameResampler::new(8000, 16000).unwrap();
        assert_eq!(up.process(&[0.0; 160]).unwrap().len(), 320);
        assert!(r.process(&[0.0; 100]).is_err());
    }
}
