"""The DeepChrome paper's protocol: per epigenome, train / choose on valid / report on test.

For each epigenome every model is trained on ``train``; epochs (the CNN's early stopping)
and, with ``tune=True``, hyper-parameters are chosen on ``valid``; AUC is reported on
``test``. Over a collection of epigenomes the summary gives mean and median AUC per model,
wins per model, and a Wilcoxon signed-rank test of the CNN against each baseline across
epigenomes, as in the paper's comparison over 56 REMC epigenomes.

With ``task="regression"`` the same protocol regresses a continuous target (R², Pearson
and Spearman correlation; :func:`expression_target` turns epigenomes whose splits carry
``expression`` into such targets).
"""

from __future__ import annotations

import uuid
from functools import partial

import pandas as pd
from joblib import delayed, effective_n_jobs

from ..baselines._names import CEILING, SUCCESSOR_MODEL_NAMES, requested_model_names
from ..datasets import RELEASE_SIZES, RemcCollection, load_remc, published_aucs
from ..layout import REMC_MARKS
from ._fitting import fit_and_predict, is_neural, resolve_grids, resolve_models
from ._inputs import SPLITS, check_splits, check_task, epigenome_layout
from ._records import UnitResult, describe_models, open_record, source_fingerprint
from ._result import ComparisonResult
from ._running import failure_records, require_finished, run_units
from ._scoring import ceiling_rows, check_scoring, score_rows
from ._significance import epigenome_tests
from ._splitting import derive_seeds
from ._transfer import transfer_protocol  # noqa: F401  (the protocols live side by side)

#: The epigenomes a worker process loaded last, newest first, so that its next fit on one
#: of them (the next model) does not load it again: ``[(key, data), ...]``.
_LOADED = []
#: How many it keeps. Two: with the networks ahead (:func:`networks_ahead`) a worker
#: alternates between its network's epigenome and the baselines of the one before, and
#: a release-sized epigenome is about 45 MB in memory (reading one again is a second or
#: more, simulating one about 3 s).
_KEEP_LOADED = 2


def _load(data, cache_key):
    """Call a loader, reusing this process's result for the same ``cache_key``."""
    if not callable(data):
        return data
    for position, (key, loaded) in enumerate(_LOADED):
        if cache_key is not None and key == cache_key:
            _LOADED.insert(0, _LOADED.pop(position))
            return loaded
    loaded = data()
    if cache_key is not None:
        # A bounded number at a time: memory stays bounded.
        _LOADED[:] = [(cache_key, loaded), *_LOADED[: _KEEP_LOADED - 1]]
    return loaded


