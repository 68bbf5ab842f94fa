"""``--data``, read one way by every command.

The inputs are an extracted dataset (``.npz``, one DeepChrome ``.csv``), an epigenome
folder (train/valid/test CSVs), a root of such folders, the packaged ``roadmap-sample``
or, without ``--data``, simulated epigenomes. ``train`` and ``predict`` read one dataset
or one epigenome's splits (:func:`read_data`; ``--epigenome`` chooses among several);
``compare`` and ``transfer`` read every epigenome (:func:`for_compare`,
:func:`for_transfer`), checking each file before the first model trains. Heavy modules
are imported inside the functions: ``--help`` must not load them.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from . import _roadmap_sample as roadmap
from ._messages import check_npz_file, check_text_file

#: What a CSV file of ``--data`` should be, for the error when it is not text.
CSV_FILE = "a DeepChrome CSV text file (GeneID,BinID,marks...,label)"


def add_arguments(parser, *, required_help):
    parser.add_argument("--data", type=Path, required=True, help=required_help)
    parser.add_argument("--epigenome", default=None,
                        help="with a root of epigenome folders or roadmap-sample: the "
                        "epigenome to use (e.g. E003)")


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


def read_data(data, epigenome=None, counts=False):
    """A flat dataset Bunch (``data``, ``gene_ids``...) or an epigenome's (``train``...).

    With ``counts``, a negative value is refused naming its file, gene and mark (the
    command's models take ``log1p`` of them).
    """
    from ..datasets import RemcCollection, check_counts, load_dataset, load_remc

    if roadmap.is_roadmap_sample(data):
        from ..datasets import roadmap_sample_epigenomes

        epigenomes = roadmap_sample_epigenomes()
        return epigenomes[_choose(sorted(epigenomes), epigenome, data)]
    loaded = load_dataset(data)
    if isinstance(loaded, RemcCollection):
        name = _choose(list(loaded.epigenomes), epigenome, data)
        loaded = load_remc(loaded.folders[name], marks=loaded.marks, n_bins=loaded.n_bins)
        if counts:
            check_counts(loaded)
        return loaded
    if counts:
        check_counts(loaded)
    if epigenome is not None and loaded.get("epigenome", epigenome) != epigenome:
        raise ValueError(f"{data} is the epigenome {loaded.epigenome!r}, not {epigenome!r}.")
    return loaded


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

    return {name: partial(load_remc, folder, marks=collection.marks, n_bins=collection.n_bins)
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

    npz = is_npz(args.data)
    if npz:
        check_npz_file(args.data)
    else:
        for path in csv_files(args.data):
            check_text_file(path, CSV_FILE)
    options = {} if checked["marks"] is None or npz else {"marks": checked["marks"]}
    loaded = load_dataset(args.data, **options)
    if isinstance(loaded, RemcCollection):
        say(f"checking {len(loaded)} epigenomes in {args.data} ...")
        for folder in loaded.folders.values():
            epigenome = load_remc(folder, marks=loaded.marks, n_bins=loaded.n_bins)
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
    loaded = load_dataset(Path(args.data), **options)
    if not isinstance(loaded, RemcCollection):
        raise ValueError(f"--data {args.data} holds one epigenome; transfer needs a root of "
                         "epigenome folders (one folder per epigenome).")
    return _loaders(loaded)
