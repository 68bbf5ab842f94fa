"""``--data`` for ``train`` and ``predict``: one dataset, or one epigenome's splits.

The same inputs ``compare`` reads: an extracted dataset (``.npz``, one DeepChrome
``.csv``), an epigenome folder (train/valid/test CSVs), a root of such folders or the
packaged ``roadmap-sample`` (the last two hold several epigenomes: ``--epigenome``
chooses one).
"""

from __future__ import annotations

from pathlib import Path

from . import _roadmap_sample as roadmap


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


def read_data(data, epigenome=None):
    """A flat dataset Bunch (``data``, ``gene_ids``...) or an epigenome's (``train``...)."""
    from ..datasets import RemcCollection, load_dataset, load_remc

    if roadmap.is_roadmap_sample(data):
        from ..datasets import roadmap_sample_epigenomes

        epigenomes = roadmap_sample_epigenomes()
        return epigenomes[_choose(sorted(epigenomes), epigenome, data)]
    loaded = load_dataset(data)
    if isinstance(loaded, RemcCollection):
        name = _choose(list(loaded.epigenomes), epigenome, data)
        return load_remc(loaded.folders[name], marks=loaded.marks, n_bins=loaded.n_bins)
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
