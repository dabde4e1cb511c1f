use super::*;

fn tone(freq: f64, amplitude: f64, samples: usize) -> Vec<i16> {
    (0..samples)
        .map(|i| (amplitude * (2.0 * std::f64::consts::PI * freq * i as f64 / f64::from(RATE)).sin()) as i16)
        .collect()
}

fn rms(samples: &[i16]) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    (samples.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / samples.len() as f64).sqrt()
}

/// Sign changes per second / 2: the dominant frequency of a clean tone.
fn frequency(samples: &[i16]) -> f64 {
    let crossings = samples.windows(2).filter(|w| (w[0] < 0) != (w[1] < 0)).count();
    crossings as f64 / 2.0 / (samples.len() as f64 / f64::from(RATE))
}

/// Offsets of every page and its granule position.
fn pages(bytes: &[u8]) -> Vec<(usize, u8, u64)> {
    let mut out = Vec::new();
    let mut at = 0;
    while at + 27 <= bytes.len() {
        assert_eq!(&bytes[at..at + 4], b"OggS", "page at {at}");
        let flags = bytes[at + 5];
        let granule = u64::from_le_bytes(bytes[at + 6..at + 14].try_into().unwrap());
        let segments = usize::from(bytes[at + 26]);
        let body: usize = bytes[at + 27..at + 27 + segments].iter().map(|&b| usize::from(b)).sum();
        out.push((at, flags, granule));
        at += 27 + segments + body;
    }
    assert_eq!(at, bytes.len(), "trailing bytes after the last page");
    out
}

#[test]
fn a_stereo_tone_survives_the_round_trip_with_exact_length() {
    // Caller (left): 440 Hz for 3 s. Agent (right): silent 1.5 s, then 1 kHz.
    let n = 3 * RATE as usize;
    let left = tone(440.0, 8000.0, n);
    let mut right = vec![0i16; n / 2];
    right.extend(tone(1000.0, 8000.0, n - n / 2));
    let interleaved: Vec<i16> = left.iter().zip(&right).flat_map(|(&l, &r)| [l, r]).collect();

    let mut writer = OggOpusWriter::new(Vec::new(), 2, 24_000).unwrap();
    // Odd-sized writes: the writer frames them itself.
    for chunk in interleaved.chunks(2 * 97) {
        writer.write(chunk).unwrap();
    }
    assert_eq!(writer.duration_ms(), 3000);
    let bytes = writer.finish().unwrap();
    assert!(bytes.starts_with(b"OggS"));
    println!("3 s stereo: {} bytes", bytes.len());
    assert!(bytes.len() < 12_000, "{} bytes for 3 s", bytes.len());

    // Headers on their own pages, BOS first, EOS last, 48 kHz granules.
    let pages = pages(&bytes);
    assert!(pages.len() >= 4, "{pages:?}");
    assert_eq!(pages[0].1 & 0x02, 0x02, "first page begins the stream");
    assert_eq!(&bytes[pages[0].0 + 28..pages[0].0 + 36], b"OpusHead");
    assert_eq!(pages[1].2, 0, "tags page has granule 0");
    let (_, flags, granule) = *pages.last().unwrap();
    assert_eq!(flags & 0x04, 0x04, "last page ends the stream");
    let head = &bytes[pages[0].0 + 28..];
    let pre_skip = u64::from(u16::from_le_bytes([head[10], head[11]]));
    assert!(pre_skip > 0 && pre_skip < 960 * 2, "pre-skip {pre_skip}");
    assert_eq!(granule, pre_skip + 3 * 48_000);
    let granules: Vec<u64> = pages[2..].iter().map(|p| p.2).collect();
    assert!(granules.windows(2).all(|w| w[0] <= w[1]), "{granules:?}");

    let decoded = decode(&bytes).unwrap();
    assert_eq!(decoded.channels, 2);
    assert_eq!(decoded.frames(), n, "exactly the samples written");
    assert_eq!(decoded.duration_ms(), 3000);
    let (l, r) = (decoded.channel(0), decoded.channel(1));
    // Compare the steady middle of each part (codec start-up aside).
    let steady = |s: &[i16], from: usize, to: usize| s[from..to].to_vec();
    let l_mid = steady(&l, 4000, 20_000);
    assert!(rms(&l_mid) > 0.6 * rms(&left[4000..20_000]), "left rms {}", rms(&l_mid));
    assert!((frequency(&l_mid) - 440.0).abs() < 15.0, "left at {} Hz", frequency(&l_mid));
    assert!(rms(&r[800..11_000]) < 300.0, "right is silent at first: rms {}", rms(&r[800..11_000]));
    let r_tone = steady(&r, 14_000, 22_000);
    assert!(rms(&r_tone) > 0.6 * rms(&right[14_000..22_000]), "right rms {}", rms(&r_tone));
    assert!((frequency(&r_tone) - 1000.0).abs() < 30.0, "right at {} Hz", frequency(&r_tone));
}

#[test]
fn short_and_empty_recordings_are_valid_files() {
    let mut writer = OggOpusWriter::new(Vec::new(), 1, 16_000).unwrap();
    writer.write(&tone(300.0, 5000.0, 100)).unwrap();
    let decoded = decode(&writer.finish().unwrap()).unwrap();
    assert_eq!((decoded.channels, decoded.frames()), (1, 100));

    let empty = OggOpusWriter::new(Vec::new(), 2, 16_000).unwrap().finish().unwrap();
    let decoded = decode(&empty).unwrap();
    assert_eq!((decoded.channels, decoded.frames()), (2, 0));
}

#[test]
fn garbage_is_refused_not_panicked_on() {
    assert!(decode(b"").is_err());
    assert!(decode(b"OggS not really").is_err());
    assert!(OggOpusWriter::new(Vec::new(), 3, 16_000).is_err());
}
