"""Published figures to set beside measured ones: DeepChrome's per-epigenome test AUCs."""

from __future__ import annotations

from importlib import resources

import pandas as pd

__all__ = ["published_aucs", "PUBLISHED_SOURCE"]

_FILES = {"deepchrome": "deepchrome_published_auc.csv"}

#: Where the shipped figures come from, in words (also ``published_aucs().attrs``).
PUBLISHED_SOURCE = {
    "deepchrome": dict(
        paper=("Singh R, Lanchantin J, Robins G, Qi Y. DeepChrome: deep-learning for "
               "predicting gene expression from histone modifications. Bioinformatics "
               "32(17):i639-i648, 2016. doi:10.1093/bioinformatics/btw427"),
        table="per-epigenome test ROC AUC, 56 REMC epigenomes (two decimals)",
        transcribed_from=("https://github.com/DEIB-GECO/ShallowChrome/blob/"
                          "f28700cd1c9e264f117c3431b928f13ca1aaabf8/scores/"
                          "DeepChrome_scores.txt (Frasca et al., BMC Bioinformatics 2022)"),
        licence=("the figures are facts reported in a paper; the file they were read from is "
                 "MIT-licensed (Copyright (c) 2020 Noired), see the package's data NOTICE"),
        protocol=("the release's splits: 6601 / 6601 / 6600 train / valid / test genes per "
                  "epigenome, 5 marks x 100 bins of 100 bp"),
    ),
}


def published_aucs(model="deepchrome"):
    """A model's published test ROC AUC per REMC epigenome, with its source.

    Only DeepChrome's are shipped: its 56 per-epigenome test AUCs (Singh et al. 2016),
    as transcribed in the ShallowChrome repository (Frasca et al. 2022), two decimals;
    their mean is 0.801, as the paper reports. They were not re-checked against the
    paper's own supplementary file. Nothing here is estimated or filled in: an epigenome
    the table lacks is absent.

    Parameters
    ----------
    model : {"deepchrome"}, default="deepchrome"

    Returns
    -------
    pandas.Series
        Indexed by epigenome id (``"E003"``), named ``"roc_auc"``; ``attrs`` holds the
        source (``paper``, ``table``, ``transcribed_from``, ``licence``, ``protocol``).

    Examples
    --------
    >>> aucs = published_aucs()
    >>> len(aucs), round(float(aucs.mean()), 3), float(aucs["E003"]), float(aucs["E123"])
    (56, 0.801, 0.77, 0.92)
    >>> aucs.attrs["paper"].split(".")[0]
    'Singh R, Lanchantin J, Robins G, Qi Y'
    """
    if model not in _FILES:
        raise ValueError(f"No published AUCs shipped for model {model!r}; the package ships "
                         f"{sorted(_FILES)}.")
    path = resources.files(__package__).joinpath("data", _FILES[model])
    with path.open("r", encoding="utf-8") as handle:
        table = pd.read_csv(handle, comment="#", dtype={"epigenome": str})
    aucs = table.set_index("epigenome")["roc_auc"].astype(float)
    aucs.attrs.update(PUBLISHED_SOURCE[model], model=model)
    return aucs
