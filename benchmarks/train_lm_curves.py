"""Learning curves like the seed experiment's: small language models trained separately on growing
numbers of samples, scored by held-out loss (run on a GPU machine; writes a CSV).

    python benchmarks/train_lm_curves.py CORPUS_DIR OUT.csv [--smoke | --only CURVE[,CURVE...]]

Needs PyTorch and a GPU (it runs on CPU too, slowly); not a dependency of the package. The corpora are
plain text files in CORPUS_DIR, made by ``make_lm_corpora.py`` from the Python 3.12 of the project's
machines: ``code.txt``, 5 MB of the standard library's source in random 2,000-character blocks, and
``english.txt``, 2.7 MB of its English documentation (pydoc topics and docstrings longer than 200
characters) in random order. For every corpus and model size (ten: width 48 to 320, two to four
layers), one model per training-set size: byte-level GPT-style transformers (context 128) trained from
scratch on the first ``n`` bytes of the corpus, for ``n`` = 16 KiB doubling up to 2 MiB, for 1,500
AdamW steps of 64 sequences (cosine learning rate from 1e-3), with the held-out loss (the corpus's last
200,000 bytes, nats per byte) evaluated every 100 steps and the best kept (early stopping: a small set
is learned until it overfits). The seed notes' curves are of this kind: separate runs at growing data
sizes, not checkpoints of one run.
"""

from __future__ import annotations

import csv
import math
import sys
import time
from pathlib import Path

import torch
from torch import nn

SIZES = [16_384 * 2**k for k in range(8)]
MODELS = {"d64-l2": (64, 2), "d96-l3": (96, 3), "d128-l2": (128, 2), "d192-l3": (192, 3), "d256-l4": (256, 4),
          # five more shapes, for twenty curves in all
          "d48-l2": (48, 2), "d80-l3": (80, 3), "d160-l2": (160, 2), "d288-l3": (288, 3), "d320-l4": (320, 4),
          # five larger shapes (7M to 30M parameters), ten curves more: nearer the data-bound regime of
          # published sweeps than the small shapes above, which are capacity-bound
          "d384-l4": (384, 4), "d448-l4": (448, 4), "d512-l4": (512, 4), "d512-l6": (512, 6), "d640-l6": (640, 6)}
CONTEXT, BATCH, STEPS, EVAL_EVERY, HELD_OUT = 128, 64, 1500, 100, 200_000


class Block(nn.Module):
    def __init__(self, d: int):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn = nn.MultiheadAttention(d, max(1, d // 64), batch_first=True)
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


def batches(data: torch.Tensor, count: int, gen: torch.Generator):
    starts = torch.randint(0, data.numel() - CONTEXT - 1, (count,), generator=gen)
    x = torch.stack([data[s : s + CONTEXT] for s in starts.tolist()])
    y = torch.stack([data[s + 1 : s + CONTEXT + 1] for s in starts.tolist()])
    return x, y


def held_out_loss(model, val_x, val_y) -> float:
    model.eval()
    with torch.no_grad(), torch.autocast("cuda", dtype=torch.bfloat16, enabled=val_x.is_cuda):
        total = 0.0
        for i in range(0, val_x.shape[0], 256):
            logits = model(val_x[i : i + 256]).float()
            total += nn.functional.cross_entropy(logits.reshape(-1, 256), val_y[i : i + 256].reshape(-1),
                                                 reduction="sum").item()
    model.train()
    return total / val_y.numel()


def train(train_data, val_x, val_y, d: int, layers: int, seed: int, device) -> tuple[float, int]:
    torch.manual_seed(seed)
    model = GPT(d, layers).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.1)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.5 * (1 + math.cos(math.pi * s / STEPS)))
    gen = torch.Generator().manual_seed(seed)
    best, best_step = float("inf"), 0
    for step in range(1, STEPS + 1):
        x, y = batches(train_data, BATCH, gen)
        x, y = x.to(device), y.to(device)
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=device.type == "cuda"):
            loss = nn.functional.cross_entropy(model(x).float().reshape(-1, 256), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        if step % EVAL_EVERY == 0:
            v = held_out_loss(model, val_x, val_y)
            if v < best:
                best, best_step = v, step
    return best, best_step


def main() -> None:
    global SIZES, STEPS
    corpus_dir, out = Path(sys.argv[1]), Path(sys.argv[2])
    if sys.argv[3:] == ["--smoke"]:  # two sizes, 200 steps: a check that it runs
        SIZES, STEPS = SIZES[:2], 200
    only = sys.argv[4].split(",") if sys.argv[3:4] == ["--only"] else None  # curves, e.g. english/d256-l4
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    rows = []
    for corpus in ("code", "english"):
        data = torch.frombuffer(bytearray((corpus_dir / f"{corpus}.txt").read_bytes()), dtype=torch.uint8).long()
        val = data[-HELD_OUT:]
        starts = torch.arange(0, val.numel() - CONTEXT - 1, CONTEXT)
        val_x = torch.stack([val[s : s + CONTEXT] for s in starts.tolist()]).to(device)
        val_y = torch.stack([val[s + 1 : s + CONTEXT + 1] for s in starts.tolist()]).to(device)
        for name, (d, layers) in MODELS.items():
            if only is not None and f"{corpus}/{name}" not in only:
                continue
            for n in SIZES:
                t = time.perf_counter()
                loss, step = train(data[:n], val_x, val_y, d, layers, seed=n, device=device)
                rows.append({"curve": f"{corpus}/{name}", "corpus": corpus, "model": name, "n_bytes": n,
                             "val_loss": round(loss, 6), "best_step": step})
                print(f"{corpus} {name} {n:>8} loss {loss:.4f} (step {step}) {time.perf_counter() - t:.1f} s",
                      flush=True)
    with out.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


if __name__ == "__main__":
    main()