def evaluate_epigenome(data, models=None, *, scoring=None, tune=False, random_state=None,
                       features="bins", name=None, task="classification", only=None,
                       ceiling=True, cache_key=None):
    """The paper's protocol on one epigenome; returns the raw rows and predictions.

    Prefer :func:`paper_protocol`, which also summarises and tests. This is the unit of
    work it distributes.

    Parameters
    ----------
    data : Bunch or callable
        ``train``, ``valid`` and ``test`` Bunches with ``data`` and ``target`` (and
        optionally ``posterior``, which adds the ``ceiling`` row), like
        :func:`skdeepchrome.datasets.load_remc` returns; a callable is called to load it
        (so a worker loads its own epigenome).
    task : {"classification", "regression"}, default="classification"
        Regression reads each split's ``target`` as continuous (see
        :func:`expression_target`) and never adds a ceiling.
    only : str, optional
        Fit only this one of ``models`` (each still gets the seed it would get among all
        of them): :func:`paper_protocol` makes one task per model and epigenome, so its
        progress moves with every fit.
    ceiling : bool, default=True
        Add the ``ceiling`` rows when the test split carries a ``posterior``.
    cache_key : hashable, optional
        Reuse the epigenome this process loaded last under the same key.

    Returns
    -------
    rows : list of dict
    predictions : pandas.DataFrame
    """
    data = _load(data, cache_key)
    task = check_task(task)
    name = name or data.get("epigenome", "epigenome")
    splits = check_splits(data, name, task)
    scoring = check_scoring(scoring, task)
    # An epigenome that knows its bin width (the real sample, an extraction) passes it on, so
    # the CNN's filter keeps its width in base pairs whatever the window; a pipeline built
    # outside the package reads the same layout from its rows.
    declared, bin_size = epigenome_layout(data, name)
    marks = REMC_MARKS if declared is None else declared
    layout = dict(marks=declared, bin_size=bin_size)
    models = resolve_models(models, marks=marks, features=features, random_state=random_state,
                            task=task, bin_size=bin_size)
    grids = resolve_grids(tune, models, task)
    (X_tr, y_tr, _), (X_va, y_va, _), (X_te, y_te, _) = (splits[s] for s in SPLITS)
    rows, predictions = [], []
    for model_name, model in models.items():
        if only is None or model_name == only:
            score, label, fit_s, pred_s, _ = fit_and_predict(
                model, X_tr, y_tr, X_te, task, valid=(X_va, y_va), grid=grids.get(model_name),
                layout=layout)
            model_rows, frame = score_rows(model_name, dict(epigenome=name), y_te, score, label,
                                           scoring, seconds=(fit_s, pred_s))
            rows += model_rows
            predictions.append(frame)
    posterior = data["test"].get("posterior") if task == "classification" else None
    if posterior is not None and ceiling:
        ceiling_part, frame = ceiling_rows(posterior, y_te, scoring, dict(epigenome=name))
        rows += ceiling_part
        predictions.append(frame)
    empty = pd.DataFrame(columns=["model", "epigenome", "gene", "y_true", "score"])
    return rows, pd.concat(predictions, ignore_index=True) if predictions else empty


def _evaluate_and_describe(data, models=None, *, evaluate, cache_key=None, **kwargs):
    """``evaluate`` (:func:`evaluate_epigenome`), and the layout of the epigenome it evaluated.

    The layout (genes per split, bins, bin width, marks) is what tells whether the data is
    the release the published figures were measured on. ``evaluate`` travels with the task
    (rather than being looked up in the worker), so a stand-in for it reaches the worker.
    """
    data = _load(data, cache_key)
    rows, predictions = evaluate(data, models, **kwargs)
    return rows, predictions, _layout(data)


def _layout(data):
    n_genes = {}
    for split in SPLITS:
        part = data.get(split) if hasattr(data, "get") else None
        target = part.get("target") if hasattr(part, "get") else None
        n_genes[split] = None if target is None else int(len(target))
    n_bins, bin_size = data.get("n_bins"), data.get("bin_size")
    return dict(n_genes=n_genes, n_bins=None if n_bins is None else int(n_bins),
                bin_size=None if bin_size is None else float(bin_size),
                n_marks=len(data.get("marks") or ()) or None)


def _epigenome_result(unit, outputs):
    """One epigenome's rows and predictions from its models' fits (in model order)."""
    rows = [row for output in outputs for row in output[0]]
    frames = [output[1] for output in outputs if len(output[1])]
    predictions = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    layouts = [output[2] for output in outputs if len(output) > 2]
    return UnitResult(rows, predictions, dict(layout=layouts[0]) if layouts else {})


#: The release's layout: genes per split, bins per mark, bp per bin, marks.
RELEASE_LAYOUT = dict(n_genes=dict(zip(SPLITS, RELEASE_SIZES)), n_bins=100, bin_size=100.0,
                      n_marks=5)


