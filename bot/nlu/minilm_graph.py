"""all-MiniLM-L6-v2's forward pass written out as an ONNX graph, from the
verified safetensors weights, for ONNX Runtime to run (bot/nlu/minilm.py).

Why a graph and not numpy: numpy runs the same arithmetic as some hundred
separate calls a message, and its bundled BLAS splits each small matrix
product over threads that spin between calls. That cost 8-13 ms of the Rasa
server's one event-loop thread a message, a third of all its work under load.
ONNX Runtime runs the whole pass in one call, on one thread, in about 3 ms
(benchmarks/NOTES.md, stop 13).

Only `make encoder` imports this module (it needs the `onnx` package to write
the file); the servers load the file it writes with onnxruntime alone.

The graph is the six-layer BERT of the model card: token, position and
token-type embeddings, then per layer self-attention (12 heads of 32) and a
GELU feed-forward, each followed by a residual sum and layer norm; then the
mean over the tokens. One unpadded message at a time, so the mean over all
tokens is the masked mean sentence-transformers takes. The caller divides by
the vector's length (L2 normalisation).
"""

from pathlib import Path
from typing import Dict, List

import numpy as np

HIDDEN = 384
HEADS = 12
LAYERS = 6
EPS = 1e-12
# LayerNormalization joined the standard operator set in opset 17.
OPSET = 17
# Token ids and their positions (0, 1, 2...), one message, unpadded.
INPUTS = ("ids", "positions")
OUTPUT = "pooled"


class _Graph:
    """Nodes and weights, added in order, with generated value names."""

    def __init__(self, weights: Dict[str, np.ndarray]) -> None:
        self.weights = weights
        self.nodes: List = []
        self.initializers: List = []
        self.constants: Dict[str, str] = {}
        self.count = 0

    def weight(self, name: str, value: np.ndarray) -> str:
        from onnx import numpy_helper

        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def constant(self, name: str, value: np.ndarray) -> str:
        if name not in self.constants:
            self.constants[name] = self.weight(name, value)
        return self.constants[name]

    def op(self, kind: str, *inputs: str, outputs: int = 1, **attributes):
        from onnx import helper

        self.count += 1
        names = [f"{kind.lower()}_{self.count}_{i}" for i in range(outputs)]
        self.nodes.append(helper.make_node(kind, list(inputs), names, **attributes))
        return names[0] if outputs == 1 else names

    def dense(self, x: str, prefix: str, transposed: np.ndarray, bias: np.ndarray) -> str:
        product = self.op("MatMul", x, self.weight(prefix + ".weight_t", transposed))
        return self.op("Add", product, self.weight(prefix + ".bias", bias))

    def layer_norm(self, x: str, prefix: str) -> str:
        w = self.weights
        scale = self.weight(prefix + ".weight", w[prefix + ".weight"])
        shift = self.weight(prefix + ".bias", w[prefix + ".bias"])
        return self.op("LayerNormalization", x, scale, shift, axis=-1, epsilon=EPS)

    def linear(self, x: str, prefix: str) -> str:
        """A torch Linear layer: x @ W.T + b."""
        return self.dense(x, prefix, self.weights[prefix + ".weight"].T, self.weights[prefix + ".bias"])


def _attention(g: _Graph, x: str, prefix: str) -> str:
    w, head = g.weights, HIDDEN // HEADS
    parts = ("query", "key", "value")
    # One product for query, key and value together: one pass over x.
    qkv = g.dense(
        x,
        prefix + "qkv",
        np.concatenate([w[f"{prefix}self.{p}.weight"].T for p in parts], axis=1),
        np.concatenate([w[f"{prefix}self.{p}.bias"] for p in parts]),
    )
    sizes = g.constant("qkv_sizes", np.array([HIDDEN] * 3, np.int64))
    q, k, v = g.op("Split", qkv, sizes, outputs=3, axis=1)
    by_head = g.constant("by_head", np.array([-1, HEADS, head], np.int64))
    q = g.op("Transpose", g.op("Reshape", q, by_head), perm=[1, 0, 2])  # heads, tokens, 32
    k = g.op("Transpose", g.op("Reshape", k, by_head), perm=[1, 2, 0])  # heads, 32, tokens
    v = g.op("Transpose", g.op("Reshape", v, by_head), perm=[1, 0, 2])
    scale = g.constant("attention_scale", np.array(1.0 / np.sqrt(head), np.float32))
    attention = g.op("Softmax", g.op("Mul", g.op("MatMul", q, k), scale), axis=-1)
    context = g.op("Transpose", g.op("MatMul", attention, v), perm=[1, 0, 2])
    context = g.op("Reshape", context, g.constant("by_token", np.array([-1, HIDDEN], np.int64)))
    out = g.linear(context, prefix + "output.dense")
    return g.layer_norm(g.op("Add", x, out), prefix + "output.LayerNorm")


def _feed_forward(g: _Graph, x: str, prefix: str) -> str:
    hidden = g.linear(x, prefix + "intermediate.dense")
    # BERT's exact GELU, 0.5 h (1 + erf(h / sqrt 2)), not the tanh estimate:
    # its error would show in the model card check.
    root2 = g.constant("sqrt2", np.array(np.sqrt(2.0), np.float32))
    erf = g.op("Erf", g.op("Div", hidden, root2))
    one = g.constant("one", np.array(1.0, np.float32))
    half = g.constant("half", np.array(0.5, np.float32))
    gelu = g.op("Mul", g.op("Mul", hidden, half), g.op("Add", erf, one))
    out = g.linear(gelu, prefix + "output.dense")
    return g.layer_norm(g.op("Add", x, out), prefix + "output.LayerNorm")


def write(weights: Dict[str, np.ndarray], target: Path) -> None:
    """Writes the forward pass over `weights` (the model's safetensors) to
    `target`, checked by ONNX's own model checker."""
    import onnx
    from onnx import TensorProto, helper

    g = _Graph(weights)
    e = "embeddings."
    words = g.op("Gather", g.weight(e + "word", weights[e + "word_embeddings.weight"]), "ids")
    places = g.op("Gather", g.weight(e + "position", weights[e + "position_embeddings.weight"]), "positions")
    # Every token of one message is of type 0.
    kind = g.weight(e + "token_type", weights[e + "token_type_embeddings.weight"][0])
    x = g.layer_norm(g.op("Add", g.op("Add", words, places), kind), e + "LayerNorm")
    for i in range(LAYERS):
        x = _attention(g, x, f"encoder.layer.{i}.attention.")
        x = _feed_forward(g, x, f"encoder.layer.{i}.")
    g.nodes.append(helper.make_node("ReduceMean", [x], [OUTPUT], axes=[0], keepdims=0))
    graph = helper.make_graph(
        g.nodes,
        "all-MiniLM-L6-v2",
        [helper.make_tensor_value_info(name, TensorProto.INT64, ["tokens"]) for name in INPUTS],
        [helper.make_tensor_value_info(OUTPUT, TensorProto.FLOAT, [HIDDEN])],
        g.initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="clinic")
    onnx.checker.check_model(model)
    onnx.save(model, str(target))
