"""What the sub-commands print and save at the end of a run: summaries, provenance, folders."""

from __future__ import annotations


def print_summary(result, out, written, seconds):
    from ..report._formatting import format_p

    print(f"\n{result.info['protocol']}: {result.table[result.unit].nunique()} "
          f"{result.unit}(s), {seconds:.0f} s")
    print(result.summary_table().to_string())
    if len(result.tests):
        shown = result.tests[result.tests["metric"] == result.metrics[0]]
        print(f"\n{shown['test'].iloc[0]}, {result.reference} vs:")
        for row in shown.itertuples():
            print(f"  {row.model:<18} difference {row.mean_difference:+.4f}   "
                  f"p = {format_p(row.p_value)}" + (f"   ({row.note})" if row.note else ""))
    for caveat in result.caveats:
        print(f"note: {caveat}")
    print(f"\nreport: {out}/ ({', '.join(sorted(written))})")