def _differences_from_release(layout):
    """What in ``layout`` differs from the release the published AUCs were measured on."""
    if not layout:
        return ["its layout was not recorded"]
    found = []
    sizes = layout.get("n_genes") or {}
    if any(sizes.get(s) not in (None, n) for s, n in RELEASE_LAYOUT["n_genes"].items()):
        given = " / ".join(str(sizes.get(s)) for s in SPLITS)
        release = " / ".join(str(n) for n in RELEASE_SIZES)
        found.append(f"{given} train / valid / test genes, not the release's {release}")
    for key, what in (("n_bins", "bins per mark"), ("bin_size", "bp per bin"),
                      ("n_marks", "marks")):
        value = layout.get(key)
        if value is not None and value != RELEASE_LAYOUT[key]:
            found.append(f"{value:g} {what}, not the release's {RELEASE_LAYOUT[key]:g}")
    return found


def published_beside_measured(table, layouts, task="classification"):
    """Per epigenome with a published DeepChrome AUC: it, each model's AUC, the difference.

    Parameters
    ----------
    table : pandas.DataFrame
        A paper-protocol result's tidy table (``model``, ``epigenome``, ``metric``,
        ``value``).
    layouts : dict of str -> dict
        Per epigenome, the layout its evaluation recorded (genes per split, bins, bin
        width, marks).
    task : str, default="classification"

    Returns
    -------
    rows : list of dict
        ``epigenome``, ``model``, ``published_roc_auc`` (DeepChrome's, Singh et al. 2016),
        ``measured_roc_auc``, ``difference`` (measured minus published), ``n_train``,
        ``n_valid``, ``n_test`` and ``release`` (whether the data has the release's
        layout); empty when no epigenome has a published figure or ROC AUC was not scored.
    notes : list of str
        The source, and each epigenome whose data is not the release, in words.
    """
    if task != "classification" or "roc_auc" not in set(table["metric"]):
        return [], []
    published = published_aucs("deepchrome")
    auc = table[(table["metric"] == "roc_auc") & (table["model"] != CEILING)]
    known = [e for e in dict.fromkeys(auc["epigenome"]) if str(e) in published.index]
    rows, notes = [], []
    for epigenome in known:
        layout = layouts.get(epigenome) or {}
        differs = _differences_from_release(layout)
        sizes = layout.get("n_genes") or {}
        for model, value in auc[auc["epigenome"] == epigenome][["model", "value"]].itertuples(
                index=False):
            reported = float(published[str(epigenome)])
            rows.append(dict(epigenome=str(epigenome), model=model,
                             published_roc_auc=reported, measured_roc_auc=float(value),
                             difference=float(value) - reported,
                             n_train=sizes.get("train"), n_valid=sizes.get("valid"),
                             n_test=sizes.get("test"), release=not differs))
        if differs:
            notes.append(f"{epigenome} is not the release ({'; '.join(differs)}): its "
                         "published AUC was measured on other genes and splits, so the "
                         "difference is no verdict on reproduction.")
    if rows:
        source = published.attrs
        notes.insert(0, f"Published: DeepChrome's test ROC AUC per epigenome ({source['paper']};"
                        f" {source['table']}; transcribed from {source['transcribed_from']}).")
    return rows, notes


#: The networks among the model names: a fit of one takes a minute or more on a
#: release-sized epigenome, a baseline's seconds (``benchmarks/bench_compare.py``).
NETWORK_NAMES = ("deepchrome", "deepchrome_paper", "attentivechrome", *SUCCESSOR_MODEL_NAMES)


