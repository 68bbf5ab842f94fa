"""The result of a comparison: tidy table, ranked summary, paired tests and report text.

:class:`ComparisonResult` is what :func:`skdeepchrome.compare.compare_models` and every
protocol of :mod:`skdeepchrome.compare` returns; :meth:`ComparisonResult.save` writes the
report files.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..baselines import CEILING
from ..report import write_report
from ..report._formatting import format_p, json_records, markdown_table
from ._running import failures_in_words
from ._significance import TEST_COLUMNS, bootstrap_auc, minimum_wilcoxon_p

#: Fewer test genes than this per fold or epigenome and the report warns that the tests and
#: intervals rest on too little data.
MIN_TEST_GENES = 100
#: Resamples of the bootstrap interval of each model's AUC.
INTERVAL_RESAMPLES = 1000



class ComparisonResult:
    """What a comparison produced: a tidy table, a summary, paired tests, predictions.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per model x unit x metric: columns ``model``, ``<unit>``, ``metric``,
        ``value``, ``fit_seconds``, ``predict_seconds``. A ``ceiling`` model holds the Bayes
        posterior's scores when the data carry one (the simulator).
    unit : {"fold", "epigenome"}
        What the rows are repeated over.
    tests : pandas.DataFrame
        Paired tests of ``reference`` against each other model.
    predictions : pandas.DataFrame
        Held-out predictions: ``model``, ``<unit>``, ``gene``, ``y_true``, ``score``.
    reference : str
        The model the others are tested against (the CNN).
    info : dict
        Settings and data sizes, written into the report.
    task : {"classification", "regression"}, default="classification"
        For regression, ``y_true`` holds the continuous target and ``score`` the
        predictions, and there is no ceiling row.

    Attributes
    ----------
    summary : pandas.DataFrame
        Per model: mean, sd and median of each metric over units, rank on the first metric
        (1 = best; the ceiling is not ranked), and wins (units where the model scored best).
    """

    def __init__(self, table, *, unit, tests, predictions, reference, info,
                 task="classification"):
        self.table = table
        self.unit = unit
        self.tests = tests
        self.predictions = predictions
        self.reference = reference
        self.info = info
        self.task = task
        self._intervals = None
        self._unit_aucs = {}
        self._unit_table = None
        self.tests = self._in_rank_order(tests)

    def _in_rank_order(self, tests):
        """The tests ordered as the summary: by metric, then by the model's rank."""
        tests = tests.copy()
        if "note" not in tests.columns:
            tests["note"] = ""
        tests["note"] = tests["note"].fillna("")
        if not len(tests):
            return tests.reindex(columns=TEST_COLUMNS)
        rank = {m: i for i, m in enumerate(self.ranked_models)}
        metric = {m: i for i, m in enumerate(self.metrics)}
        key = tests["metric"].map(metric).fillna(len(metric)) * 1000 + tests["model"].map(
            rank).fillna(999)
        return tests.iloc[np.argsort(key.to_numpy(), kind="stable")].reset_index(drop=True)

    @property
    def ranked_models(self):
        """The models (not the ceiling), best first: the order of every table and picture."""
        return [m for m in self._ranked_summary().index if m != CEILING]

    @property
    def intervals(self):
        """Bootstrap 95 % interval of each model's mean ROC AUC over units.

        Genes are resampled within each fold or epigenome, the AUC recomputed per unit and
        averaged, :data:`INTERVAL_RESAMPLES` times; the interval is the 2.5th and 97.5th
        percentile. Empty for regression.
        """
        if self._intervals is None:
            rows, self._unit_aucs = {}, {}
            if self.task != "regression" and "roc_auc" in self.metrics:
                seed = self.info.get("random_state")
                for model, group in self.predictions.groupby("model", sort=False):
                    per_unit = []
                    for i, (unit, part) in enumerate(group.groupby(self.unit, sort=True)):
                        per_unit.append(bootstrap_auc(
                            part["y_true"].to_numpy(), part["score"].to_numpy(),
                            n_boot=INTERVAL_RESAMPLES,
                            random_state=None if seed is None else int(seed) + i))
                        # Kept for :meth:`unit_table`: each unit's own interval.
                        self._unit_aucs[model, unit] = per_unit[-1]
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN resamples
                        mean = np.nanmean(np.vstack(per_unit), axis=0)
                    mean = mean[np.isfinite(mean)]
                    low, high = (np.percentile(mean, [2.5, 97.5]) if len(mean)
                                 else (np.nan, np.nan))
                    rows[model] = {"roc_auc_ci_low": low, "roc_auc_ci_high": high}
            self._intervals = pd.DataFrame.from_dict(
                rows, orient="index", columns=["roc_auc_ci_low", "roc_auc_ci_high"])
        return self._intervals

    def unit_table(self):
        """Each fold's or epigenome's own score of every model, with its own interval.

        One row per model x unit (the ceiling too, when the data have one): the first
        metric's value, for ROC AUC the bootstrap 95 % interval over that unit's test
        genes alone (the very resamples :attr:`intervals` averages), and the unit's Bayes
        ceiling where known. Epigenomes of different cells are not draws of one
        population; this table reports each on its own.

        Returns
        -------
        pandas.DataFrame
            Columns ``<unit>``, ``model``, ``metric``, ``value``, ``ci_low``, ``ci_high``,
            ``ceiling``.
        """
        if self._unit_table is not None:
            return self._unit_table.copy()
        metric = self.metrics[0]
        table = self.table[self.table["metric"] == metric]
        ceilings = table[table["model"] == CEILING].groupby(self.unit)["value"].first()
        units = sorted(self.predictions[self.unit].unique())
        if metric == "roc_auc" and self.task != "regression":
            self.intervals  # noqa: B018  (its resamples, each unit's, are kept)
        rows = []
        for model in [CEILING, *self.ranked_models]:
            for unit in units:
                value = table.loc[(table["model"] == model) & (table[self.unit] == unit),
                                  "value"]
                if not len(value):
                    continue
                low = high = np.nan
                aucs = self._unit_aucs.get((model, unit))
                if aucs is not None and np.isfinite(aucs).any():
                    low, high = np.percentile(aucs[np.isfinite(aucs)], [2.5, 97.5])
                rows.append({self.unit: unit, "model": model, "metric": metric,
                             "value": float(value.iloc[0]), "ci_low": low, "ci_high": high,
                             "ceiling": float(ceilings.get(unit, np.nan))})
        self._unit_table = pd.DataFrame(rows, columns=[self.unit, "model", "metric", "value",
                                                       "ci_low", "ci_high", "ceiling"])
        return self._unit_table.copy()

    @property
    def caveats(self):
        """Plain sentences on what the data cannot support (printed and in the report)."""
        notes = []
        counts = self.predictions.groupby(["model", self.unit]).size()
        if len(counts) and counts.min() < MIN_TEST_GENES:
            notes.append(
                f"only {int(counts.min())} test genes per {self.unit} (fewer than "
                f"{MIN_TEST_GENES}): too few to support a test; read p-values and intervals "
                "as rough."
            )
        n_units = self.table[self.unit].nunique()
        if len(self.tests) and self.tests["test"].str.startswith("Wilcoxon").any():
            smallest = minimum_wilcoxon_p(n_units)
            if smallest > 0.05:
                notes.append(
                    f"with {n_units} epigenomes no two-sided Wilcoxon signed-rank p-value can "
                    f"fall below {smallest:.3g}; 6 or more epigenomes are needed to reach 0.05."
                )
        failures = self.info.get("failures") or []
        if failures:
            failed = list(dict.fromkeys(str(f["unit"]) for f in failures))
            notes.append(
                f"{len(failed)} {self.unit}(s) failed and are left out of every table, "
                f"picture and test: {failures_in_words(failures)}."
            )
        for note in dict.fromkeys(n for n in self.tests.get("note", []) if n):
            notes.append(f"{note}: its p-value is reported as NaN.")
        return notes

    @property
    def metrics(self):
        return list(dict.fromkeys(self.table["metric"]))

    @property
    def models(self):
        return [m for m in dict.fromkeys(self.table["model"]) if m != CEILING]

    @property
    def summary(self):
        summary = self._ranked_summary()
        if len(self.intervals):
            summary = summary.join(self.intervals)
        return summary

    def _ranked_summary(self):
        rows = {}
        primary = self.metrics[0]
        for model, group in self.table.groupby("model", sort=False):
            row = {}
            for metric in self.metrics:
                values = group.loc[group["metric"] == metric, "value"]
                row[f"{metric}_mean"] = values.mean()
                row[f"{metric}_sd"] = values.std(ddof=1) if len(values) > 1 else np.nan
                row[f"{metric}_median"] = values.median()
            row["fit_seconds"] = group.groupby(self.unit)["fit_seconds"].first().mean()
            rows[model] = row
        summary = pd.DataFrame.from_dict(rows, orient="index")
        summary.index.name = "model"
        ranked = summary.drop(index=CEILING, errors="ignore")[f"{primary}_mean"]
        summary["rank"] = ranked.rank(ascending=False, method="min")
        wide = self.table[(self.table["metric"] == primary) & (self.table["model"] != CEILING)]
        wide = wide.pivot(index=self.unit, columns="model", values="value")
        # A tie is a win for every model that reaches the best score.
        best = wide.to_numpy() >= np.nanmax(wide.to_numpy(), axis=1, keepdims=True)
        winners = dict(zip(wide.columns, best.sum(axis=0)))
        summary["wins"] = [winners.get(m, 0) if m != CEILING else np.nan for m in summary.index]
        order = ([CEILING] if CEILING in summary.index else []) + list(
            summary.drop(index=CEILING, errors="ignore").sort_values("rank").index
        )
        return summary.loc[order]

    def summary_table(self, digits=3):
        """The summary as display strings: ``mean ± sd`` per metric, rank and wins."""
        summary = self.summary
        out = pd.DataFrame(index=summary.index)
        for metric in self.metrics:
            mean, sd = summary[f"{metric}_mean"], summary[f"{metric}_sd"]
            out[metric] = [
                f"{m:.{digits}f}" + ("" if np.isnan(s) else f" ± {s:.{digits}f}")
                for m, s in zip(mean, sd)
            ]
        if "roc_auc_ci_low" in summary:
            out["roc_auc 95% CI"] = [
                "" if np.isnan(lo) else f"[{lo:.{digits}f}, {hi:.{digits}f}]"
                for lo, hi in zip(summary["roc_auc_ci_low"], summary["roc_auc_ci_high"])
            ]
        if self.unit == "epigenome" and self.table[self.unit].nunique() > 1:
            out[f"{self.metrics[0]} median"] = summary[f"{self.metrics[0]}_median"].map(
                lambda v: f"{v:.{digits}f}")
        out["rank"] = summary["rank"].map(lambda r: "" if np.isnan(r) else f"{int(r)}")
        out["wins"] = summary["wins"].map(lambda w: "" if np.isnan(w) else f"{int(w)}")
        out["fit s"] = summary["fit_seconds"].map(lambda s: "" if np.isnan(s) else f"{s:.1f}")
        return out

    def to_markdown(self):
        """Markdown: the summary table and the paired tests."""
        lines = [markdown_table(self.summary_table().reset_index())]
        if len(self.tests):
            lines += ["", f"Paired tests of `{self.reference}` against each model:", ""]
            lines.append(markdown_table(self.tests_table()))
        return "\n".join(lines)

    def tests_table(self):
        """The tests as display strings (``n/a`` for an undefined test), in rank order."""
        tests = self.tests.copy()
        for column in ("mean_difference", "statistic"):
            tests[column] = tests[column].map(lambda v: "n/a" if pd.isna(v) else f"{v:.4g}")
        tests["p_value"] = tests["p_value"].map(format_p)
        return tests

    def __str__(self):
        return self.summary_table().to_string()

    def to_dict(self):
        """JSON-ready dict of the summary, the tests, the tidy table and the settings."""
        return {
            "unit": self.unit,
            "reference": self.reference,
            "info": self.info,
            "summary": json_records(self.summary.reset_index()),
            "tests": json_records(self.tests),
            "results": json_records(self.table),
        }

    def save(self, out_dir, *, plots=True):
        """Write CSV, JSON, Markdown, HTML and (with matplotlib) PNG reports into ``out_dir``.

        See :func:`skdeepchrome.report.write_report`; a regression has no ROC curves.
        """
        return write_report(self, out_dir, plots=plots)
