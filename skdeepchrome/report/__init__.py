"""Reports: the files a comparison or an interpretation leaves behind.

:func:`write_report` writes a :class:`~skdeepchrome.compare.ComparisonResult` as tables
(CSV), ``report.json``, ``report.md``, a self-contained ``report.html`` and pictures;
:func:`write_interpretation_report` does the same for ``skdeepchrome interpret``, whose
sentences :func:`interpretation_summary` draws from the measures the report shows.
:func:`versions` and :func:`data_fingerprint` record how a report was made.
"""

from ._comparison import own_files, picture_names, write_report
from ._interpretation import interpretation_summary, write_interpretation_report
from ._provenance import data_fingerprint, versions

__all__ = [
    "data_fingerprint",
    "interpretation_summary",
    "own_files",
    "picture_names",
    "versions",
    "write_interpretation_report",
    "write_report",
]
