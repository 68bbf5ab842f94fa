"""Chromosome names: matching an annotation's names to a track's.

UCSC-style files say ``chr1`` and ``chrM``, Ensembl-style ones ``1`` and ``MT``. A
gene annotation and a bigWig or BAM file from different sources often disagree, and a
silent mismatch turns every gene into a row of zeros. Names are therefore matched
exactly first and through the usual aliases second, and a track that shares no
chromosome with the annotation is an error.
"""

from __future__ import annotations

#: chr1's length in common assemblies: one number tells them apart, so a message can say
#: which assembly a file seems to use.
CHR1_LENGTHS = {
    249_250_621: "hg19/GRCh37",
    248_956_422: "hg38/GRCh38",
    197_195_432: "mm9/NCBI37",
    195_471_971: "mm10/GRCm38",
    195_154_279: "mm39/GRCm39",
}


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


def assembly_of(lengths):
    """The assembly a file's chromosome lengths look like, from chr1's length, or None.

    Examples
    --------
    >>> assembly_of({"chr1": 249250621, "chr2": 243199373}), assembly_of({"1": 248956422})
    ('hg19/GRCh37', 'hg38/GRCh38')
    >>> assembly_of({"scaffold_1": 1000}) is None
    True
    """
    for name in ("chr1", "1"):
        if name in lengths:
            return CHR1_LENGTHS.get(int(lengths[name]))
    return None


def _seems(lengths):
    assembly = assembly_of(lengths)
    return f", which looks like {assembly}" if assembly else ""


def require_same_assembly(file_lengths, what="track"):
    """Raise when files come from two different known assemblies.

    Tracks of one dataset must come from one assembly: a bigWig of hg19 and one of hg38
    both have a ``chr1``, so names alone would let them through, and each gene would get
    signal from two different places. Only assemblies told apart by chr1's length
    (:data:`CHR1_LENGTHS`) are refused; other length differences are let through, since
    harmless ones exist (hg19's UCSC ``chrM`` is 16,571 bp, GRCh37's ``MT`` 16,569 bp) and
    each file is read with its own lengths.

    Parameters
    ----------
    file_lengths : dict of path -> dict of chromosome -> length
    what : str
        What the files are, for the message.

    Examples
    --------
    >>> require_same_assembly({"a.bw": {"chr1": 249250621}, "b.bw": {"1": 248956422}})
    ... # doctest: +ELLIPSIS +NORMALIZE_WHITESPACE
    Traceback (most recent call last):
    ...
    ValueError: b.bw: chromosome '1' is 248956422 bp here, which looks like hg38/GRCh38,
    but 'chr1' is 249250621 bp in a.bw, which looks like hg19/GRCh37; ...
    """
    items = [(str(path), {str(c): int(n) for c, n in lengths.items()})
             for path, lengths in file_lengths.items()]
    known = [(path, lengths, assembly_of(lengths)) for path, lengths in items]
    known = [item for item in known if item[2] is not None]
    if not known:
        return
    first_path, first, first_assembly = known[0]
    for path, lengths, assembly in known[1:]:
        if assembly != first_assembly:
            chrom = "chr1" if "chr1" in first else "1"
            other = "chr1" if "chr1" in lengths else "1"
            raise ValueError(
                f"{path}: chromosome {other!r} is {lengths[other]} bp here{_seems(lengths)}, "
                f"but {chrom!r} is {first[chrom]} bp in {first_path}{_seems(first)}; every "
                f"{what} must come from the same assembly as the annotation."
            )
