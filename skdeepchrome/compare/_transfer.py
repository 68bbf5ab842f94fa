"""Across epigenomes: fit on source epigenome(s), predict expression in a target one.

Many epigenomes have ChIP-seq but no matching RNA-seq. :func:`transfer_protocol` asks how
well a model fitted on other epigenomes predicts high/low expression in such a target
(TransferChrome's question): every model is fitted on the source epigenome(s), scored
(ROC AUC) on the target's test split, and set beside the same model fitted on the target's
own train split (the within-target reference, what transfer cannot be expected to beat).

- **Sources**: one epigenome (``"E123"``), several pooled (``"E123+E004"``: their splits
  concatenated), or ``"all-but-target"`` (leave one epigenome out). A list gives several
  sources, each its own row of the source x target matrix.
- **Fine-tuning** on ``fine_tune`` target training genes (a stratified draw): the neural
  networks continue from their source fit (``warm_start=True``, early stopping on a
  ``validation_fraction`` of those genes); the baselines, which cannot continue, are refitted
  on the source genes plus the same target genes, so both see the same labels.
- **Normalisation** (``normalize="median_of_ratios"``, ``"quantile"`` or ``"total"``): a
  :class:`~skdeepchrome.preprocessing.DepthNormalizer` is fitted on the marks of every gene
  of the pair's epigenomes (no labels; a target's scale comes from its own marks) and each
  epigenome is mapped onto the common scale before any model sees it.

Paired tests are as in :func:`~skdeepchrome.compare.compare_models`: within each
source -> target pair, a paired bootstrap (1000 resamples) of the test-set AUC difference
between the reference model and every other row, over the target's shared test genes;
``p_adjusted`` corrects them for multiplicity (Benjamini-Hochberg over all of them).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from joblib import delayed
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state

from ..baselines._names import display_name, requested_model_names
from ..layout import REMC_MARKS
from ..plotting import plot_transfer_matrix
from ..preprocessing import NORMALIZATION_METHODS, DepthNormalizer
from ._fitting import fit_and_predict, resolve_models
from ._inputs import SPLITS, check_splits, epigenome_layout
from ._result import ComparisonResult
from ._running import run_tasks
from ._scoring import ceiling_rows, check_scoring, score_rows
from ._significance import adjust_for_multiplicity, multiplicity_note, pair_tests
from ._splitting import derive_seeds, draw_seed

__all__ = ["ALL_BUT_TARGET", "TransferResult", "pair_name", "transfer_protocol", "within_name"]

#: The source that stands for every epigenome but the target (leave one out).
ALL_BUT_TARGET = "all-but-target"
#: Joins the epigenomes of a pooled source.
POOL = "+"
MATRIX_PICTURE = "transfer_matrix.png"


def within_name(model):
    """The row of ``model`` fitted on the target's own train split.

    Examples
    --------
    >>> within_name("deepchrome")
    'deepchrome (within target)'
    """
    return f"{model} (within target)"


def pair_name(source, target):
    """``"E123 -> E003"``: the unit of a transfer result.

    Examples
    --------
    >>> pair_name("E123+E004", "E003")
    'E123+E004 -> E003'
    """
    return f"{source} -> {target}"


class TransferResult(ComparisonResult):
    """A :class:`~skdeepchrome.compare.ComparisonResult` over source -> target pairs.

    ``table`` has the extra columns ``source``, ``target`` and ``fine_tune``;
    :meth:`matrix` is the source x target table of one model's AUC, drawn by
    :func:`~skdeepchrome.plotting.plot_transfer_matrix` into the report when there is
    more than one pair.
    """

    def matrix(self, model=None, metric="roc_auc"):
        """Source x target values of ``model`` (default the reference); the diagonal holds
        the within-target fit when a source is that single epigenome."""
        model = self.reference if model is None else model
        rows = self.table[(self.table["model"] == model) & (self.table["metric"] == metric)]
        wide = rows.pivot_table(index="source", columns="target", values="value",
                                sort=False)
        within = self.table[(self.table["model"] == within_name(model))
                            & (self.table["metric"] == metric)]
        for target, value in within.groupby("target")["value"].first().items():
            if target in wide.index or target in wide.columns:
                if target not in wide.index:
                    wide.loc[target] = np.nan
                if target not in wide.columns:
                    wide[target] = np.nan
                wide.loc[target, target] = value
        return wide

    def extra_pictures(self):
        """``{file: caption}`` of the pictures only a transfer report has."""
        if self.table["pair"].nunique() < 2 or "roc_auc" not in self.metrics:
            return {}

        return {MATRIX_PICTURE: (
            f"Test ROC AUC of {display_name(self.reference)} fitted on each source (rows) "
            "and scored on each target (columns); the diagonal is the model fitted on the "
            "target's own train split")}

    def draw_picture(self, name):
        """The figure of one of :meth:`extra_pictures`."""
        if name != MATRIX_PICTURE:
            raise ValueError(f"No picture {name!r}.")
        return plot_transfer_matrix(self)


def _source_sets(source, targets, names):
    """``[(row label, (epigenomes...), target)]`` for every source x target pair."""
    items = [source] if isinstance(source, str) else list(source)
    if not items:
        raise ValueError("source is empty; name at least one source epigenome.")
    pairs = []
    for item in items:
        if isinstance(item, str) and item == ALL_BUT_TARGET:
            for target in targets:
                pooled = tuple(n for n in names if n != target)
                if not pooled:
                    raise ValueError(f"{ALL_BUT_TARGET}: the data hold only {target!r}; "
                                     "transfer needs another epigenome.")
                pairs.append((ALL_BUT_TARGET, pooled, target))
            continue
        parts = (tuple(p.strip() for p in item.split(POOL) if p.strip())
                 if isinstance(item, str) else tuple(item))
        if not parts:
            raise ValueError(f"source {item!r} names no epigenome.")
        if len(set(parts)) != len(parts):
            raise ValueError(f"source {item!r} names an epigenome twice.")
        unknown = [p for p in parts if p not in names]
        if unknown:
            raise ValueError(f"source epigenome(s) {unknown} not in the data; it holds "
                             f"{', '.join(names)}.")
        label = POOL.join(parts)
        for target in targets:
            if target in parts and len(parts) > 1:
                raise ValueError(f"source {label!r} includes the target {target!r}; a "
                                 "transfer source must leave the target out.")
            if parts != (target,):  # the diagonal is the within-target row
                pairs.append((label, parts, target))
    if not pairs:
        raise ValueError(f"source and target are the same epigenome ({', '.join(targets)}): "
                         "nothing to transfer; name another source (or all-but-target).")
    return pairs


def _check_targets(epigenomes, target):
    """``(names, targets)``: the epigenomes' names and the target(s) among them."""
    if not hasattr(epigenomes, "items"):
        raise ValueError("epigenomes must map names to epigenomes (or loaders).")
    names = [str(n) for n in epigenomes]
    if len(names) < 2:
        raise ValueError(f"Transfer needs at least two epigenomes; the data hold "
                         f"{len(names)} ({', '.join(names)}).")
    targets = [target] if isinstance(target, str) else list(target)
    if not targets:
        raise ValueError("target is empty; name the epigenome to predict.")
    unknown = [t for t in targets if t not in names]
    if unknown:
        raise ValueError(f"target epigenome(s) {unknown} not in the data; it holds "
                         f"{', '.join(names)}.")
    return names, targets


