"""``--data``, read one way by every command.

The inputs are an extracted dataset (``.npz``, one DeepChrome ``.csv``, as ``extract``
writes them), an epigenome folder (train/valid/test CSVs), a root of such folders, the
packaged ``roadmap-sample`` or, without ``--data``, simulated epigenomes. ``train``,
``predict`` and ``interpret`` read one dataset or one epigenome's splits
(:func:`read_data`; ``--epigenome`` chooses among several); ``compare`` and ``transfer``
read every epigenome (:func:`for_compare`, :func:`for_transfer`), checking each file
before the first model trains. The marks and the bin width come from the files
(``--marks`` names a CSV's mark columns only when the file does not). Heavy modules are
imported inside the functions: ``--help`` must not load them.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from . import _roadmap_sample as roadmap
from ._messages import check_npz_file, check_text_file

#: What a CSV file of ``--data`` should be, for the error when it is not text.
CSV_FILE = "a DeepChrome CSV text file (GeneID,BinID,marks...,label)"


#: ``--marks``' help, the same in every command.
MARKS_HELP = ("the mark columns of --data CSV files, in file order, when the files do not "
              "name them (extract's do): default the release's H3K27me3,H3K36me3,H3K4me1,"
              "H3K4me3,H3K9me3")
#: ``--epigenome``'s help, the same in every command that has it.
EPIGENOME_HELP = ("with a root of epigenome folders or roadmap-sample: the epigenome to use "
                  "(e.g. E003)")


def add_arguments(parser, *, required_help, required=True):
    """``--data``, ``--epigenome`` and ``--marks``: what one dataset is, in every command."""
    parser.add_argument("--data", type=Path, required=required, help=required_help)
    parser.add_argument("--epigenome", default=None, help=EPIGENOME_HELP)
    add_marks(parser)


def add_marks(parser):
    parser.add_argument("--marks", default=None, metavar="M1,M2,...", help=MARKS_HELP)


def marks_option(args):
    """``--marks`` as a tuple of names, or ``None``; refused where the data name their own."""
    from ._messages import comma_names

    if getattr(args, "marks", None) is None:
        return None
    data = getattr(args, "data", None)
    if data is None or roadmap.is_roadmap_sample(data):
        raise ValueError(f"--marks names the mark columns of --data CSV files; "
                         f"{data or 'simulated data'} names its own marks.")
    if is_npz(Path(data)):
        raise ValueError(f"--marks applies to CSV files; {data} records its own marks.")
    return comma_names(args.marks, "--marks")


def check_files(data):
    """A one-line error for a ``--data`` file that is not what its name says."""
    if is_npz(data):
        check_npz_file(data)
    else:
        for path in csv_files(data):
            check_text_file(path, CSV_FILE)


def _choose(names, epigenome, data):
    if epigenome is None:
        if len(names) == 1:
            return names[0]
        raise ValueError(f"{data} holds {len(names)} epigenomes ({', '.join(names)}); "
                         "choose one with --epigenome.")
    if epigenome not in names:
        raise ValueError(f"{data} has no epigenome {epigenome!r}; it holds "
                         f"{', '.join(names)}.")
    return epigenome


def read_data(data, epigenome=None, marks=None, window=None, counts=False):
    """A flat dataset Bunch (``data``, ``gene_ids``...) or an epigenome's (``train``...).

    Whatever ``data`` is, the Bunch has ``marks``, ``bin_size`` and ``window`` (None where
    unknown), and its matrices carry the marks and the width. With ``counts``, a negative
    value is refused naming its file, gene and mark (the command's models take ``log1p``
    of them).
    """
    from ..datasets import RemcCollection, check_counts, load_dataset, load_remc

    if roadmap.is_roadmap_sample(data):
        from ..datasets import roadmap_sample_epigenomes

        epigenomes = roadmap_sample_epigenomes(**({} if window is None else
                                                  {"window": window}))
        return epigenomes[_choose(sorted(epigenomes), epigenome, data)]
    data = Path(data)
    if not data.exists():
        raise FileNotFoundError(f"--data {data}: no such file or folder (nor "
                                f"{roadmap.SAMPLE_NAME}).")
    check_files(data)
    loaded = load_dataset(data, **({} if marks is None else {"marks": marks}))
    if isinstance(loaded, RemcCollection):
        name = _choose(list(loaded.epigenomes), epigenome, data)
        loaded = load_remc(loaded.folders[name], marks=loaded.marks, n_bins=loaded.n_bins,
                           bin_size=loaded.bin_size)
        if counts:
            check_counts(loaded)
        return loaded
    if counts:
        check_counts(loaded)
    recorded = loaded.get("epigenome") or (loaded.get("metadata") or {}).get("epigenome")
    if epigenome is not None and recorded not in (None, epigenome):
        raise ValueError(f"{data} is the epigenome {recorded!r}, not {epigenome!r}.")
    return loaded


def describe_layout(loaded):
    """``"5 marks (H3K27me3, ...) x 100 bins of 100 bp"``: what a dataset holds."""
    part = loaded.train if "train" in loaded else loaded
    n_bins = part.data.shape[1] // len(loaded.marks)
    width = loaded.get("bin_size")
    return (f"{len(loaded.marks)} marks ({', '.join(loaded.marks)}) x {n_bins} bins"
            + (f" of {width:g} bp" if width else " of unrecorded width"))


def model_layout(model):
    """What a fitted model reads: ``(marks, n_features, bin width or None)``."""
    steps = getattr(model, "steps", None)
    first = steps[0][1] if steps else model
    marks = getattr(first, "marks_", None)
    width = getattr(first, "bin_size_in_", None) or getattr(first, "bin_width_", None)
    return (None if marks is None else tuple(marks), getattr(model, "n_features_in_", None),
            width)


def not_trained_for(model, marks, n_features, bin_size, data):
    """How the data differ from what ``model`` was trained on: a list of phrases.

    Data of another number of columns cannot be explained at all: that is an error.
    """
    model_marks, model_features, model_width = model_layout(model)
    if model_features is not None and model_features != n_features:
        raise ValueError(f"the model reads {model_features} columns (marks x bins) but "
                         f"--data {data} has {n_features}: it was trained on other data.")
    said = []
    if model_marks is not None and tuple(model_marks) != tuple(marks):
        said.append(f"the model reads marks {', '.join(model_marks)}, the data hold "
                    f"{', '.join(marks)}")
    if model_width and bin_size and float(model_width) != float(bin_size):
        said.append(f"the model reads bins of {model_width:g} bp, the data's are "
                    f"{bin_size:g} bp")
    return said


def target(part, task, data):
    """The labels (classification) or ``log1p`` expression (regression) of ``part``."""
    if task == "regression":
        if part.get("expression") is None:
            raise ValueError(f"{data} has no expression values to regress; extract it with "
                             "--expression, or use --task classification.")
        return part.expression
    if part.get("target") is None:
        raise ValueError(f"{data} has no labels (target); extract it with --expression.")
    return part.target


def is_npz(path):
    """``path`` is an extracted ``.npz`` dataset (by its name; its content is checked later)."""
    return path.is_file() and path.name.lower().endswith(".npz")


def describe(data):
    """``--data`` (or any input file) as a report records it: the sample, or a sha256.

    ``data`` is shown as given, so a caller's ``str`` keeps its spelling.
    """
    from ..report import data_fingerprint

    if roadmap.is_roadmap_sample(data):
        return f"{data}: the Roadmap sample shipped with the package"
    return f"{data} (sha256 {data_fingerprint(Path(data))})"


def check_presets(cell_types):
    """Raise a one-line error naming the simulator's presets if one of ``cell_types`` is not."""
    from ..datasets import cell_type_names

    known = cell_type_names()
    unknown = [c for c in cell_types if c not in known]
    if unknown:
        raise ValueError(f"--cell-types: unknown preset(s) {', '.join(unknown)}; choose "
                         f"from {', '.join(known)}.")


