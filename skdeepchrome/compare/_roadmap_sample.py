"""The paper's protocol on the Roadmap sample shipped with the package.

Two real epigenomes (E003, E123) of 600 genes each, split as DeepDiffChrome gave them.
Two epigenomes are too few for a test across epigenomes (a Wilcoxon signed-rank test on
two pairs can never reach p < 0.5), so each epigenome gets its own paired bootstrap over
its 200 test genes instead. Real results are reported on their own, never pooled with
simulated epigenomes.
"""

from __future__ import annotations

import pandas as pd

from ..datasets._roadmap_sample import DEEPCHROME_WINDOW, roadmap_sample_epigenomes
from ._inputs import expression_target
from ._protocol import paper_protocol
from ._significance import adjust_for_multiplicity, epigenome_tests, multiplicity_note

__all__ = ["compare_roadmap_sample", "per_epigenome_tests"]

#: The name that ``skdeepchrome compare --data`` takes for the shipped sample.
SAMPLE_NAME = "roadmap-sample"
#: The cell each epigenome of the sample was measured in.
CELLS = {"E003": "H1 embryonic stem cells", "E123": "K562 leukaemia cells"}


def not_pooled(result):
    """Record in ``result.info`` that its epigenomes are reported each on its own.

    E003 and E123 are two different cells, not two draws of one population: a mean, sd,
    median or interval over them describes neither, so the report gives each epigenome's
    own row (AUC, interval) and no pooled summary.
    """
    names = [str(n) for n in dict.fromkeys(result.table["epigenome"])]
    cells = ", ".join(f"{n} ({CELLS[n]})" if n in CELLS else n for n in names)
    result.info.update(
        exchangeable=False,
        not_pooled=(f"Each epigenome is reported on its own: {cells} are different cells, "
                    "not draws of one population, so a mean over them would describe "
                    "neither and no pooled mean, median or interval is given."))
    return result


def per_epigenome_tests(result, random_state=None):
    """Paired bootstrap tests (1000 resamples of the test genes) of the reference model
    against each other model, within each epigenome of ``result``.

    Tests within each epigenome go with a report per epigenome: ``result.info`` is marked
    as by :func:`not_pooled`, so no pooled mean over the epigenomes is reported.
    ``p_adjusted`` corrects the p-values for multiplicity (Benjamini-Hochberg over every
    test of every epigenome), as ``result.info["multiplicity"]`` says.

    Parameters
    ----------
    result : ComparisonResult
        From :func:`skdeepchrome.compare.paper_protocol`.
    random_state : int or None

    Returns
    -------
    pandas.DataFrame
        The columns of ``result.tests``, with ``epigenome`` first and ``p_adjusted``.
    """
    frames = []
    for name in dict.fromkeys(result.table["epigenome"]):
        tests = epigenome_tests(
            result.table[result.table["epigenome"] == name],
            result.predictions[result.predictions["epigenome"] == name],
            result.reference, result.info["scoring"], random_state, result.task)
        tests.insert(0, "epigenome", name)
        frames.append(tests)
    not_pooled(result)
    tests = adjust_for_multiplicity(pd.concat(frames, ignore_index=True))
    result.info["multiplicity"] = multiplicity_note(tests)
    return tests


def compare_roadmap_sample(models=None, *, window=DEEPCHROME_WINDOW, task="classification",
                           random_state=0, **kwargs):
    """Run the paper's train / valid / test protocol on E003 and E123 of the sample.

    Parameters
    ----------
    models : None, list of str or dict
        As in :func:`skdeepchrome.compare.paper_protocol`.
    window : (int, int) or None, default=(-5000, 5000)
        Bins kept around the TSS; the default is DeepChrome's 100 bins, ``None`` all 200.
    task : {"classification", "regression"}, default="classification"
        Regression predicts ``log1p(RPKM)``.
    random_state : int or None, default=0
    **kwargs
        Passed on to :func:`~skdeepchrome.compare.paper_protocol` (``n_jobs``, ``tune``,
        ``features``, ``verbose``, ...), including ``record_dir``, ``resume`` and
        ``keep_going``: each epigenome is recorded as it finishes and a resumed run skips
        the recorded ones (:ref:`long-runs`).

    Returns
    -------
    ComparisonResult
        ``tests`` holds a paired bootstrap per epigenome (see the module notes).

    Examples
    --------
    >>> result = compare_roadmap_sample(["logistic"], verbose=0)
    >>> result.table.query("metric == 'roc_auc'")[["model", "epigenome"]].values.tolist()
    [['logistic', 'E003'], ['logistic', 'E123']]
    """
    epigenomes = roadmap_sample_epigenomes(window=window)
    if task == "regression":
        epigenomes = {name: expression_target(data) for name, data in epigenomes.items()}
    result = paper_protocol(epigenomes, models, task=task, random_state=random_state,
                            **kwargs)
    result.tests = per_epigenome_tests(result, random_state=random_state)
    result.info.update(data=f"{SAMPLE_NAME} (real Roadmap counts, 600 genes, DeepDiffChrome)",
                       window=list(window) if window is not None else None)
    return result
