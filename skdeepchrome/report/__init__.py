"""Reports: the files a comparison or an interpretation leaves behind.

:func:`write_report` writes a :class:`~skdeepchrome.compare.ComparisonResult` as tables
(CSV), ``report.json``, ``report.md``, a self-contained ``report.html`` and pictures;
:func:`write_interpretation_report` does the same for ``skdeepchrome interpret``, whose
sentences :func:`interpretation_summary` draws from the measures the report shows.
:func:`versions` and :func:`data_fingerprint` record how a report was made;
:func:`published_table` sets published AUCs beside a paper-protocol run's.
:func:`check_report` tells a reader whether a folder holds one whole report.
"""

from ._comparison import check_report, own_files, picture_names, write_report
from ._interpretation import interpretation_summary, write_interpretation_report
from ._provenance import data_fingerprint, versions
from ._published import published_table, published_text

__all__ = [
    "check_report",
    "data_fingerprint",
    "interpretation_summary",
    "own_files",
    "picture_names",
    "published_table",
    "published_text",
    "versions",
    "write_interpretation_report",
    "write_report",
]