def _load_epigenomes(epigenomes, pairs):
    """``(raw, checked, marks, layout)`` of every epigenome the pairs name, loaded once.

    ``checked`` holds each split's :func:`~skdeepchrome.compare._inputs.check_splits`;
    every epigenome must have the same marks, features, bin width and classes as the
    first. ``layout`` is the marks (``None`` where no epigenome declared them) and the
    bin width the epigenomes declared, as
    :func:`~skdeepchrome.compare._fitting.fit_and_predict` takes it.
    """
    needed = list(dict.fromkeys([n for _, members, t in pairs for n in (*members, t)]))
    raw, loaded, marks, declared, widths_bp = {}, {}, None, None, {}
    for name in needed:
        data = epigenomes[name]
        data = data() if callable(data) else data
        raw[name] = data
        loaded[name] = check_splits(data, name)
        own, widths_bp[name] = epigenome_layout(data, name)
        declared = declared if own is None else own
        these = REMC_MARKS if own is None else own
        if marks is not None and these != marks:
            raise ValueError(f"Epigenome {name!r} has marks {list(these)}, others "
                             f"{list(marks)}; transfer needs the same marks in the same "
                             "order.")
        marks = these
        known = {n: w for n, w in widths_bp.items() if w is not None}
        if len(set(known.values())) > 1:
            raise ValueError(f"The epigenomes have bins of different widths "
                             f"({', '.join(f'{n}: {w:g} bp' for n, w in known.items())}); "
                             "transfer needs one layout: re-bin them to one width.")
        widths = {loaded[name][s][0].shape[1] for s in SPLITS}
        if len(widths) > 1 or (len(loaded) > 1 and widths != {
                loaded[needed[0]]["train"][0].shape[1]}):
            raise ValueError(f"Epigenome {name!r} has {sorted(widths)} features per gene, "
                             "unlike the others; transfer needs one layout.")
        if loaded[name]["train"][2].tolist() != loaded[needed[0]]["train"][2].tolist():
            raise ValueError(f"Epigenome {name!r} has classes {loaded[name]['train'][2]}, "
                             "unlike the others.")
    bin_size = next((w for w in widths_bp.values() if w is not None), None)
    layout = dict(marks=declared, bin_size=bin_size)
    return raw, loaded, marks, layout