def networks_ahead(models, n_workers):
    """``rank(epigenome position, model)`` for :func:`~skdeepchrome.compare._running.run_units`.

    Fits go epigenome by epigenome, so a worker usually fits its next model on the
    epigenome it has loaded; but each network's fit (a minute or more, where a baseline's
    takes seconds) starts with the baselines of the epigenome ``n_workers - 1`` places
    before its own. In plain order the last epigenome's network would start after every
    other fit was handed out and end alone, the other workers idle; ahead, the baselines
    fill the workers while the last networks run. With one worker the order is the plain
    one (nothing to fill, and each epigenome is loaded once).

    Parameters
    ----------
    models : list of str or dict of name -> estimator
    n_workers : int

    Examples
    --------
    >>> rank = networks_ahead(["deepchrome", "svm"], n_workers=2)
    >>> fits = [(e, m) for e in range(3) for m in ("deepchrome", "svm")]
    >>> [f"E{e + 1} {m}" for e, m in sorted(fits, key=lambda fit: rank(*fit))]
    ['E1 deepchrome', 'E2 deepchrome', 'E1 svm', 'E3 deepchrome', 'E2 svm', 'E3 svm']
    """
    if isinstance(models, dict):
        neural = {name for name, model in models.items() if is_neural(model)}
    else:
        neural = {name for name in models if name in NETWORK_NAMES}
    ahead = max(int(n_workers) - 1, 0)

    def rank(position, name):
        network = name in neural
        return (position - ahead * network, not network)

    return rank


def _epigenome_items(epigenomes):
    """``[(name, epigenome or loader)]`` of what :func:`paper_protocol` accepts."""
    if hasattr(epigenomes, "keys") and set(SPLITS) <= set(epigenomes.keys()):
        epigenomes = {epigenomes.get("epigenome", "epigenome"): epigenomes}
    if isinstance(epigenomes, RemcCollection):
        # Iterating would read every epigenome here; a loader per folder lets each worker
        # read its own, one at a time.
        epigenomes = {name: partial(load_remc, folder, marks=epigenomes.marks,
                                    n_bins=epigenomes.n_bins)
                      for name, folder in epigenomes.folders.items()}
    items = list(epigenomes.items()) if hasattr(epigenomes, "items") else list(epigenomes)
    if not items:
        raise ValueError("No epigenomes to evaluate.")
    names = [name for name, _ in items]
    if len(set(names)) != len(names):
        raise ValueError(f"Epigenome names repeat: {names}.")
    return items


def _stable_tune(tune):
    """``tune`` as the manifest records it: a bool, or each grid's text."""
    if isinstance(tune, dict):
        return {name: repr(grid) for name, grid in sorted(tune.items())}
    return bool(tune)


