"""DeepChromeClassifier.fit against a hand-written PyTorch loop; predict_proba throughput.

Release-sized data (6,601 genes x 5 marks x 100 bins), 20 epochs, early stopping off, the
same module, batch size, optimizer and torch threads (``--threads``, default 1: the
estimator's default ``n_threads``). Runs alternate so machine noise hits both alike;
medians and their ratio are printed.

    python benchmarks/bench_fit.py [--repeats 3] [--threads 1]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import numpy as np
import torch
import torch.nn.functional as F

from skdeepchrome import DeepChromeClassifier
from skdeepchrome.models import DeepChromeNet

N_GENES, N_MARKS, N_BINS, EPOCHS, BATCH, LR = 6601, 5, 100, 20, 64, 1e-3


def hand_loop(X3, y, seed):
    torch.manual_seed(seed)
    module = DeepChromeNet(n_marks=N_MARKS, n_bins=N_BINS, n_outputs=2)
    optimizer = torch.optim.Adam(module.parameters(), lr=LR)
    Xt, yt = torch.tensor(X3), torch.tensor(y)
    module.train()
    for _ in range(EPOCHS):
        order = torch.randperm(len(Xt))
        epoch_loss = torch.zeros(())
        for start in range(0, len(Xt), BATCH):
            rows = order[start : start + BATCH]
            optimizer.zero_grad()
            loss = F.cross_entropy(module(Xt[rows]), yt[rows])
            loss.backward()
            optimizer.step()
            epoch_loss += loss.detach()
        epoch_loss.item()
    return module


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    X3 = rng.negative_binomial(1, 0.4, size=(N_GENES, N_MARKS, N_BINS)).astype(np.float32)
    X3 = np.log1p(X3)
    y = (X3[:, 3, 45:55].sum(axis=1) > np.median(X3[:, 3, 45:55].sum(axis=1))).astype(np.int64)
    X = X3.reshape(N_GENES, -1)

    clf = DeepChromeClassifier(max_epochs=EPOCHS, batch_size=BATCH, lr=LR, early_stopping=False,
                               random_state=0, n_threads=args.threads)
    hand_loop(X3[:256], y[:256], 0)  # warm up torch's kernels once
    ours, hand = [], []
    for r in range(args.repeats):
        t0 = time.perf_counter()
        clf.fit(X, y)
        ours.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        hand_loop(X3, y, r)
        hand.append(time.perf_counter() - t0)
        print(f"repeat {r + 1}: DeepChromeClassifier.fit {ours[-1]:.2f} s, "
              f"hand loop {hand[-1]:.2f} s")

    X_pred = np.log1p(rng.negative_binomial(1, 0.4, size=(20000, N_MARKS * N_BINS))).astype(
        np.float32)
    clf.predict_proba(X_pred[:100])
    times = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        clf.predict_proba(X_pred)
        times.append(time.perf_counter() - t0)

    m_ours, m_hand, m_pred = map(statistics.median, (ours, hand, times))
    print(f"\nmachine: {platform.processor() or platform.machine()}, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads")
    print(f"fit, {N_GENES} genes x {N_MARKS} marks x {N_BINS} bins, {EPOCHS} epochs, "
          f"batch {BATCH}:")
    print(f"  DeepChromeClassifier.fit median {m_ours:.2f} s")
    print(f"  hand-written loop       median {m_hand:.2f} s")
    print(f"  ratio (ours / hand)     {m_ours / m_hand:.3f}  (target <= 1.10)")
    print(f"predict_proba, 20,000 genes: median {m_pred:.2f} s = {20000 / m_pred:,.0f} genes/s")


if __name__ == "__main__":
    main()
