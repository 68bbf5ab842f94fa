"""``skdeepchrome predict``: a saved model's predictions for a dataset, as a CSV."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import _data
from ._startup import importing

SPLITS = ("train", "valid", "test")


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "predict",
        help="predict with a model file from 'skdeepchrome train' and write a CSV",
        description=(
            "Load a model file with skdeepchrome.load_model (which never runs code from "
            "the file) and write, per gene, its id and the probability of the high class "
            "(column probability_high; one probability_<label> column per class for more "
            "than two classes), for a classifier without probabilities (svm) its decision "
            "score (score_high, positive for high), or for a regressor the predicted log1p "
            "expression (column prediction). The genes are read and predicted a chunk at "
            "a time, so memory does not grow with the input; the CSV is written whole or "
            "not at all."
        ),
    )
    parser.add_argument("--model", type=Path, required=True,
                        help="model file written by 'skdeepchrome train' or save_model")
    _data.add_arguments(parser, required_help="genes to predict: extracted dataset (.npz / "
                        ".csv / .csv.gz), epigenome folder, root of them, or roadmap-sample")
    parser.add_argument("--split", choices=SPLITS, default="test",
                        help="with an epigenome folder: the split to predict (default test)")
    parser.add_argument("--out", type=Path, required=True,
                        help="CSV to write (e.g. predictions.csv)")
    parser.add_argument("--quiet", action="store_true", help="print nothing on success")
    parser.set_defaults(func=run)
    return parser


def high_class(classes):
    """Index of the "high" label: one named high, else the largest (1 of 0/1, +1 of -1/+1).

    Examples
    --------
    >>> high_class(["high", "low"]), high_class([-1, 1])
    (0, 1)
    """
    names = [str(c).lower() for c in classes]
    return names.index("high") if "high" in names else len(classes) - 1


def prediction_frame(model, X, gene_ids):
    """Per gene: ``gene_id`` and the high-class probability (or the regression value)."""
    import pandas as pd
    from sklearn.base import is_classifier

    frame = pd.DataFrame({"gene_id": np.asarray(gene_ids).astype(str)})
    if not is_classifier(model):
        frame["prediction"] = model.predict(X)
        return frame
    classes = model.classes_
    if hasattr(model, "predict_proba"):
        kind, scores = "probability", model.predict_proba(X)
    else:  # an SVC without probability calibration
        kind, scores = "score", model.decision_function(X)
        if scores.ndim == 1:  # the score of classes_[1]; the other class's is its negative
            scores = np.column_stack([-scores, scores])
    if len(classes) == 2:
        frame[f"{kind}_high"] = scores[:, high_class(classes)]
    else:
        for i, label in enumerate(classes):
            frame[f"{kind}_{label}"] = scores[:, i]
    return frame


def _refuse_replacing_an_input(args):
    """``--out`` must not be the model file, the data file or a file of the data folder."""
    inputs = [Path(args.model)]
    data = Path(args.data)
    if data.is_dir():
        inputs += [p for p in data.iterdir() if p.is_file()]
    elif data.exists():
        inputs.append(data)
    out = args.out.resolve()
    for path in inputs:
        if path.resolve() == out:
            raise ValueError(f"--out {args.out} is the input {path}; predictions never "
                             "replace an input: name another file.")


def _warn_if_not_trained_for(args, model, marks, X, bin_size):
    """Say on stderr when the data are not what the model was fitted on (marks, width);
    another number of columns is an error."""
    import sys

    said = _data.not_trained_for(model, marks, X.shape[1], bin_size, args.data)
    if said:
        print(f"skdeepchrome predict: warning: --model {args.model} predicts data it was not "
              f"trained for: {'; '.join(said)}.", file=sys.stderr)


def run(args):
    with importing():
        from .._files import atomic_path
        from ..model_files import load_model
        from ._streaming import gene_chunks

    if not args.out.parent.is_dir():
        raise FileNotFoundError(f"Cannot write {args.out}: folder {args.out.parent} does "
                                "not exist.")
    _refuse_replacing_an_input(args)
    model = load_model(args.model)
    n_genes = 0
    # Chunk by chunk: memory holds one chunk of genes, not the input; the CSV is still
    # written whole or not at all (a failure or a kill leaves no --out).
    with atomic_path(args.out) as tmp, open(tmp, "w", newline="") as handle:
        for X, gene_ids, marks, bin_size in gene_chunks(args.data, args.epigenome, args.split,
                                                         marks=_data.marks_option(args)):
            if n_genes == 0:
                _warn_if_not_trained_for(args, model, marks, X, bin_size)
            frame = prediction_frame(model, X, gene_ids)
            frame.to_csv(handle, index=False, header=n_genes == 0)
            n_genes += len(frame)
        if n_genes == 0:
            raise ValueError(f"{args.data}: holds no genes to predict.")
    if not args.quiet:
        print(f"{args.out}: predictions for {n_genes} genes")
    return 0
