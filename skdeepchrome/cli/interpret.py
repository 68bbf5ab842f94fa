"""``skdeepchrome interpret``: which marks, where, a model ties to high and low expression."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from . import _data
from . import _roadmap_sample as roadmap
from ._options import add_renamed
from ._report import check_report_folder, provenance, save_report

#: Simulated genes (train, test) when --data is not given: the release's split sizes.
DEFAULT_SPLIT_SIZES = "6601,6600"
#: ``--data simulated``: simulated genes, named (needed to explain a --model on them).
SIMULATED = "simulated"


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "interpret",
        help="explain a DeepChrome model: class-optimal inputs, attributions, mark "
        "importance and average profiles (PNG + CSV)",
        description=(
            "Fit the recommended model, skdeepchrome.baselines.make_model('deepchrome') "
            "(the standardised HistoneBinner then five DeepChrome networks averaged), on "
            "training genes (or load a fitted model with --model) and explain it on held-out "
            "genes: DeepChrome's class-optimal inputs, integrated gradients per mark and bin, "
            "permutation importance of each mark, and the average profile of each mark for "
            "high and low genes. Without --data: simulated genes whose generative model is "
            "known. An epigenome folder (or roadmap-sample with --epigenome) is fitted on "
            "train and explained on test; a single dataset (.npz / .csv) is split. A --model "
            "needs --data: a model file does not record the data it was trained on."
        ),
    )
    _data.add_arguments(parser, required=False,
                        required_help="epigenome folder (train/valid/test CSVs), root of them "
                        "(with --epigenome), an extracted dataset (.npz / .csv / .csv.gz), "
                        f"roadmap-sample, or {SIMULATED} (the default without --model)")
    parser.add_argument("--model", type=Path,
                        help="a fitted model file (.skdc) written by skdeepchrome train or "
                        "save_model (default: train one); read without unpickling; needs "
                        "--data, the data it is to be explained on")
    parser.add_argument("--out", type=Path, default=Path("skdeepchrome-interpret"),
                        help="output folder (default ./skdeepchrome-interpret)")
    parser.add_argument("--fast", action="store_true",
                        help="train a smaller, faster version of the recommended model (one "
                        "network, 20 pooled bins, 32 filters, hidden layers 64 and 32, at "
                        "most 25 epochs)")
    parser.add_argument("--split-sizes", default=None, metavar="TRAIN,TEST",
                        help=f"simulated genes per split, train,test (default "
                        f"{DEFAULT_SPLIT_SIZES}); only for simulated data")
    add_renamed(parser, "--genes", "--split-sizes", "split_sizes",
                why="in interpret it gave the simulated split sizes; --genes is extract's "
                "annotation file")
    # --cell-types as compare spells it; interpret explains one cell type.
    parser.add_argument("--cell-type", "--cell-types", dest="cell_type", default=None,
                        help="simulated cell-type preset, one (default fibroblast)")
    parser.add_argument("--test-size", type=float, default=0.25,
                        help="held-out fraction of a single dataset (default 0.25)")
    parser.add_argument("--max-genes", type=int, default=2000,
                        help="held-out genes to explain at most (default 2000)")
    parser.add_argument("--repeats", type=int, default=5,
                        help="shuffles per mark for permutation importance (default 5)")
    parser.add_argument("--ig-steps", type=int, default=50,
                        help="integrated-gradients steps (default 50)")
    parser.add_argument("--no-plots", action="store_true", help="write the CSVs only")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--quiet", action="store_true", help="print nothing but errors")
    parser.add_argument("--window", default=None, metavar="START,END",
                        help="with --data roadmap-sample: bp around the TSS to keep, e.g. "
                        "--window -5000,5000 (the default)")
    parser.set_defaults(func=run)
    return parser


def _split_sizes(text):
    try:
        sizes = tuple(int(n) for n in text.split(","))
    except ValueError:
        sizes = ()
    if len(sizes) != 2 or min(sizes) < 2:
        raise ValueError(f"--split-sizes must be two positive counts 'train,test', got "
                         f"{text!r}.")
    return sizes


def is_simulated(data):
    """No ``--data``, or ``--data simulated`` (unless a file or folder of that name exists)."""
    return data is None or (str(data) == SIMULATED and not Path(data).exists())


def load_split(args):
    """``(X_train, y_train, X_test, y_test, marks, flank, description, bin_size)``."""
    import numpy as np
    from sklearn.model_selection import train_test_split

    if is_simulated(args.data):
        from ..datasets import make_histone_dataset

        n_train, n_test = _split_sizes(args.split_sizes or DEFAULT_SPLIT_SIZES)
        if args.cell_type is not None and "," in args.cell_type:
            raise ValueError(f"--cell-type: interpret explains one simulated cell type, got "
                             f"{args.cell_type!r}; give one preset (run it once per cell "
                             "type to compare them).")
        train = make_histone_dataset(n_train, cell_type=args.cell_type, random_state=args.seed)
        test = make_histone_dataset(n_test, cell_type=args.cell_type,
                                    random_state=args.seed + 1)
        return (train.data, train.target, test.data, test.target, train.marks, 5000,
                f"simulated {train.cell_type} genes ({n_train} train, {n_test} test)",
                train.data.bin_size)
    window = roadmap.window(args) if roadmap.is_roadmap_sample(args.data) else None
    loaded = _data.read_data(args.data, args.epigenome, _data.marks_option(args), window)
    flank = _flank(loaded, args.data)
    where = (f"epigenome {loaded.epigenome}" if loaded.get("epigenome")
             else Path(args.data).name)
    layout = _data.describe_layout(loaded)
    if "train" in loaded:
        train, test = loaded.train, loaded.test
        return (train.data, train.target, test.data, test.target, tuple(loaded.marks), flank,
                f"{where} ({layout}): train {len(train.data)}, test {len(test.data)} genes",
                loaded.get("bin_size"))
    if loaded.get("target") is None:
        raise ValueError(f"{args.data} has no labels (target); extract it with --expression.")
    X_train, X_test, y_train, y_test = train_test_split(
        loaded.data, np.asarray(loaded.target), test_size=args.test_size,
        random_state=args.seed, stratify=loaded.target,
    )
    return (X_train, y_train, X_test, y_test, tuple(loaded.marks), flank,
            f"{where} ({layout}): {len(X_train)} train, {len(X_test)} test genes",
            loaded.get("bin_size"))


def _flank(loaded, data):
    """The bp each side of the TSS: the pictures are drawn for a window centred on it."""
    window = loaded.get("window")
    if window is None:
        return int((loaded.get("metadata") or {}).get("flank", 5000))
    start, end = window
    if start != -end:
        raise ValueError(f"--data {data} spans {start},{end} bp around the TSS; interpret "
                         "draws windows centred on the TSS: extract with --flank (or equal "
                         "--upstream and --downstream).")
    return int(end)


def make_cnn(marks, *, fast, random_state, bin_size=None):
    """The pipeline the command trains: the recommended one, or a smaller one with --fast."""
    from ..baselines import make_model

    model = make_model("deepchrome", marks=marks, random_state=random_state,
                       bin_size=bin_size)
    if fast:
        model.set_params(binner__n_bins=20, model__n_members=1, model__n_filters=32,
                         model__hidden_sizes=(64, 32), model__max_epochs=25, model__lr=3e-3)
    return model


def _say(args, *parts):
    if not args.quiet:
        print(*parts, flush=True)


def run(args):
    start = time.perf_counter()
    check_options(args)
    check_report_folder(args, own=OWN_FILES)
    model = load_model(args.model) if args.model is not None else None
    if model is not None and args.data is None:
        raise ValueError(
            f"--model {args.model} needs --data: a model file does not record the data it "
            f"was trained on, and explaining it on other genes would mislead. Name them "
            f"(e.g. --data {roadmap.SAMPLE_NAME} --epigenome E003, or the file you trained "
            f"on), or --data {SIMULATED} to explain it on simulated genes knowingly.")
    (X_train, y_train, X_test, y_test, marks, flank, description,
     bin_size) = load_split(args)
    _say(args, f"data: {description}")
    if model is not None:
        description += _not_trained_for(args, model, marks, X_test, bin_size)

    def explain(folder):
        _explain(args, folder, model, X_train, y_train, X_test, y_test, marks, flank,
                 description, bin_size)

    written = save_report(args.out, explain, own=OWN_FILES)
    if not args.quiet:
        print(f"\n{time.perf_counter() - start:.0f} s; written to {args.out}/: "
              f"{', '.join(sorted(written))}")
    return 0


def _not_trained_for(args, model, marks, X, bin_size):
    """Say, on stderr and in the report, when the data are not what the model was fitted on.

    Returns the words added to the report's description of the data ("" when they agree).
    """
    said = _data.not_trained_for(model, marks, X.shape[1], bin_size,
                                 args.data or SIMULATED)
    if is_simulated(args.data):
        said.insert(0, "the data are simulated genes, which no model file records having "
                    "been trained on")
    if not said:
        return ""
    print(f"skdeepchrome interpret: warning: --model {args.model} is explained on data it "
          f"was not trained for: {'; '.join(said)}.", file=sys.stderr)
    return f". NOT the data the model was trained for: {'; '.join(said)}"


def check_options(args):
    """One-line errors for options that are wrong whatever the data."""
    simulated = is_simulated(args.data)
    if args.model is not None and not args.model.is_file():
        raise FileNotFoundError(f"--model {args.model}: no such model file.")
    if simulated:
        _split_sizes(args.split_sizes or DEFAULT_SPLIT_SIZES)
        for option, value in (("--marks", args.marks), ("--epigenome", args.epigenome),
                              ("--window", args.window)):
            if value is not None:
                raise ValueError(f"{option} applies to --data files or {roadmap.SAMPLE_NAME}, "
                                 "not to simulated genes.")
    elif args.split_sizes is not None or args.cell_type is not None:
        raise ValueError(f"--split-sizes and --cell-type set the simulated genes; they do not "
                         f"apply with --data {args.data}.")
    if args.window is not None and not roadmap.is_roadmap_sample(args.data):
        raise ValueError(f"--window applies to --data {roadmap.SAMPLE_NAME}.")
    if not 0 < args.test_size < 1:
        raise ValueError(f"--test-size must be a fraction between 0 and 1, got "
                         f"{args.test_size}.")
    for option, value in (("--max-genes", args.max_genes), ("--repeats", args.repeats),
                          ("--ig-steps", args.ig_steps)):
        if value < 1:
            raise ValueError(f"{option} must be at least 1, got {value}.")


def load_model(path):
    """The fitted model saved at ``path``, or a one-line error saying the file is not one.

    Read with :func:`skdeepchrome.model_files.load_model`: a model file (``.skdc``) is JSON
    and plain arrays, never unpickled, so a file from elsewhere cannot run code here.
    """
    from ..model_files import ModelFileError
    from ..model_files import load_model as read_model_file

    try:
        model = read_model_file(path)
    except ModelFileError as exc:
        reason = " ".join(str(exc).split())
        reason = reason[len(str(path)) + 2:] if reason.startswith(f"{path}: ") else reason
        raise ValueError(f"--model {path}: not a model file written by skdeepchrome train "
                         f"or save_model ({reason.rstrip('.')}).") from None
    if not (hasattr(model, "predict") and hasattr(model, "fit")):
        raise ValueError(f"--model {path}: holds a {type(model).__name__}, not a fitted "
                         "model.")
    return model


#: Every file the command may write into its folder (a reused folder keeps none stale;
#: model.joblib is what earlier versions wrote there).
OWN_FILES = ("model.skdc", "model.joblib", "mark_profiles.csv", "mark_importance.csv",
             "class_optimal_inputs.csv", "attributions_by_position.csv", "mark_attribution.csv",
             "mark_profiles.png", "mark_importance.png", "class_optimal_inputs.png",
             "attributions.png", "report.md", "report.html")


def _explain(args, out, model, X_train, y_train, X_test, y_test, marks, flank, description,
             bin_size=None):
    """Fit (or use) the model, explain it and write every file into ``out``."""
    import numpy as np
    import pandas as pd

    from ..interpret import (
        DifferentiablePipeline,
        attributions,
        class_optimal_input,
        input_bounds,
        input_marks,
        mark_attribution,
        mark_importance,
        mark_profiles,
        optimal_agreement,
        position_attribution,
    )
    from ..model_files import save_model
    from ..plotting._interpretation import class_name

    written = []

    def save_csv(frame, name):
        frame.to_csv(out / name, index=False)
        written.append(name)

    if model is not None:
        model_marks = input_marks(model)
        if len(model_marks) != len(marks):
            raise ValueError(
                f"--model {args.model} reads {len(model_marks)} marks {list(model_marks)} but "
                f"the data has {len(marks)} {list(marks)}."
            )
        _say(args, f"model: {args.model}")
    else:
        model = make_cnn(marks, fast=args.fast, random_state=args.seed, bin_size=bin_size)
        _say(args, f"training {'a small version of ' if args.fast else ''}the recommended "
             f"model, make_model('deepchrome'), on {len(X_train)} genes ...")
        model.fit(X_train, y_train)
        save_model(model, out / "model.skdc")
        written.append("model.skdc")

    if len(X_test) > args.max_genes:
        rows = np.random.default_rng(args.seed).choice(len(X_test), args.max_genes,
                                                       replace=False)
        rows.sort()
        X_test, y_test = np.asarray(X_test)[rows], np.asarray(y_test)[rows]
    X_test, y_test = np.asarray(X_test), np.asarray(y_test)

    profiles = mark_profiles(X_test, y_test, marks, flank=flank)
    save_csv(profiles, "mark_profiles.csv")
    scoring = "roc_auc" if len(np.unique(y_test)) == 2 else "accuracy"
    importance = mark_importance(model, X_test, y_test, scoring=scoring,
                                 n_repeats=args.repeats, marks=marks, random_state=args.seed)
    save_csv(importance, "mark_importance.csv")

    try:
        differentiable = DifferentiablePipeline(model)
    except TypeError as exc:
        differentiable = None
        _say(args, f"no gradient-based pictures: {exc}")
    optimal, by_position, per_mark = [], [], []
    if differentiable is not None:
        flank = differentiable.flank
        bounds = input_bounds(X_train, marks)
        # High expression first, as in the paper's figure.
        labels = sorted(differentiable.classes_, key=lambda c: class_name(c) != "high")
        for label in labels:
            optimal.append(class_optimal_input(model, label, bounds=bounds,
                                               random_state=args.seed))
        save_csv(pd.concat([r.to_frame() for r in optimal], ignore_index=True),
                 "class_optimal_inputs.csv")
        # Each held-out gene is explained toward its own class, then averaged per class.
        attr = attributions(model, X_test, target=y_test, n_steps=args.ig_steps)
        per_position = []
        for label in labels:
            genes = y_test == label
            if not genes.any():
                continue
            mean = position_attribution(attr[genes])
            by_position.append((label, mean, int(genes.sum())))
            frame = optimal[0].to_frame().drop(columns=["target_class", "value"])
            frame.insert(0, "class", label)
            frame["attribution"] = mean.ravel()
            per_position.append(frame)
            per_mark.append(mark_attribution(attr[genes], marks).assign(**{"class": label}))
        save_csv(pd.concat(per_position, ignore_index=True), "attributions_by_position.csv")
        save_csv(pd.concat(per_mark, ignore_index=True)[
            ["class", "mark", "attribution", "sd", "abs_attribution", "share"]],
            "mark_attribution.csv")

    if not args.no_plots:
        from ..plotting import (
            plot_class_optimal_inputs,
            plot_mark_importance,
            plot_mark_profiles,
            plot_position_attribution,
        )
        from ..plotting._figure import figure_and_axes

        def save_png(fig, name):
            fig.savefig(out / name, dpi=120)
            written.append(name)

        save_png(plot_mark_profiles(X_test, y_test, marks, flank=flank), "mark_profiles.png")
        save_png(plot_mark_importance(importance), "mark_importance.png")
        if optimal:
            save_png(plot_class_optimal_inputs(optimal), "class_optimal_inputs.png")
            fig, axes = figure_and_axes(None, (8, len(by_position) * (0.45 * len(marks) + 1.3)),
                                        nrows=len(by_position), squeeze=False)
            for (label, mean, n_genes), ax in zip(by_position, axes[:, 0]):
                name = class_name(label)
                plot_position_attribution(
                    mean, marks, flank=flank, ax=ax,
                    title=f"Integrated gradients toward {name} expression, mean over "
                          f"{n_genes} {name} genes",
                )
            save_png(fig, "attributions.png")

    if not args.quiet:
        print(f"\nmark importance ({importance['method'].iloc[0]}, drop in {scoring}, "
              f"{len(X_test)} held-out genes):")
        for row in importance.itertuples():
            print(f"  {row.mark:<12} {row.importance:+.4f} +- {row.sd:.4f}")
    # The sentences come from the importance and the attributions the report shows; the
    # class-optimal inputs are described only where they rank the marks as those do.
    from ..report import interpretation_summary, write_interpretation_report

    attribution = pd.concat(per_mark, ignore_index=True) if optimal and per_mark else None
    agreement = (optimal_agreement(optimal, attribution) if attribution is not None
                 else None)
    summary, caveats = interpretation_summary(importance, scoring, attribution, agreement)
    if not args.quiet:
        print()
        for line in summary:
            print(line)
        for line in caveats:
            print(f"caveat: {line}")
    write_interpretation_report(
        out, description=description, importance=importance, scoring=scoring,
        n_genes=len(X_test), pictures=[n for n in written if n.endswith(".png")],
        run=_provenance(args), summary=summary, caveats=caveats)


def _provenance(args):
    data = (f"simulated genes {args.split_sizes or DEFAULT_SPLIT_SIZES}, seed {args.seed}"
            if is_simulated(args.data) else _data.describe(args.data))
    model = _data.describe(args.model) if args.model is not None else "trained here"
    return provenance(args, data, model=model)
