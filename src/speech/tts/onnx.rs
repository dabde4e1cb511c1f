//! ONNX Runtime, loaded at run time from `MODELS_DIR/onnxruntime` (`ort` with
//! `load-dynamic`: nothing is downloaded at build time), and the VITS session.
//!
//! Two settings matter on a small shared box: telemetry off (Microsoft's builds
//! otherwise try to phone home), and no intra-op spinning (spinning threads
//! burn the cores Whisper and the other calls need; measured to double latency
//! on 2 busy cores).

use std::path::Path;
use std::sync::OnceLock;

use ort::environment::Environment;
use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;
use ort::value::Tensor;

use super::voice::InferenceConfig;
use crate::speech::error::{Result, SpeechError};

static ENVIRONMENT: OnceLock<std::result::Result<Environment, String>> = OnceLock::new();

/// The process-wide ONNX Runtime environment (the library can be loaded only
/// once per process; later calls reuse it whatever path they pass).
pub fn environment(library: &Path) -> Result<&'static Environment> {
    let env = ENVIRONMENT.get_or_init(|| {
        let builder = ort::init_from(library).map_err(|e| e.to_string())?;
        builder.with_name("switchboard").with_telemetry(false).build().map_err(|e| e.to_string())
    });
    env.as_ref().map_err(|reason| SpeechError::ModelLoad {
        what: "ONNX Runtime library",
        path: library.to_path_buf(),
        reason: reason.clone(),
    })
}

fn load_err(path: &Path, e: impl std::fmt::Display) -> SpeechError {
    SpeechError::ModelLoad { what: "Piper voice", path: path.to_path_buf(), reason: e.to_string() }
}

/// One VITS inference session (`run` needs `&mut`, so one per worker).
pub struct VitsSession {
    session: Session,
}

impl VitsSession {
    pub fn load(environment: &Environment, model: &Path, threads: usize) -> Result<Self> {
        let session = Session::builder(environment)
            .map_err(|e| load_err(model, e))?
            .with_optimization_level(GraphOptimizationLevel::Level3)
            .map_err(|e| load_err(model, e))?
            .with_intra_threads(threads.max(1))
            .map_err(|e| load_err(model, e))?
            .with_inter_threads(1)
            .map_err(|e| load_err(model, e))?
            .with_intra_op_spinning(false)
            .map_err(|e| load_err(model, e))?
            .with_inter_op_spinning(false)
            .map_err(|e| load_err(model, e))?
            .commit_from_file(model)
            .map_err(|e| load_err(model, e))?;
        Ok(Self { session })
    }

    /// Phoneme ids -> audio samples at the voice's rate.
    pub fn synthesize(&mut self, ids: Vec<i64>, scales: InferenceConfig) -> Result<Vec<f32>> {
        let err = |e: ort::Error| SpeechError::Synthesis(e.to_string());
        let n = ids.len();
        let input = Tensor::from_array(([1usize, n], ids)).map_err(err)?;
        let lengths = Tensor::from_array(([1usize], vec![n as i64])).map_err(err)?;
        let scales = Tensor::from_array(([3usize], vec![scales.noise_scale, scales.length_scale, scales.noise_w]))
            .map_err(err)?;
        let outputs = self
            .session
            .run(ort::inputs!["input" => input, "input_lengths" => lengths, "scales" => scales])
            .map_err(err)?;
        let (_, audio) = outputs[0].try_extract_tensor::<f32>().map_err(err)?;
        Ok(audio.to_vec())
    }
}
