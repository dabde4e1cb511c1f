//! Per-frame costs of the phone-audio plumbing: G.711 mu-law, resampling and
//! VAD on one 20 ms frame. `cargo bench --profile dev --bench speech_dsp`

use criterion::{Criterion, black_box, criterion_group, criterion_main};
use switchboard::speech::codec;
use switchboard::speech::resample::{self, FrameResampler};
use webrtc_vad::{SampleRate, Vad, VadMode};

fn tone(rate: u32, len: usize) -> Vec<f32> {
    (0..len).map(|i| 0.4 * (2.0 * std::f32::consts::PI * 440.0 * i as f32 / rate as f32).sin()).collect()
}

fn mulaw(c: &mut Criterion) {
    let pcm = codec::f32_to_i16(&tone(8000, 160));
    let bytes = codec::encode(&pcm);
    c.bench_function("mulaw_encode_20ms", |b| b.iter(|| codec::encode(black_box(&pcm))));
    c.bench_function("mulaw_decode_20ms", |b| b.iter(|| codec::decode(black_box(&bytes))));
}

fn resampling(c: &mut Criterion) {
    let voice = tone(22050, 441);
    let mut down = FrameResampler::new(22050, 8000).unwrap();
    c.bench_function("resample_frame_22050_to_8000", |b| b.iter(|| down.process(black_box(&voice)).unwrap().len()));
    let phone = tone(8000, 160);
    let mut up = FrameResampler::new(8000, 16000).unwrap();
    c.bench_function("resample_frame_8000_to_16000", |b| b.iter(|| up.process(black_box(&phone)).unwrap().len()));
    // Whole buffers, as the engines use them: a 2.7 s sentence and a 3 s utterance.
    let sentence = tone(22050, 22050 * 27 / 10);
    c.bench_function("resample_sentence_2.7s_22050_to_8000", |b| {
        b.iter(|| resample::resample(black_box(&sentence), 22050, 8000).unwrap().len())
    });
    let utterance = tone(8000, 24000);
    c.bench_function("resample_utterance_3s_8000_to_16000", |b| {
        b.iter(|| resample::resample(black_box(&utterance), 8000, 16000).unwrap().len())
    });
    let frame_bytes = codec::encode(&codec::f32_to_i16(&phone));
    c.bench_function("phone_frame_decode_and_upsample_20ms", |b| {
        b.iter(|| up.process(&codec::decode_f32(black_box(&frame_bytes))).unwrap().len())
    });
}

fn vad(c: &mut Criterion) {
    let speechy = codec::f32_to_i16(&tone(8000, 160));
    let mut vad = Vad::new_with_rate_and_mode(SampleRate::Rate8kHz, VadMode::Aggressive);
    c.bench_function("webrtc_vad_20ms_8khz", |b| b.iter(|| vad.is_voice_segment(black_box(&speechy)).unwrap()));
}

criterion_group!(benches, mulaw, resampling, vad);
criterion_main!(benches);
