"""``skdeepchrome train``: fit a neural pipeline on a dataset and save it as a model file."""

from __future__ import annotations

from pathlib import Path

from . import _data

NETWORKS = ("deepchrome", "attentivechrome")


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "train",
        help="fit the DeepChrome pipeline on a dataset and save it as a safe model file",
        description=(
            "Fit skdeepchrome.baselines.make_model(MODEL) (default deepchrome: "
            "HistoneBinner(scale='log1p') then DeepChromeClassifier) and write it with "
            "skdeepchrome.save_model. An epigenome folder is fitted on train.csv with "
            "valid.csv for early stopping; a dataset file (.npz, .csv) on all its genes, "
            "early-stopping on a held-out tenth. Read the model back with "
            "'skdeepchrome predict' or skdeepchrome.load_model."
        ),
    )
    _data.add_arguments(parser, required_help="epigenome folder (train/valid/test CSVs), "
                        "root of them, extracted dataset (.npz / .csv / .csv.gz), or "
                        "roadmap-sample")
    parser.add_argument("--model", default="deepchrome",
                        help=f"network to fit: {' or '.join(NETWORKS)} (default deepchrome)")
    parser.add_argument("--task", choices=("classification", "regression"),
                        default="classification",
                        help="classify high/low expression (default) or regress log1p "
                        "expression (deepchrome only)")
    parser.add_argument("--out", type=Path, required=True,
                        help="model file to write (e.g. model.skdc)")
    parser.add_argument("--max-epochs", type=int, default=None,
                        help="upper bound on training epochs (default the model's, 100)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--quiet", action="store_true", help="print nothing on success")
    parser.set_defaults(func=run)
    return parser


def run(args):
    from ..baselines import make_model
    from ..model_files import save_model
    from ..protocol import fit_with_validation

    if args.model not in NETWORKS:
        raise ValueError(
            f"--model {args.model}: only the neural models ({', '.join(NETWORKS)}) can be "
            "saved as a safe model file; compare the baselines with 'skdeepchrome "
            "compare', or save them from Python with joblib."
        )
    if args.max_epochs is not None and args.max_epochs < 1:
        raise ValueError(f"--max-epochs must be at least 1, got {args.max_epochs}.")
    if not args.out.parent.is_dir():  # fail now, not after training
        raise FileNotFoundError(f"Cannot write {args.out}: folder {args.out.parent} does "
                                "not exist.")
    loaded = _data.read_data(args.data, args.epigenome)
    model = make_model(args.model, marks=loaded.marks, random_state=args.seed,
                       task=args.task)
    if args.max_epochs is not None:
        model.set_params(model__max_epochs=args.max_epochs)
    if "train" in loaded:
        train, valid = loaded.train, loaded.valid
        fit_with_validation(model, train.data, _data.target(train, args.task, args.data),
                            valid.data, _data.target(valid, args.task, args.data))
        genes = f"{len(train.data)} training genes, {len(valid.data)} validation genes"
    else:
        model.fit(loaded.data, _data.target(loaded, args.task, args.data))
        genes = f"{len(loaded.data)} genes"
    save_model(model, args.out)
    if not args.quiet:
        network = model[-1]
        print(f"{args.out}: {args.model} ({args.task}) fitted on {genes}, "
              f"{network.n_epochs_} epochs (best {network.best_epoch_})")
    return 0
