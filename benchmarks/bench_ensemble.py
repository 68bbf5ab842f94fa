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
   over ``--seeds``;
4. early-stopping patience (``n_iter_no_change``) for the recommended model, on the
   simulator family's tuning half (train / valid / test of 3,000 / 1,000 / 3,000 genes,
   as ``bench_simulator_family.py``) and the real sample: members train independently
   and stopping never changes a member's path up to its stop, so one fit with the
   longest patience (10) gives the model every smaller patience would have kept (each
   member's weights at its best epoch before ``p`` epochs without improvement, which
   the stopper snapshots anyway), its test AUC and the member-epochs it costs.

Timings are wall-clock and, beside them, the process's CPU time, which other work on
a shared machine disturbs less. Runs of the compared fits alternate.

    python benchmarks/bench_ensemble.py [--epochs 10] [--repeats 2] [--seeds 0,1,2]
        [--patience 10,7,5,3] [--family-seeds 1] [--skip 1,2,3,4]
"""

from __future__ import annotations

import argparse
import copy
import platform
import statistics
import time

import numpy as np
import torch
from sklearn.base import clone
from sklearn.metrics import roc_auc_score

from skdeepchrome import DeepChromeClassifier, HistoneBinner
from skdeepchrome.baselines import RECOMMENDED_NETWORK, make_model
from skdeepchrome.datasets import (
    SIMULATOR_FAMILY_TUNING,
    load_roadmap_sample,
    make_histone_dataset,
)
from skdeepchrome.estimators import _members
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


def training_flop(n_genes, epochs, n_marks=5, n_bins=100, n_filters=50, kernel=10, pool=5,
                  hidden=(625, 125), n_outputs=2):
    """Floating-point operations of one network's training by its matrix products.

    Per gene: the convolution's multiply-adds (every position pooling reads) and the
    perceptron's; a training step costs its forward pass three times over for the
    perceptron (forward, input gradient, weight gradient) and twice for the convolution
    (its input needs no gradient). Elementwise work (pooling, dropout, the optimiser) is
    left out: it is what batching the members can save.
    """
    pooled = (n_bins - kernel + 1) // pool
    conv = pooled * pool * n_filters * n_marks * kernel
    widths = (n_filters * pooled, *hidden, n_outputs)
    linear = sum(a * b for a, b in zip(widths, widths[1:]))
    return 2 * (2 * conv + 3 * linear) * n_genes * epochs


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
    # Five members do five times one network's arithmetic: batching can only save the
    # rest (per-step overhead, elementwise work), so this bounds the achievable ratio.
    flop = training_flop(len(train[0]), epochs)
    print(f"arithmetic of the matrix products: one network {flop / 1e12:.2f} TFLOP, five members "
          f"{5 * flop / 1e12:.2f} TFLOP (5.0x); achieved per CPU second: one network "
          f"{flop / one_cpu / 1e9:.0f} GFLOP/s, 5 members batched "
          f"{5 * flop / statistics.median(t.cpu for t in times['5 members batched']) / 1e9:.0f}"
          " GFLOP/s")
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


class Snapshots:
    """Every member's weights each time its stopper saw a new best epoch, in a fit."""

    def __enter__(self):
        self.slots, self.saved = [], {}
        init, state_dict = _members._Slot.__init__, _members._Slot.state_dict
        self._restore = init, state_dict
        snapshots = self

        def patched_init(slot, *args, **kwargs):
            init(slot, *args, **kwargs)
            snapshots.slots.append(slot)

        def patched_state_dict(slot):
            state = state_dict(slot)
            snapshots.saved.setdefault(id(slot), {})[slot.history[-1, "epoch"]] = state
            return state

        _members._Slot.__init__ = patched_init
        _members._Slot.state_dict = patched_state_dict
        return self

    def __exit__(self, *exc):
        _members._Slot.__init__, _members._Slot.state_dict = self._restore

    def under(self, patience, max_epochs):
        """Per member: (epochs run, best epoch) with ``patience``, from the snapshots."""
        kept = []
        for slot in self.slots:
            improved = sorted(self.saved.get(id(slot), {}))
            ran = len(slot.history)
            stop, best = min(ran, max_epochs), improved[-1] if improved else ran
            last = 0
            for epoch in range(1, ran + 1):
                if epoch in improved:
                    last = epoch
                elif epoch - last == patience:
                    stop, best = epoch, last
                    break
            kept.append((stop, best))
        return kept


