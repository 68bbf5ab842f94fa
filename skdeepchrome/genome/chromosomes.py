"""Chromosome names: matching an annotation's names to a track's.

UCSC-style files say ``chr1`` and ``chrM``, Ensembl-style ones ``1`` and ``MT``. A
gene annotation and a bigWig or BAM file from different sources often disagree, and a
silent mismatch turns every gene into a row of zeros. Names are therefore matched
exactly first and through the usual aliases second, and a track that shares no
chromosome with the annotation is an error.
"""

from __future__ import annotations


def chromosome_aliases(name):
    """Other spellings of a chromosome name, most likely first.

    Parameters
    ----------
    name : str

    Returns
    -------
    tuple of str

    Examples
    --------
    >>> chromosome_aliases("chr1"), chromosome_aliases("MT"), chromosome_aliases("chrM")
    (('1',), ('chrM', 'chrMT', 'M'), ('MT', 'M', 'chrMT'))
    """
    name = str(name)
    if name.startswith("chr"):
        bare = name[3:]
        if bare == "M":
            return ("MT", "M", "chrMT")
        if bare == "MT":
            return ("MT", "chrM", "M")
        return (bare,)
    if name in ("MT", "M"):
        return ("chrM", "chrMT", "M" if name == "MT" else "MT")
    return ("chr" + name,)


def match_chromosomes(wanted, available):
    """Map each wanted chromosome name to its spelling among ``available``.

    Parameters
    ----------
    wanted : iterable of str
        Names used by the annotation.
    available : iterable of str
        Names used by a track.

    Returns
    -------
    dict
        ``{wanted_name: available_name}`` for every wanted name that has an exact or
        aliased match; unmatched names are absent.

    Examples
    --------
    >>> match_chromosomes(["chr1", "chrM", "chrUn"], ["1", "MT", "2"])
    {'chr1': '1', 'chrM': 'MT'}
    """
    available = list(dict.fromkeys(map(str, available)))
    present = set(available)
    mapping = {}
    for name in dict.fromkeys(map(str, wanted)):
        if name in present:
            mapping[name] = name
            continue
        for alias in chromosome_aliases(name):
            if alias in present:
                mapping[name] = alias
                break
    return mapping


def require_shared_chromosomes(mapping, wanted, available, path, what="track"):
    """Raise a clear error when an annotation and a file share no chromosome.

    Parameters
    ----------
    mapping : dict
        The result of :func:`match_chromosomes`.
    wanted, available : sequence of str
        The annotation's and the file's chromosome names.
    path : str
        The file, for the message.
    what : str
        What the file is, for the message.

    Examples
    --------
    >>> require_shared_chromosomes({}, ["chr1"], ["scaffold_1"], "a.bw")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: a.bw: the track shares no chromosome with the annotation, ...
    """
    if mapping:
        return
    wanted = sorted(set(map(str, wanted)))
    available = sorted(set(map(str, available)))
    raise ValueError(
        f"{path}: the {what} shares no chromosome with the annotation, even allowing for "
        f"'chr1' vs '1' and 'chrM' vs 'MT' naming; annotation chromosomes "
        f"{_preview(wanted)}, {what} chromosomes {_preview(available)}. Are they from the "
        f"same assembly?"
    )


def _preview(names, limit=6):
    shown = ", ".join(repr(n) for n in names[:limit])
    more = f", ... ({len(names)} in all)" if len(names) > limit else ""
    return f"[{shown}{more}]"