def _check_fine_tune(fine_tune):
    if isinstance(fine_tune, bool) or not isinstance(fine_tune, (int, np.integer)) \
            or fine_tune < 0:
        raise ValueError(f"fine_tune must be a whole number of target genes (0 for none), "
                         f"got {fine_tune!r}.")
    return int(fine_tune)


def _check_normalize(normalize):
    if normalize is None or (isinstance(normalize, str) and normalize.lower() == "none"):
        return None
    if normalize not in NORMALIZATION_METHODS:
        raise ValueError(f"normalize must be None or one of {list(NORMALIZATION_METHODS)}, "
                         f"got {normalize!r}.")
    return normalize


def _fine_tune_genes(X, y, n, rng):
    """A stratified draw of ``n`` target training genes (``None`` for ``n == 0``)."""
    if n == 0:
        return None
    if n == len(y):
        return X, y
    stratify = y if n >= 2 and np.bincount(y).min() >= 2 else None
    try:
        rows, _ = train_test_split(np.arange(len(y)), train_size=n, stratify=stratify,
                                   random_state=draw_seed(rng))
    except ValueError:  # too few genes to keep both classes' share
        rows = rng.choice(len(y), n, replace=False)
    return X[rows], y[rows]


def _normalised(loaded, members, method, marks):
    """``{name: {split: X}}`` of ``members`` mapped onto one scale (or as loaded)."""
    if method is None:
        return {n: {s: loaded[n][s][0] for s in SPLITS} for n in members}
    blocks, groups = [], []
    for name in members:
        for split in SPLITS:
            blocks.append(loaded[name][split][0])
            groups += [name] * len(blocks[-1])
    norm = DepthNormalizer(method, marks=marks).fit(np.concatenate(blocks), groups=groups)
    return {n: {s: np.asarray(norm.transform(loaded[n][s][0], groups=[n] * len(loaded[n][s][0])))
                for s in SPLITS} for n in members}