def patience_outcomes(network, fit, X_test, y_test, patiences):
    """Test AUC and member-epochs of ``network`` fitted with the longest of ``patiences``,
    cut to each."""
    network.set_params(n_iter_no_change=max(patiences))
    with Snapshots() as snapshots:
        fit(network)
    module = network.module_
    outcomes = {}
    Xt = torch.from_numpy(np.asarray(X_test, dtype=np.float32)).reshape(len(X_test), 5, -1)
    for patience in patiences:
        kept = snapshots.under(patience, network.max_epochs)
        chosen = copy.deepcopy(module).eval()
        for i, (slot, (_, best)) in enumerate(zip(snapshots.slots, kept)):
            chosen.load_member_state(i, snapshots.saved[id(slot)][best])
        with torch.inference_mode():
            logits = chosen(Xt).numpy()
        outcomes[patience] = (roc_auc_score(y_test, logits[:, 1] - logits[:, 0]),
                              sum(stop for stop, _ in kept))
    return outcomes


def patience(patiences, seeds, family_seeds=1):
    print(f"\n4. early-stopping patience of the recommended model (n_iter_no_change; now "
          f"{DeepChromeClassifier(**RECOMMENDED_NETWORK).n_iter_no_change}): test ROC AUC "
          "and member-epochs trained, one fit per row cut at each patience")
    head = "".join(f"{f'p={p} AUC':>11}{'epochs':>7}" for p in patiences)
    print(f"  {'data':<22}{'seed':>5}{head}")
    table = {p: [] for p in patiences}

    def row(name, seed, outcomes):
        cells = "".join(f"{outcomes[p][0]:11.4f}{outcomes[p][1]:7d}" for p in patiences)
        print(f"  {name:<22}{seed:5d}{cells}", flush=True)
        for p in patiences:
            table[p].append(outcomes[p])

    for setting in SIMULATOR_FAMILY_TUNING:
        for seed in seeds[:family_seeds]:
            # Each seed a fresh draw of the setting's data as well as of the network.
            parts = [make_histone_dataset(n_genes=n, cell_type=setting,
                                          random_state=10 * seed + i)
                     for i, n in enumerate((3000, 1000, 3000))]
            pipeline = make_model("deepchrome", random_state=seed)
            binner = pipeline[0].fit(parts[0].data)
            X = [binner.transform(p.data) for p in parts]

            def fit(network, X=X, parts=parts):
                network.fit(X[0], parts[0].target, X_val=X[1], y_val=parts[1].target)

            row(setting, seed, patience_outcomes(pipeline[-1], fit, X[2], parts[2].target,
                                                 patiences))
    for epigenome in ("E003", "E123"):
        sample = load_roadmap_sample(epigenome, window=(-5000, 5000))
        parts = {s: (sample.data[sample.split == s], sample.target[sample.split == s])
                 for s in ("train", "valid", "test")}
        for seed in seeds:
            pipeline = make_model("deepchrome", random_state=seed)
            binner = pipeline[0].fit(parts["train"][0])

            def fit(network, binner=binner, parts=parts):
                network.fit(binner.transform(parts["train"][0]), parts["train"][1],
                            X_val=binner.transform(parts["valid"][0]),
                            y_val=parts["valid"][1])

            row(f"real {epigenome}", seed, patience_outcomes(
                pipeline[-1], fit, binner.transform(parts["test"][0]), parts["test"][1],
                patiences))
    n_family = len(SIMULATOR_FAMILY_TUNING) * len(seeds[:family_seeds])
    for name, part in (("family mean", slice(0, n_family)), ("real mean", slice(n_family, None))):
        cells = "".join(f"{np.mean([a for a, _ in table[p][part]]):11.4f}"
                        f"{np.mean([e for _, e in table[p][part]]):7.1f}" for p in patiences)
        print(f"  {name:<22}{'':5s}{cells}")
    for p in patiences[1:]:
        for name, part in (("family", slice(0, n_family)), ("real", slice(n_family, None))):
            diff = np.array([a for a, _ in table[p][part]]) - np.array(
                [a for a, _ in table[patiences[0]][part]])
            se = diff.std(ddof=1) / np.sqrt(len(diff)) if len(diff) > 1 else np.nan
            print(f"  p={p} minus p={patiences[0]}, {name}: AUC {diff.mean():+.4f} "
                  f"(se {se:.4f}, paired over {len(diff)} fits)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--patience", default="10,7,5,3",
                        help="patiences to compare, the current one first")
    parser.add_argument("--family-seeds", type=int, default=1,
                        help="part 4: draws of each tuning setting (the first N of --seeds)")
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: 1,2,3,4")
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
    seeds = [int(s) for s in args.seeds.split(",")]
    if "3" not in skip:
        real_sample(seeds)
    if "4" not in skip:
        patience([int(p) for p in args.patience.split(",")], seeds, args.family_seeds)


if __name__ == "__main__":
    main()