def csv_files(path):
    """Every CSV file ``path`` stands for: itself, a folder's splits, a root's folders'."""
    if path.is_file():
        return [path]
    found = []
    for child in sorted(path.iterdir()):
        if child.is_file() and child.name.lower().endswith((".csv", ".csv.gz")):
            found.append(child)
        elif child.is_dir():
            found += [f for f in sorted(child.iterdir())
                      if f.is_file() and f.name.lower().endswith((".csv", ".csv.gz"))]
    return found


def _loaders(collection):
    """``{name: loader}`` of a root of epigenome folders: each is read when a worker runs it."""
    from ..datasets import load_remc

    return {name: partial(load_remc, folder, marks=collection.marks, n_bins=collection.n_bins,
                          bin_size=collection.bin_size)
            for name, folder in collection.folders.items()}


def for_compare(args, checked, say):
    """What ``compare`` evaluates: ``("protocol", {name: loader})`` or ``("cv", Bunch)``.

    Every file is read and checked here, before any model trains: for a root of
    epigenomes each one is loaded once (and loaded again later, one per worker).
    """
    if args.data is None:
        from ..datasets import simulated_collection

        check_presets(checked["cell_types"])
        return "protocol", simulated_collection(list(checked["cell_types"]),
                                                n_genes=checked["genes"],
                                                random_state=args.seed)
    if roadmap.is_roadmap_sample(args.data):
        from ..datasets import roadmap_sample_epigenomes

        return "protocol", roadmap_sample_epigenomes(window=roadmap.window(args))
    from ..datasets import RemcCollection, check_counts, load_dataset, load_remc

    check_files(args.data)
    options = {} if checked["marks"] is None else {"marks": checked["marks"]}
    loaded = load_dataset(args.data, **options)
    if isinstance(loaded, RemcCollection):
        say(f"checking {len(loaded)} epigenomes in {args.data} ...")
        for folder in loaded.folders.values():
            epigenome = load_remc(folder, marks=loaded.marks, n_bins=loaded.n_bins,
                                  bin_size=loaded.bin_size)
            check_counts(epigenome)  # every model of the command takes their log1p
            _check_epigenome(epigenome, folder, args.task)
        return "protocol", _loaders(loaded)
    check_counts(loaded)
    if "train" in loaded:
        _check_epigenome(loaded, args.data, args.task)
        return "protocol", {loaded.get("epigenome", args.data.name): loaded}
    if args.task == "regression":
        if loaded.get("expression") is None:
            raise ValueError(f"--data {args.data} has no expression values to regress; "
                             "extract it with --expression.")
        return "cv", loaded
    if loaded.get("target") is None:
        raise ValueError(f"--data {args.data} has no labels (target); extract it with "
                         "--expression.")
    return "cv", loaded


