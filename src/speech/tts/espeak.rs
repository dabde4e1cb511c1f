//! Text -> IPA phonemes with espeak-ng, run as a separate long-lived process.
//!
//! espeak-ng is GPL-3.0, so it is never linked: we talk to the `espeak-ng`
//! program over pipes. Started without a text argument it reads stdin line by
//! line and flushes its output after each line, printing one line of IPA per
//! clause. Since one input line can yield zero or several output lines, every
//! request is followed by a fixed sentinel line whose IPA we learn at start-up;
//! reading up to that sentinel keeps requests and answers in step. A call costs
//! ~1 ms, versus ~45 ms for a fresh process (espeak loads its dictionaries).
//! espeak-ng is not thread-safe anyway, so one process behind a mutex it is.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Mutex;

use crate::speech::error::{Result, SpeechError};

const SENTINEL: &str = "xyzzy plugh xyzzy plugh xyzzy";
/// espeak-ng reads at most 1000 bytes per line; stay well below.
const MAX_LINE: usize = 400;

struct Process {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    sentinel_ipa: String,
}

impl Process {
    fn start(voice: &str) -> Result<Self> {
        let mut child = Command::new("espeak-ng")
            .args(["-q", "--ipa", "-v", voice])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| SpeechError::EspeakMissing { reason: format!("cannot run espeak-ng: {e}") })?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(SpeechError::Phonemizer("espeak-ng pipes unavailable".into()));
        };
        let mut process = Process { child, stdin, stdout: BufReader::new(stdout), sentinel_ipa: String::new() };
        process.write_line(SENTINEL)?;
        let ipa = process.read_line()?;
        if ipa.is_empty() {
            return Err(SpeechError::EspeakMissing { reason: format!("espeak-ng gave no phonemes for voice {voice}") });
        }
        process.sentinel_ipa = ipa;
        Ok(process)
    }

    fn write_line(&mut self, line: &str) -> Result<()> {
        let io = |e: std::io::Error| SpeechError::Phonemizer(format!("writing to espeak-ng: {e}"));
        self.stdin.write_all(line.as_bytes()).map_err(io)?;
        self.stdin.write_all(b"\n").map_err(io)?;
        self.stdin.flush().map_err(io)
    }

    fn read_line(&mut self) -> Result<String> {
        let mut line = String::new();
        let n = self
            .stdout
            .read_line(&mut line)
            .map_err(|e| SpeechError::Phonemizer(format!("reading from espeak-ng: {e}")))?;
        if n == 0 {
            return Err(SpeechError::Phonemizer("espeak-ng exited".into()));
        }
        Ok(line.trim().to_string())
    }

    /// IPA for one clause: all output lines joined by a space.
    fn phonemize(&mut self, text: &str) -> Result<String> {
        self.write_line(text)?;
        self.write_line(SENTINEL)?;
        let mut parts = Vec::new();
        loop {
            let line = self.read_line()?;
            if line == self.sentinel_ipa {
                break;
            }
            if !line.is_empty() {
                parts.push(line);
            }
        }
        Ok(parts.join(" "))
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Shared espeak-ng phonemizer for one espeak voice (e.g. `en-us`).
pub struct Phonemizer {
    voice: String,
    process: Mutex<Option<Process>>,
}

impl Phonemizer {
    /// Starts espeak-ng now, so a missing binary fails at start-up.
    pub fn start(voice: &str) -> Result<Self> {
        let process = Process::start(voice)?;
        Ok(Self { voice: voice.to_string(), process: Mutex::new(Some(process)) })
    }

    /// IPA phonemes for one clause (no punctuation handling here).
    pub fn phonemize(&self, clause: &str) -> Result<String> {
        let text = sanitize(clause);
        if text.is_empty() {
            return Ok(String::new());
        }
        let mut guard = self.process.lock().unwrap_or_else(|p| p.into_inner());
        // One restart if espeak died (killed, crashed on odd input).
        for attempt in 0..2 {
            if guard.is_none() {
                *guard = Some(Process::start(&self.voice)?);
            }
            let Some(process) = guard.as_mut() else {
                continue;
            };
            let mut pieces = Vec::new();
            let mut failed = None;
            for chunk in chunks(&text) {
                match process.phonemize(chunk) {
                    Ok(ipa) if !ipa.is_empty() => pieces.push(ipa),
                    Ok(_) => {}
                    Err(e) => {
                        failed = Some(e);
                        break;
                    }
                }
            }
            match failed {
                None => return Ok(pieces.join(" ")),
                Some(e) if attempt == 1 => return Err(e),
                Some(_) => *guard = None,
            }
        }
        Err(SpeechError::Phonemizer("espeak-ng failed twice".into()))
    }
}

/// One line of plain text: no newlines or control characters, and never the
/// sentinel itself.
fn sanitize(text: &str) -> String {
    let flat: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let flat = flat.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.eq_ignore_ascii_case(SENTINEL) { flat.replace("xyzzy", "xyzzie") } else { flat }
}

/// Splits text at spaces into pieces of at most `MAX_LINE` bytes.
fn chunks(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while rest.len() > MAX_LINE {
        let mut cut = rest[..MAX_LINE].rfind(' ').unwrap_or(0);
        if cut == 0 {
            cut = (1..=MAX_LINE).rev().find(|&i| rest.is_char_boundary(i)).unwrap_or(rest.len());
        }
        out.push(rest[..cut].trim());
        rest = rest[cut..].trim_start();
    }
    if !rest.is_empty() {
        out.push(rest);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_at_spaces() {
        let text = "word ".repeat(200);
        let pieces = chunks(text.trim());
        assert!(pieces.len() >= 3);
        assert!(pieces.iter().all(|p| p.len() <= MAX_LINE && !p.starts_with(' ')));
        assert_eq!(pieces.join(" "), text.trim());
    }

    #[test]
    fn sanitize_flattens_lines() {
        assert_eq!(sanitize("a\nb\tc\r\n"), "a b c");
    }

    #[test]
    fn espeak_phonemizes_in_step() {
        let p = Phonemizer::start("en-us").expect("espeak-ng must be installed (apt-get install espeak-ng)");
        let hello = p.phonemize("hello world").unwrap();
        assert!(hello.contains("wˈɜːld"), "{hello}");
        // Input that yields several clause lines, and input that yields none.
        let multi = p.phonemize("We open at 8 a.m. to 5 p.m. Monday").unwrap();
        assert!(multi.contains("mˈʌndeɪ"), "{multi}");
        assert_eq!(p.phonemize("   ").unwrap(), "");
        // Still in step afterwards.
        assert_eq!(p.phonemize("hello world").unwrap(), hello);
    }
}
