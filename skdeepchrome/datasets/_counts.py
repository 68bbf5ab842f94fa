"""Read counts a model can take: none negative, and a refusal that names the file and mark.

Every model the command line builds scales its input with ``log1p``
(:class:`~skdeepchrome.HistoneBinner`), which refuses a negative value, but deep inside a
fit and naming only the mark. The readers keep signed signal (a DeepChrome CSV or an
npz may hold log fold-changes, for ``scale="asinh"``), so the check is made where counts
are required: :func:`check_counts` on what a reader returned, before any model trains.
"""

from __future__ import annotations

import numpy as np

#: The splits of an epigenome's Bunch, checked in this order.
_SPLITS = ("train", "valid", "test")


def check_counts(dataset, what="read counts"):
    """Raise a one-line ``ValueError`` naming the file, gene, mark and bin of a negative value.

    Parameters
    ----------
    dataset : Bunch
        What a reader returned: one file's (``data``, ``marks``, ``n_bins``, ``gene_ids``,
        ``filename``) or an epigenome's (``train``, ``valid``, ``test``, each one file's).
    what : str, default="read counts"
        What the values must be, for the message.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.utils import Bunch
    >>> split = Bunch(data=np.array([[0., 2., 1., -3.]]), marks=("H3K4me3", "H3K27me3"),
    ...               n_bins=2, gene_ids=np.array(["000007"]), filename="E003/train.csv")
    >>> check_counts(split)
    Traceback (most recent call last):
    ...
    ValueError: E003/train.csv: gene '000007', mark H3K27me3, bin 2 holds -3, a negative ...
    """
    if all(split in dataset for split in _SPLITS):
        for split in _SPLITS:
            check_counts(dataset[split], what)
        return
    data = np.asarray(dataset["data"])
    if not data.size or data.dtype.kind not in "fiu":
        return
    negative = data < 0
    if not negative.any():
        return
    gene, column = (int(i) for i in np.argwhere(negative)[0])
    n_bins = int(dataset.get("n_bins") or data.shape[1])
    marks = list(dataset.get("marks") or [])
    mark = marks[column // n_bins] if column // n_bins < len(marks) else f"column {column + 1}"
    ids = dataset.get("gene_ids")
    name = repr(str(ids[gene])) if ids is not None and len(ids) > gene else f"row {gene + 1}"
    source = dataset.get("filename") or "the data"
    value = data[gene, column]
    shown = int(value) if float(value).is_integer() else float(value)
    raise ValueError(
        f"{source}: gene {name}, mark {mark}, bin {column % n_bins + 1} holds {shown}, a "
        f"negative value ({int(negative.sum())} in the file); {what} cannot be negative (the "
        "models take log1p of them)."
    )