def paper_protocol(epigenomes, models=None, *, scoring=None, tune=False, n_jobs=None,
                   random_state=None, features="bins", reference="deepchrome", scheduler=None,
                   verbose=1, task="classification", record_dir=None, resume=False,
                   keep_going=False):
    """Run the paper's train / valid / test protocol over one or more epigenomes.

    Parameters
    ----------
    epigenomes : Bunch, mapping of name -> Bunch or callable, or an iterable of pairs
        One epigenome (a Bunch with ``train``, ``valid``, ``test``), or several by name. A
        callable value is called inside the worker to load that epigenome, so only one is
        in memory per worker (the simulator provides such loaders; the epigenomes of a
        :func:`skdeepchrome.datasets.load_remc_collection` are read that way too).
    models : None, list of str, or dict of name -> estimator
        As in :func:`skdeepchrome.compare.compare_models`.
    scoring, tune, features, reference
        As in :func:`~skdeepchrome.compare.compare_models` (``scoring=None``: the task's
        default metrics).
    n_jobs : int, default=None
        Epigenomes evaluated in parallel (joblib).
    random_state : int or None
        Seeds every model; the same seed gives the same table on CPU.
    scheduler : str or distributed.Client, optional
        Evaluate the epigenomes on a ``dask.distributed`` cluster.
    verbose : int, default=1
    task : {"classification", "regression"}, default="classification"
        Regression needs a continuous ``target`` in every split (e.g. through
        :func:`expression_target`); it is scored by R², Pearson and Spearman correlation
        and ranked by R².
    record_dir : str or Path, optional
        Record each epigenome in this folder as soon as its last model is fitted; an
        interrupted run keeps them.
    resume : bool, default=False
        Continue the run recorded in ``record_dir``: check that the data, models,
        parameters, seed and package version are the recorded ones (``ValueError`` naming
        what differs), skip the recorded epigenomes and fit the rest. The result equals an
        uninterrupted run's (each epigenome's seeds do not depend on which ran before).
        Without it, a record already in ``record_dir`` is replaced.
    keep_going : bool, default=False
        When a fit fails (an exception, or its worker process dies), leave its epigenome
        out, list it in ``info["failures"]`` and the caveats, and finish the rest. Without
        it the run stops with :class:`~skdeepchrome.exceptions.UnitFailedError` naming
        the epigenome and model.

    Returns
    -------
    ComparisonResult
        ``unit="epigenome"``. With several epigenomes, tests are Wilcoxon signed-rank tests
        across epigenomes; with one, a paired bootstrap of the test-set AUC (or, for
        regression, R²) difference. For every epigenome named as a REMC epigenome with a
        published DeepChrome AUC (:func:`skdeepchrome.datasets.published_aucs`),
        ``info["published"]`` sets that figure beside each model's measured AUC, with the
        difference and the epigenome's genes per split, and ``info["published_notes"]``
        says which epigenomes are not the release (other genes, split sizes, bins), so
        that the difference is not read as a failed reproduction; the report and the
        command line show both.
    """
    items = _epigenome_items(epigenomes)
    names = [name for name, _ in items]
    task = check_task(task)
    scoring = check_scoring(scoring, task)
    (seed,) = derive_seeds(random_state, 1)
    names_of_models = requested_model_names(models, task)
    run = uuid.uuid4().hex  # a worker's cached epigenome is never one of another run
    # One task per (epigenome, model), epigenome by epigenome: the progress bar moves with
    # each fit, and a worker usually fits the next model on the epigenome it has loaded;
    # with several workers the networks' long fits start a little ahead (networks_ahead).
    # Every epigenome gets the same model seeds, whichever ran before it, so a resumed run
    # reproduces an uninterrupted one.
    units = {
        name: [(model, delayed(_evaluate_and_describe)(
            source, models, evaluate=evaluate_epigenome, scoring=scoring, tune=tune,
            random_state=seed, features=features, name=name, task=task, only=model,
            ceiling=model == names_of_models[-1], cache_key=(run, name)))
            for model in names_of_models]
        for name, source in items
    }
    record = open_record(
        record_dir, resume=resume, protocol="paper",
        data={name: source_fingerprint(source) for name, source in items},
        models=describe_models(models),
        parameters=dict(scoring=list(scoring), tune=_stable_tune(tune), features=features,
                        task=task),
        seed=random_state, units=names)
    try:
        done, failed = run_units(
            units, _epigenome_result, record=record, keep_going=keep_going, n_jobs=n_jobs,
            scheduler=scheduler, verbose=verbose, what="epigenome",
            desc=f"fits ({len(names_of_models)} models x {len(items)} epigenomes)",
            rank=networks_ahead(models if isinstance(models, dict) else names_of_models,
                                2 if scheduler is not None else effective_n_jobs(n_jobs)))
    finally:
        _LOADED.clear()  # this process's copies, when the fits ran here
    require_finished(done, failed, "epigenome")
    table = pd.DataFrame([row for result in done.values() for row in result.rows])
    predictions = pd.concat([r.predictions for r in done.values() if len(r.predictions)],
                            ignore_index=True)
    tests = epigenome_tests(table, predictions, reference, scoring, seed, task)
    info = dict(protocol="train / valid / test (DeepChrome paper)", task=task, epigenomes=names,
                scoring=list(scoring), tune=bool(tune), random_state=random_state,
                features=features)
    if failed:
        info["failures"] = failure_records(failed)
    published, notes = published_beside_measured(
        table, {name: result.extras.get("layout") for name, result in done.items()}, task)
    if published:
        info["published"] = published
        info["published_notes"] = notes
    return ComparisonResult(table, unit="epigenome", tests=tests, predictions=predictions,
                            reference=reference, info=info, task=task)
