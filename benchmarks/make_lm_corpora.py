"""The two text corpora of ``train_lm_curves.py``, made from the Python that runs this script.

    .venv/bin/python benchmarks/make_lm_corpora.py DIR

``DIR/code.txt``: the standard library's ``*.py`` source cut into 2,000-character blocks, shuffled
(seed 7), the first 5,000,000 characters. ``DIR/english.txt``: the English reference documentation
(``pydoc_data.topics``) and every module, class and function docstring of the standard library longer
than 200 characters, shuffled (seed 7), up to 5,000,000 characters (2.7 MB with Python 3.12.1).
"""

from __future__ import annotations

import ast
import sys
import sysconfig
import warnings
from pathlib import Path

import numpy as np


def main() -> None:
    from pydoc_data.topics import topics

    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    code_blocks, docs = [], [topics[k] for k in sorted(topics)]
    for f in sorted(Path(sysconfig.get_paths()["stdlib"]).rglob("*.py")):
        try:
            src = f.read_text(errors="replace")
        except OSError:
            continue
        code_blocks += [src[i:i + 2000] for i in range(0, len(src), 2000)]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", SyntaxWarning)
                tree = ast.parse(src)
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
                d = ast.get_docstring(node)
                if d and len(d) > 200:
                    docs.append(d)
    code = "".join(code_blocks[i] for i in rng.permutation(len(code_blocks)))[:5_000_000]
    english = "\n\n".join(docs[i] for i in rng.permutation(len(docs)))[:5_000_000]
    for name, text in (("code", code), ("english", english)):
        (out / f"{name}.txt").write_bytes(text.encode("utf-8", errors="replace"))
        print(out / f"{name}.txt", len(text))


if __name__ == "__main__":
    main()
