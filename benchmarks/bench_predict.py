"""Inference and model files: predict_proba against a plain float32 forward pass; pickle size.

A default DeepChromeClassifier (the paper's module, 5 marks x 100 bins) is fitted for one
epoch, then ``predict_proba`` (input validation included) is timed against calling the
same module directly on a ready float32 tensor under ``torch.inference_mode`` with the
same threads: on 20,000 genes and on one gene. Runs alternate; medians and ratios are
printed. Then the pickle sizes, with and without the optimizer state that only
``warm_start`` needs.

    python benchmarks/bench_predict.py [--repeats 7] [--single-repeats 300]
"""

from __future__ import annotations

import argparse
import pickle
import platform
import statistics
import time

import numpy as np
import torch

from skdeepchrome import DeepChromeClassifier
from skdeepchrome.estimators import torch_threads

# Private on purpose: this benchmark measures the estimators' internal choices (the number
# of genes below which a prediction runs on one thread, the thread budget of a fit).
from skdeepchrome.estimators._base import SMALL_PREDICTION
from skdeepchrome.estimators._threads import thread_budget

N_MARKS, N_BINS = 5, 100


def plain_forward(module, Xt):
    with torch.inference_mode():
        return module(Xt)


def timed(call, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--single-repeats", type=int, default=300)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    X = np.log1p(rng.negative_binomial(1, 0.4, size=(20000, N_MARKS * N_BINS))).astype(
        np.float32)
    y = (X[:, 345:355].sum(axis=1) > np.median(X[:, 345:355].sum(axis=1))).astype(int)
    clf = DeepChromeClassifier(max_epochs=1, early_stopping=False, random_state=0)
    clf.fit(X[:2000], y[:2000])
    module = clf.module_.eval()
    Xt = torch.from_numpy(X).reshape(len(X), N_MARKS, N_BINS)

    threads = thread_budget()
    ours, plain = [], []
    clf.predict_proba(X[:5000])
    for _ in range(args.repeats):
        ours += timed(lambda: clf.predict_proba(X), 1)
        with torch_threads(threads):
            plain += timed(lambda: plain_forward(module, Xt), 1)

    one = X[:1]
    one_t = Xt[:1]
    ours_1, plain_1, plain_1_pool = [], [], []
    for _ in range(args.single_repeats):
        ours_1 += timed(lambda: clf.predict_proba(one), 1)
        # A plain forward at its best: one thread, as the estimator uses for small calls.
        with torch_threads(1):
            plain_1 += timed(lambda: plain_forward(module, one_t), 1)
        with torch_threads(threads):
            plain_1_pool += timed(lambda: plain_forward(module, one_t), 1)

    order = rng.permutation(len(X))
    invariant = np.array_equal(clf.predict_proba(X[order]), clf.predict_proba(X)[order])
    subset = np.abs(clf.predict_proba(X[:10]) - clf.predict_proba(X)[:10]).max()

    weights = sum(p.numel() * p.element_size() for p in clf.module_.parameters())
    size = len(pickle.dumps(clf))
    warm = DeepChromeClassifier(max_epochs=1, early_stopping=False, random_state=0,
                                warm_start=True).fit(X[:2000], y[:2000])
    warm_size = len(pickle.dumps(warm))

    m = {k: statistics.median(v) for k, v in dict(
        ours=ours, plain=plain, ours_1=ours_1, plain_1=plain_1, plain_1_pool=plain_1_pool
    ).items()}
    print(f"machine: {platform.processor() or platform.machine()}, torch {torch.__version__}, "
          f"{threads} threads for large calls, 1 below {SMALL_PREDICTION} genes")
    print(f"predict_proba, 20,000 genes ({args.repeats} runs, alternating):")
    print(f"  DeepChromeClassifier.predict_proba median {m['ours']:.3f} s")
    print(f"  plain float32 module(X) forward  median {m['plain']:.3f} s")
    print(f"  ratio (ours / plain)             {m['ours'] / m['plain']:.3f}  (target <= 1.2)")
    print(f"predict_proba, one gene ({args.single_repeats} runs, alternating):")
    print(f"  DeepChromeClassifier.predict_proba median {m['ours_1'] * 1e3:.3f} ms")
    print(f"  plain forward, 1 thread          median {m['plain_1'] * 1e3:.3f} ms")
    print(f"  plain forward, {threads} threads         median {m['plain_1_pool'] * 1e3:.3f} ms")
    print(f"  ratio (ours / plain 1 thread)    {m['ours_1'] / m['plain_1']:.2f}  (target <= 3)")
    print(f"permuted genes give bit-identical scores: {invariant}; "
          f"10 genes alone vs among 20,000: max |d proba| = {subset:.1e}")
    print(f"pickle: {size / 1e6:.2f} MB for {weights / 1e6:.2f} MB of weights "
          f"({size / weights:.2f}x); with warm_start=True (optimizer kept) "
          f"{warm_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
