"""A grid of small language models for scaling surfaces: every model size trained separately on every data
size, each for one pass over its data with a cosine schedule that ends with it (the Chinchilla way), and the
held-out loss at the end (run on a GPU machine; writes a CSV).

    python benchmarks/train_lm_grid.py OUT.csv [--jobs 8] [--smoke]

Needs PyTorch and a GPU; not a dependency of the package. The corpus is made by the script itself from the
Python that runs it: every ``*.py`` file of the standard library and of the installed packages (PyTorch's
among them), cut into 2,000-character blocks, shuffled
(seed 7); the last 500,000 bytes are held out. Models are byte-level GPT-style transformers (context 256,
batch 64 sequences) of seven shapes, width 32 to 256 and 2 to 5 layers; ``params`` counts the
non-embedding parameters (12 d^2 L, as Kaplan et al. 2020 count them) and ``flops`` is 6 N D with that N.
Data sizes are 4, 8, 16, 32, 64 and 128 MiB of training bytes (one byte is one token), read once each. The
runs are spread over ``--jobs`` processes that share the GPU.
"""

from __future__ import annotations

import csv
import math
import sys
import sysconfig
import time
from pathlib import Path

import numpy as np
import torch
import torch.multiprocessing as mp
from torch import nn

MODELS = {"d32-l2": (32, 2), "d48-l2": (48, 2), "d64-l3": (64, 3), "d96-l3": (96, 3), "d128-l4": (128, 4),
          "d192-l4": (192, 4), "d256-l5": (256, 5)}
TOKENS = [2**22 * 2**k for k in range(6)]
CONTEXT, BATCH, HELD_OUT, LR, WARMUP = 256, 64, 500_000, 2e-3, 0.02


def corpus() -> bytes:
    rng = np.random.default_rng(7)
    blocks = []
    roots = dict.fromkeys(sysconfig.get_paths()[k] for k in ("stdlib", "purelib", "platlib"))
    for f in sorted(f for root in roots for f in Path(root).rglob("*.py")):
        try:
            src = f.read_text(errors="replace")
        except OSError:
            continue
        blocks += [src[i:i + 2000] for i in range(0, len(src), 2000)]
    text = "".join(blocks[i] for i in rng.permutation(len(blocks)))
    return text.encode("utf-8", errors="replace")


class Block(nn.Module):
    def __init__(self, d: int):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn = nn.MultiheadAttention(d, max(1, d // 32), batch_first=True)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x, mask):
        h = self.ln1(x)
        x = x + self.attn(h, h, h, attn_mask=mask, need_weights=False)[0]
        return x + self.mlp(self.ln2(x))


class GPT(nn.Module):
    def __init__(self, d: int, layers: int):
        super().__init__()
        self.tok, self.pos = nn.Embedding(256, d), nn.Embedding(CONTEXT, d)
        self.blocks = nn.ModuleList(Block(d) for _ in range(layers))
        self.head = nn.Sequential(nn.LayerNorm(d), nn.Linear(d, 256))
        self.register_buffer("mask", torch.triu(torch.full((CONTEXT, CONTEXT), float("-inf")), 1))

    def forward(self, idx):
        x = self.tok(idx) + self.pos(torch.arange(idx.shape[1], device=idx.device))
        for b in self.blocks:
            x = b(x, self.mask[: idx.shape[1], : idx.shape[1]])
        return self.head(x)


DATA = b""


def load() -> None:
    global DATA
    DATA = corpus()


def run_one(job: tuple[str, int]) -> dict:
    name, tokens = job
    data = DATA
    d, layers = MODELS[name]
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    seed = 1000 * list(MODELS).index(name) + TOKENS.index(tokens) if tokens in TOKENS else 0
    torch.manual_seed(seed)
    all_bytes = torch.frombuffer(bytearray(data), dtype=torch.uint8).long()
    val = all_bytes[-HELD_OUT:]
    starts = torch.arange(0, val.numel() - CONTEXT - 1, CONTEXT)
    val_x = torch.stack([val[s:s + CONTEXT] for s in starts.tolist()]).to(device)
    val_y = torch.stack([val[s + 1:s + CONTEXT + 1] for s in starts.tolist()]).to(device)
    seqs = all_bytes[: (tokens // CONTEXT) * CONTEXT + 1].to(device)
    window = torch.arange(CONTEXT + 1, device=device)
    n_seq = (seqs.numel() - 1) // CONTEXT
    order = torch.randperm(n_seq, generator=torch.Generator().manual_seed(seed))
    steps = max(1, n_seq // BATCH)
    model = GPT(d, layers).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=0.1, betas=(0.9, 0.95))
    warm = max(1, int(WARMUP * steps))
    def lr(s):  # linear warm-up, then cosine down to a tenth
        return (s + 1) / warm if s < warm else 0.1 + 0.45 * (1 + math.cos(math.pi * (s - warm) / max(1, steps - warm)))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr)
    t = time.perf_counter()
    for step in range(steps):
        chunk = seqs[(order[step * BATCH:(step + 1) * BATCH].to(device) * CONTEXT)[:, None] + window]
        x, y = chunk[:, :-1], chunk[:, 1:]
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=device.type == "cuda"):
            loss = nn.functional.cross_entropy(model(x).float().reshape(-1, 256), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
    model.eval()
    total = 0.0
    with torch.no_grad(), torch.autocast("cuda", dtype=torch.bfloat16, enabled=device.type == "cuda"):
        for i in range(0, val_x.shape[0], 256):
            logits = model(val_x[i:i + 256]).float()
            total += nn.functional.cross_entropy(logits.reshape(-1, 256), val_y[i:i + 256].reshape(-1),
                                                 reduction="sum").item()
    params = 12 * d * d * layers
    total_params = sum(p.numel() for p in model.parameters())
    row = {"model": name, "d_model": d, "layers": layers, "params": params, "params_total": total_params,
           "tokens": steps * BATCH * CONTEXT, "flops": 6 * params * steps * BATCH * CONTEXT,
           "val_loss": round(total / val_y.numel(), 5), "steps": steps, "seed": seed}
    print(f"{name} {tokens:>9} loss {row['val_loss']:.4f} {time.perf_counter() - t:.1f} s", flush=True)
    return row


def main() -> None:
    global TOKENS
    out = Path(sys.argv[1])
    jobs = int(sys.argv[sys.argv.index("--jobs") + 1]) if "--jobs" in sys.argv else 8
    if "--smoke" in sys.argv:
        TOKENS = TOKENS[:2]
    data = corpus()
    print(f"corpus {len(data) / 1e6:.1f} MB", flush=True)
    if len(data) < TOKENS[-1] + HELD_OUT + CONTEXT:
        raise SystemExit("the corpus is too small for the largest data size")
    work = sorted(((m, n) for m in MODELS for n in TOKENS),
                  key=lambda j: -12 * MODELS[j[0]][0] ** 2 * MODELS[j[0]][1] * j[1])
    with mp.get_context("spawn").Pool(jobs, initializer=load) as pool:
        rows = pool.map(run_one, work, chunksize=1)
    rows.sort(key=lambda r: (r["params"], r["tokens"]))
    with out.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


if __name__ == "__main__":
    main()
