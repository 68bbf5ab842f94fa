"""How close do standard models come to the simulator's ceiling, and how fast is it?

For every cell-type preset: simulate a training and a test split of 6,601 genes each, then
report the ceiling (ROC AUC of the exact posterior on the test split) next to the test AUC
of logistic regression (log1p, standardised), a random forest and, with ``--cnn``, the
DeepChrome CNN; finally time the simulation of 20,000 genes with their posteriors.

Run: ``python benchmarks/bench_simulator.py [--trees 500] [--n-jobs 1] [--cnn]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from skdeepchrome.datasets import cell_type_names, make_histone_dataset


def _models(trees, n_jobs, cnn):
    models = {
        "logistic": make_pipeline(
            FunctionTransformer(np.log1p), StandardScaler(),
            LogisticRegression(C=0.01, max_iter=2000),
        ),
        "forest": RandomForestClassifier(
            trees, min_samples_leaf=5, n_jobs=n_jobs, random_state=0
        ),
    }
    if cnn:
        from skdeepchrome import DeepChromeClassifier, HistoneBinner

        models["cnn"] = make_pipeline(
            HistoneBinner(scale="log1p"), DeepChromeClassifier(max_epochs=60, random_state=0)
        )
    return models


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trees", type=int, default=500)
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--n-genes", type=int, default=6601)
    parser.add_argument("--cnn", action="store_true", help="also train the DeepChrome CNN")
    parser.add_argument("--cell-types", nargs="*", default=None)
    args = parser.parse_args(argv)

    names = args.cell_types or cell_type_names()
    header = f"{'cell type':16s} {'ceiling':>8s}"
    for name in _models(args.trees, args.n_jobs, args.cnn):
        header += f" {name:>9s}"
    print(header)
    for cell_type in names:
        train = make_histone_dataset(args.n_genes, cell_type=cell_type, random_state=1)
        test = make_histone_dataset(args.n_genes, cell_type=cell_type, random_state=2)
        row = f"{cell_type:16s} {roc_auc_score(test.target, test.posterior):8.4f}"
        for model in _models(args.trees, args.n_jobs, args.cnn).values():
            model.fit(train.data, train.target)
            row += f" {roc_auc_score(test.target, model.predict_proba(test.data)[:, 1]):9.4f}"
        print(row, flush=True)

    make_histone_dataset(10, random_state=0)  # build the default model's tables once
    start = time.perf_counter()
    make_histone_dataset(20_000, random_state=0)
    print(f"20,000 genes with posteriors: {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
