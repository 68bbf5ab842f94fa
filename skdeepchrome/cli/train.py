"""``skdeepchrome train``: fit a model of the comparison on a dataset; save a model file."""

from __future__ import annotations

from pathlib import Path

from . import _data


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "train",
        help="fit the recommended DeepChrome model on a dataset and save it as a safe model "
        "file",
        description=(
            "Fit skdeepchrome.baselines.make_model(MODEL) (default deepchrome, the recommended "
            "model: HistoneBinner(scale='log1p', standardize=True) then five "
            "DeepChromeClassifier networks trained apart and averaged, filter and pooling "
            "sized in base pairs from the data's bin width) and write it with "
            "skdeepchrome.save_model. The marks and the bin width come from --data (an "
            "extract output records both). An epigenome folder is fitted on train.csv, with "
            "valid.csv for the networks' early stopping; a dataset file (.npz, .csv) on all "
            "its genes, the networks early-stopping on a held-out tenth. The baselines "
            "(svm, random_forest, logistic, ridge, gradient_boosting) need skops to be "
            "saved. Read the model back with 'skdeepchrome predict' or "
            "skdeepchrome.load_model."
        ),
    )
    _data.add_arguments(parser, required_help="epigenome folder (train/valid/test CSVs), "
                        "root of them, extracted dataset (.npz / .csv / .csv.gz), or "
                        "roadmap-sample")
    parser.add_argument("--model", default="deepchrome",
                        help="model to fit: deepchrome (default: the recommended "
                        "make_model('deepchrome'), five networks averaged), deepchrome_paper, "
                        "attentivechrome, chromoformer, transferchrome, hmcrnn, "
                        "shallowchrome, or a baseline (svm, random_forest, "
                        "logistic / ridge, gradient_boosting)")
    parser.add_argument("--task", choices=("classification", "regression"),
                        default="classification",
                        help="classify high/low expression (default) or regress log1p "
                        "expression (deepchrome only)")
    parser.add_argument("--out", type=Path, required=True,
                        help="model file to write (e.g. model.skdc)")
    parser.add_argument("--max-epochs", type=int, default=None,
                        help="networks: upper bound on training epochs (default 100)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--quiet", action="store_true",
                        help="print nothing on success: no progress (by default a bar on a "
                        "terminal, timestamped lines with each network's epochs and an "
                        "estimate of the time left in a file or a log)")
    parser.set_defaults(func=run)
    return parser


def run(args):
    from ..baselines import make_model
    from ..compare import fit_with_validation
    from ..estimators import TorchHistoneEstimator
    from ..model_files import save_model

    # Every check that needs no data first: a wrong name or a missing skops fails before
    # the data is read and the model trained.
    final = make_model(args.model, task=args.task)[-1]
    network = isinstance(final, TorchHistoneEstimator)
    if not network:
        from ..model_files._skops import _skops_io

        _skops_io(f"saving --model {args.model}")  # fail now, not after training
    if args.max_epochs is not None and args.max_epochs < 1:
        raise ValueError(f"--max-epochs must be at least 1, got {args.max_epochs}.")
    if not args.out.parent.is_dir():  # fail now, not after training
        raise FileNotFoundError(f"Cannot write {args.out}: folder {args.out.parent} does "
                                "not exist.")
    # Every model make_model builds takes log1p of the counts: a negative one is named now.
    loaded = _data.read_data(args.data, args.epigenome, _data.marks_option(args), counts=True)
    model = make_model(args.model, marks=loaded.marks, random_state=args.seed,
                       task=args.task, bin_size=loaded.get("bin_size"))
    if args.max_epochs is not None and network:
        model.set_params(model__max_epochs=args.max_epochs)
    callbacks = model[-1].callbacks if network else None
    with _progress(model, args, network) as progress:
        if "train" in loaded:
            train, valid = loaded.train, loaded.valid
            fit_with_validation(model, train.data, _data.target(train, args.task, args.data),
                                valid.data, _data.target(valid, args.task, args.data))
            genes = f"{len(train.data)} training genes"
            if network:
                genes += f", {len(valid.data)} validation genes"
        else:
            model.fit(loaded.data, _data.target(loaded, args.task, args.data))
            genes = f"{len(loaded.data)} genes"
        if not network:
            progress.update()
    if network:
        # The reporter served the fit; the saved model carries the callbacks it was made with.
        model.set_params(model__callbacks=callbacks)
    try:
        save_model(model, args.out)
    except TypeError as exc:
        raise ValueError(str(exc)) from None
    if not args.quiet:
        epochs = _epochs(model[-1]) if network else ""
        print(f"{args.out}: {args.model} ({args.task}) fitted on {genes}{epochs}")
    return 0


def _progress(model, args, network):
    """The fit's reporter: the networks of an ensemble (with their epochs), or the one fit."""
    from .._progress import Progress

    if not network:
        return Progress(1, f"fitting {args.model}", unit="fit", enabled=not args.quiet)
    from ._fit_progress import FitProgress

    final = model[-1]
    members = getattr(final, "n_members", None) or 1
    progress = Progress(members, f"training {args.model}", unit="network",
                        enabled=not args.quiet)
    model.set_params(model__callbacks=[*(final.callbacks or []), FitProgress(progress)])
    return progress


def _epochs(network):
    """", 23 epochs (best 13)", or per member for an ensemble."""
    import numpy as np

    epochs, best = np.atleast_1d(network.n_epochs_), np.atleast_1d(network.best_epoch_)
    if len(epochs) == 1:
        return f", {epochs[0]} epochs (best {best[0]})"
    return (f", {len(epochs)} members of {'/'.join(map(str, epochs))} epochs "
            f"(best {'/'.join(map(str, best))})")