def _check_epigenome(epigenome, where, task):
    """The protocol's own checks of one epigenome, run now rather than in a worker."""
    from ..compare import check_epigenome, expression_target

    data = expression_target(epigenome) if task == "regression" else epigenome
    check_epigenome(data, str(epigenome.get("epigenome", where)), task)


def for_transfer(args, checked):
    """What ``transfer`` reads: ``{name: epigenome or loader}`` for ``--data``."""
    if checked["simulated"]:
        import numpy as np
        from sklearn.utils import check_random_state

        from ..datasets import simulate_epigenome

        check_presets(checked["cell_types"])
        seeds = check_random_state(args.seed).randint(np.iinfo(np.int32).max,
                                                      size=len(checked["cell_types"]))
        return {name: partial(simulate_epigenome, name, checked["genes"], int(seed),
                              depth_factor=depth)
                for name, depth, seed in zip(checked["cell_types"], checked["depths"], seeds)}
    if checked["sample"]:
        from ..datasets import roadmap_sample_epigenomes

        return roadmap_sample_epigenomes(window=roadmap.window(args))
    from ..datasets import RemcCollection, load_dataset

    options = {} if checked["marks"] is None else {"marks": checked["marks"]}
    check_files(Path(args.data))
    loaded = load_dataset(Path(args.data), **options)
    if not isinstance(loaded, RemcCollection):
        raise ValueError(f"--data {args.data} holds one epigenome; transfer needs a root of "
                         "epigenome folders (one folder per epigenome).")
    return _loaders(loaded)