def transfer_protocol(epigenomes, source, target, models=None, *, fine_tune=0,
                      normalize="median_of_ratios", scoring=None, within=True,
                      reference="deepchrome",
                      random_state=None, features="bins", n_jobs=None, scheduler=None,
                      verbose=1):
    """Fit every model on source epigenome(s); score it on a target epigenome's test split.

    Parameters
    ----------
    epigenomes : mapping of name -> Bunch or callable
        Epigenomes with ``train``, ``valid`` and ``test`` (``data``, ``target``, optionally
        ``posterior``), as :func:`~skdeepchrome.compare.paper_protocol` takes them; a
        callable is called once to load its epigenome.
    source : str or list
        ``"E123"``; ``"E123+E004"`` (pooled: the splits of both, concatenated); or
        ``"all-but-target"``. A list gives several sources, each transferred on its own.
        A source that is the target alone is not a transfer (it is the within-target row).
    target : str or list of str
        The epigenome(s) to predict.
    models : None, list of str, or dict of name -> estimator
        As in :func:`skdeepchrome.compare.compare_models` (classification).
    fine_tune : int, default=0
        Target training genes to fine-tune on (see the module notes); at most the size of
        the target's train split.
    normalize : {"median_of_ratios", "quantile", "total"} or None, default="median_of_ratios"
        Put the pair's epigenomes on one scale with a
        :class:`~skdeepchrome.preprocessing.DepthNormalizer` first; ``None`` (or
        ``"none"``) fits on the counts as they are.
    scoring : str or list of str, optional
        Classification metrics (default ROC AUC and the others of ``compare``).
    within : bool, default=True
        Add each model fitted on the target's own train split (early stopping on its
        valid split), unnormalised, as ``"<model> (within target)"``.
    reference : str, default="deepchrome"
        The model tested against every other row of each pair (the first model when it
        is not among them).
    random_state : int or None
        Seeds the models and the draw of the fine-tuning genes.
    features : {"bins", "marks"}, default="bins"
    n_jobs : int, default=None
        Fits run in parallel (joblib); ``scheduler``: a ``dask.distributed`` address.
    verbose : int, default=1

    Returns
    -------
    TransferResult
        ``unit="pair"`` (``"E123 -> E003"``); ``table`` also has ``source``, ``target``
        and ``fine_tune``; ``save()`` writes the report as for ``compare``, with the
        source x target AUC heatmap when there are several pairs. Several pairs are
        reported each on its own (``info["exchangeable"]`` is ``False``): no mean over
        pairs.

    Examples
    --------
    >>> from skdeepchrome.datasets import simulate_epigenome
    >>> epis = {"shallow": simulate_epigenome(n_genes=(300, 100, 200), random_state=0),
    ...         "deep": simulate_epigenome(n_genes=(300, 100, 200), random_state=1,
    ...                                    depth_factor=4)}
    >>> result = transfer_protocol(epis, "shallow", "deep", ["logistic"],
    ...                            normalize="total", random_state=0, verbose=0)
    >>> sorted(result.table.query("metric == 'roc_auc'").model.unique())
    ['ceiling', 'logistic', 'logistic (within target)']
    >>> result.table.pair.unique().tolist()
    ['shallow -> deep']
    """
    names, targets = _check_targets(epigenomes, target)
    pairs = _source_sets(source, targets, names)
    fine_tune = _check_fine_tune(fine_tune)
    normalize = _check_normalize(normalize)
    scoring = check_scoring(scoring, "classification")
    (seed,) = derive_seeds(random_state, 1)
    model_list = requested_model_names(models, "classification")
    reference = reference if reference in model_list else model_list[0]
    raw, loaded, marks, layout = _load_epigenomes(epigenomes, pairs)
    for t in targets:
        if fine_tune > len(loaded[t]["train"][1]):
            raise ValueError(f"fine_tune={fine_tune} asks for more target genes than the "
                             f"{len(loaded[t]['train'][1])} of {t!r}'s train split.")
    resolved = resolve_models(models, marks=marks, features=features, random_state=seed,
                              bin_size=layout["bin_size"])
    rng = check_random_state(seed)

    tasks, keys = [], []
    for row_label, members, tgt in pairs:
        scaled = _normalised(loaded, (*members, tgt), normalize, marks)
        train, valid = ((np.concatenate([scaled[n][split] for n in members]),
                         np.concatenate([loaded[n][split][1] for n in members]))
                        for split in ("train", "valid"))
        tune_set = _fine_tune_genes(scaled[tgt]["train"], loaded[tgt]["train"][1], fine_tune,
                                    rng)
        for model_name in model_list:
            tasks.append(delayed(fit_and_predict)(resolved[model_name], *train,
                                                  scaled[tgt]["test"], valid=valid,
                                                  fine_tune=tune_set, layout=layout))
            keys.append((model_name, row_label, tgt))
    for tgt in targets if within else ():
        own = loaded[tgt]
        for model_name in model_list:
            tasks.append(delayed(fit_and_predict)(resolved[model_name], *own["train"][:2],
                                                  own["test"][0], valid=own["valid"][:2],
                                                  layout=layout))
            keys.append((within_name(model_name), None, tgt))
    outputs = run_tasks(tasks, n_jobs=n_jobs, scheduler=scheduler, verbose=verbose,
                        desc=f"transfer fits ({len(model_list)} models x {len(pairs)} pairs)")
    by_target = {}
    for (model_name, row_label, tgt), output in zip(keys, outputs):
        by_target.setdefault(tgt, []).append((model_name, row_label, output))

    rows, predictions = [], []
    for row_label, _, tgt in pairs:
        where = dict(pair=pair_name(row_label, tgt))
        details = dict(source=row_label, target=tgt, fine_tune=fine_tune)
        y_te = loaded[tgt]["test"][1]
        parts = [score_rows(model_name, where, y_te, score, label, scoring,
                            seconds=(fit_s, pred_s), details=details)
                 for model_name, label_of, (score, label, fit_s, pred_s, _) in by_target[tgt]
                 if label_of in (row_label, None)]  # within rows join every pair
        posterior = raw[tgt]["test"].get("posterior")
        if posterior is not None:
            parts.append(ceiling_rows(posterior, y_te, scoring, where, details=details))
        for part_rows, frame in parts:
            rows += part_rows
            predictions.append(frame)
    table = pd.DataFrame(rows)
    predictions = pd.concat(predictions, ignore_index=True)
    tests = adjust_for_multiplicity(pair_tests(table, predictions, reference, seed))
    info = dict(protocol="transfer: fit on source epigenome(s), score on the target's test "
                "split", task="classification",
                pairs=[pair_name(label, tgt) for label, _, tgt in pairs],
                sources={pair_name(label, tgt): list(members) for label, members, tgt in pairs},
                targets=targets, fine_tune=fine_tune,
                normalize=normalize or "none", within=bool(within), scoring=list(scoring),
                random_state=random_state, features=features,
                multiplicity=multiplicity_note(tests))
    if len(pairs) > 1:
        # Pairs score different targets (or fit on different sources): different
        # questions, each reported on its own row, not averaged into one answer.
        info.update(exchangeable=False, not_pooled=(
            "Each source -> target pair is reported on its own: the pairs score different "
            "target epigenomes or fit on different sources, so a mean over them would "
            "describe none of them and no pooled mean, median or interval is given."))
    return TransferResult(table, unit="pair", tests=tests, predictions=predictions,
                          reference=reference, info=info, task="classification")
