"""The recommended five-member ensemble trained as one batched module, against one network.

On a release-sized simulated epigenome (6,601 training and 6,600 test genes, 5 marks x
100 bins, the recommended pipeline's binner) and one torch thread:

1. for the same fixed epochs (early stopping off, so like is compared with like): one
   network's fit, the five members' batched fit, and the five trained one after the
   other as before (reference); predict times of the 6,600 test genes, the members
   through the batched module and, as before, one network after another
   (``MemberAverage``); test ROC AUCs;
2. the recommended model as it ships (early stopping on), batched and sequential: fit
   time, each member's epochs and best epoch, test AUC;
3. the recommended model on the real sample (``load_roadmap_sample``, E003 and E123,
   the given split: train on train, stop on valid, AUC on test), batched and sequential,
   over ``--seeds``.

Timings are wall-clock and, beside them, the process's CPU time, which other work on
a shared machine disturbs less. Runs of the compared fits alternate.

    python benchmarks/bench_ensemble.py [--epochs 10] [--repeats 2] [--seeds 0,1,2]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import numpy as np
import torch
from sklearn.base import clone
from sklearn.metrics import roc_auc_score

from skdeepchrome import DeepChromeClassifier, HistoneBinner
from skdeepchrome.baselines import RECOMMENDED_NETWORK, make_model
from skdeepchrome.datasets import load_roadmap_sample, make_histone_dataset
from skdeepchrome.models import DeepChromeNet, MemberAverage


class Timer:
    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu


def sequential(estimator):
    """``estimator`` training its members one after the other, as before batching."""
    estimator._trains_members_together = lambda: False
    return estimator


def auc(model, X, y):
    return roc_auc_score(y, model.decision_function(X))


def member_aucs(model, X, y):
    module = model.module_
    with torch.inference_mode():
        logits = module.member_outputs(torch.from_numpy(X).reshape(len(X), 5, -1)).numpy()
    return [roc_auc_score(y, z[:, 1] - z[:, 0]) for z in logits]


def old_predict(model, X):
    """The decision function as the sequential module computed it: one member at a time."""
    module = model.module_
    params = dict(module.member_params)
    old = MemberAverage(DeepChromeNet, n_members=module.n_members, **params).eval()
    for i, member in enumerate(old.members):
        member.load_state_dict(module.member(i).state_dict())
    Xt = torch.from_numpy(X).reshape(len(X), 5, -1)
    with torch.inference_mode():
        out = torch.cat([old(part) for part in Xt.split(4096)]).numpy()
    return out[:, 1] - out[:, 0]


def timed(fn, repeats):
    runs = []
    for _ in range(repeats):
        with Timer() as t:
            fn()
        runs.append(t)
    return statistics.median(t.wall for t in runs), statistics.median(t.cpu for t in runs)


def fixed_epochs(train, test, epochs, repeats):
    print(f"\n1. fixed {epochs} epochs, early stopping off, {len(train[0])} training genes")
    base = DeepChromeClassifier(**RECOMMENDED_NETWORK, max_epochs=epochs, early_stopping=False,
                                random_state=0, n_threads=1)
    fits = {"one network": lambda: clone(base).set_params(n_members=1),
            "5 members batched": lambda: clone(base),
            "5 members sequential": lambda: sequential(clone(base))}
    times = {name: [] for name in fits}
    fitted = {}
    for _ in range(repeats):
        for name, make in fits.items():
            model = make()
            with Timer() as t:
                model.fit(*train)
            times[name].append(t)
            fitted[name] = model
    one = statistics.median(t.wall for t in times["one network"])
    one_cpu = statistics.median(t.cpu for t in times["one network"])
    print(f"{'fit':24s} {'wall s':>8s} {'cpu s':>8s} {'/ one (wall)':>13s} {'/ one (cpu)':>12s}"
          f"  runs (wall)")
    for name, runs in times.items():
        wall = statistics.median(t.wall for t in runs)
        cpu = statistics.median(t.cpu for t in runs)
        print(f"{name:24s} {wall:8.2f} {cpu:8.2f} {wall / one:13.2f} {cpu / one_cpu:12.2f}  "
              + ", ".join(f"{t.wall:.1f}" for t in runs))
    X_test, y_test = test
    predict = {
        "one network": lambda: fitted["one network"].decision_function(X_test),
        "5 members batched": lambda: fitted["5 members batched"].decision_function(X_test),
        "5 members one by one": lambda: old_predict(fitted["5 members batched"], X_test),
    }
    for fn in predict.values():
        fn()  # warm up
    print(f"\n{'predict 6,600 genes':24s} {'wall s':>8s} {'cpu s':>8s} {'/ one (wall)':>13s} "
          f"{'/ one (cpu)':>12s}")
    first = None
    for name, fn in predict.items():
        wall, cpu = timed(fn, max(3, repeats))
        first = first or (wall, cpu)
        print(f"{name:24s} {wall:8.3f} {cpu:8.3f} {wall / first[0]:13.2f} "
              f"{cpu / first[1]:12.2f}")
    np.testing.assert_allclose(old_predict(fitted["5 members batched"], X_test),
                               fitted["5 members batched"].decision_function(X_test),
                               rtol=1e-4, atol=1e-4)
    print("\ntest ROC AUC (6,600 genes)")
    print(f"  one network            {auc(fitted['one network'], X_test, y_test):.4f}")
    for name in ("5 members batched", "5 members sequential"):
        model = fitted[name]
        members = ", ".join(f"{a:.4f}" for a in member_aucs(model, X_test, y_test))
        print(f"  {name:22s} {auc(model, X_test, y_test):.4f}  (members {members})")


def shipped(train, test):
    print("\n2. the recommended model as it ships (early stopping on), seed 0")
    X_test, y_test = test
    print(f"{'':22s} {'wall s':>8s} {'cpu s':>8s} {'AUC':>7s}  epochs run (best)")
    for name, wrap in (("5 members batched", lambda m: m),
                       ("5 members sequential", sequential)):
        model = wrap(DeepChromeClassifier(**RECOMMENDED_NETWORK, random_state=0, n_threads=1))
        with Timer() as t:
            model.fit(*train)
        epochs = ", ".join(map(str, model.n_epochs_))
        best = ", ".join(map(str, model.best_epoch_))
        print(f"{name:22s} {t.wall:8.2f} {t.cpu:8.2f} {auc(model, X_test, y_test):7.4f}  "
              f"{epochs} ({best})", flush=True)


def real_sample(seeds):
    print("\n3. real sample, given split (200 train / 200 valid / 200 test genes), "
          "recommended model, test ROC AUC")
    print(f"{'epigenome':10s} {'seed':>4s} {'batched':>8s} {'sequential':>10s}  "
          "batched epochs (best)")
    for epigenome in ("E003", "E123"):
        sample = load_roadmap_sample(epigenome, window=(-5000, 5000))
        parts = {s: (sample.data[sample.split == s], sample.target[sample.split == s])
                 for s in ("train", "valid", "test")}
        results = {"batched": [], "sequential": []}
        for seed in seeds:
            row = []
            for name, wrap in (("batched", lambda m: m), ("sequential", sequential)):
                pipeline = make_model("deepchrome", random_state=seed)
                binner = pipeline[0].fit(parts["train"][0])
                network = wrap(pipeline[-1])
                network.fit(binner.transform(parts["train"][0]), parts["train"][1],
                            X_val=binner.transform(parts["valid"][0]),
                            y_val=parts["valid"][1])
                score = auc(network, binner.transform(parts["test"][0]), parts["test"][1])
                results[name].append(score)
                row.append(network)
            epochs = ", ".join(f"{e}({b})" for e, b in zip(row[0].n_epochs_, row[0].best_epoch_))
            print(f"{epigenome:10s} {seed:4d} {results['batched'][-1]:8.4f} "
                  f"{results['sequential'][-1]:10.4f}  {epochs}", flush=True)
        print(f"{epigenome:10s} mean {np.mean(results['batched']):8.4f} "
              f"{np.mean(results['sequential']):10.4f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: 1,2,3")
    args = parser.parse_args()
    torch.set_num_threads(1)
    skip = set(args.skip.split(","))
    print(f"machine: {platform.machine()}, torch {torch.__version__}, 1 thread; "
          f"recommended network {RECOMMENDED_NETWORK}")
    binner = HistoneBinner(scale="log1p", standardize=True)
    train = make_histone_dataset(6601, random_state=1)
    test = make_histone_dataset(6600, random_state=2)
    X_train = np.asarray(binner.fit_transform(train.data), dtype=np.float32)
    X_test = np.asarray(binner.transform(test.data), dtype=np.float32)
    data = (X_train, train.target), (X_test, test.target)
    if "1" not in skip:
        fixed_epochs(*data, args.epochs, args.repeats)
    if "2" not in skip:
        shipped(*data)
    if "3" not in skip:
        real_sample([int(s) for s in args.seeds.split(",")])


if __name__ == "__main__":
    main()
