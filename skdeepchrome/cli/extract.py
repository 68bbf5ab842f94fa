"""``skdeepchrome extract``: genome tracks and a gene annotation to a model-ready dataset."""

from __future__ import annotations

import sys
from pathlib import Path

from ..genome._vocabulary import ANNOTATION_FORMATS, MODES, STATISTICS
from ._options import add_n_jobs, add_renamed

#: deeptools' --averageTypeBins values, and the --statistic each one is (None: not offered).
AVERAGE_TYPE_BINS = {"mean": "mean", "max": "max", "min": "min", "sum": "sum",
                     "median": None, "std": None}
#: Bases each side of the TSS when neither --flank nor --upstream/--downstream is given.
DEFAULT_FLANK = 5000


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "extract",
        help="bin bigWig signal and/or read counts around each gene's TSS into a dataset",
        description=(
            "Bin histone-mark signal (bigWig) and/or aligned reads (BAM, tagAlign/BED) in a "
            "window around each gene's TSS, deeptools-style (reference point TSS, "
            "upstream/downstream flank, bin size, per-bin statistic, missing data as zero), "
            "and write a dataset every other command reads: .npz, or the REMC/DeepChrome "
            "CSV layout for a PATH ending in .csv or .csv.gz (a comment line records the bin "
            "width and window, a header row the marks). deeptools' spellings are accepted: "
            "-b/--upstream, -a/--downstream, --binSize, --averageTypeBins. Marks are ordered "
            "as given: "
            "every --track, then every --reads. With --expression, genes without an "
            "expression value are reported and left out, the target is high/low expression "
            "(above the median of every gene of the expression table, DeepChrome's rule; "
            "see --label-median) and the expression stored is log1p."
        ),
    )
    parser.add_argument("--genes", required=True, type=Path, metavar="ANNOTATION",
                        help="gene annotation: GTF, GFF3 or BED6 (gzip allowed)")
    parser.add_argument("--format", choices=ANNOTATION_FORMATS, default=None,
                        help="the annotation's format, when its name does not say "
                        "(.gtf, .gff3, .bed, optionally .gz)")
    parser.add_argument("--track", action="append", default=[], metavar="MARK=BIGWIG",
                        help="a bigWig track, e.g. H3K4me3=E003-H3K4me3.fc.signal.bigwig "
                        "(repeat for each mark)")
    parser.add_argument("--reads", action="append", default=[], metavar="MARK=FILE",
                        help="aligned reads: a sorted BAM or a tagAlign/BED file, e.g. "
                        "H3K27me3=E003-H3K27me3.tagAlign.gz (repeat for each mark)")
    parser.add_argument("--expression", type=Path, metavar="TABLE",
                        help="expression table giving the labels: Roadmap's "
                        "57epigenomes.RPKM.pc(.gz), Salmon quant.sf, RSEM *.results, "
                        "featureCounts, kallisto abundance.tsv, GCT or a gene,value TSV/CSV "
                        "(the format is detected)")
    parser.add_argument("--expression-column", metavar="COLUMN", default=None,
                        help="the expression table's column to use, e.g. E003, or a "
                        "quantity such as TPM, NumReads, expected_count (default per format)")
    add_renamed(parser, "--epigenome", "--expression-column", "expression_column",
                why="in extract it named the expression table's column; elsewhere "
                "--epigenome chooses an epigenome of --data")
    parser.add_argument("--expression-format", default=None, metavar="FORMAT",
                        help="skip format detection: table, headerless, salmon, kallisto, "
                        "rsem, rsem-isoforms, featurecounts or gct")
    parser.add_argument("--tx2gene", type=Path, metavar="MAP",
                        help="transcript -> gene map for a transcript-level table (Salmon, "
                        "kallisto, RSEM isoforms): a GTF with transcript records or a "
                        "two-column file; transcripts are summed per gene")
    parser.add_argument("--label-median", choices=("table", "extracted"), default="table",
                        help="the median that splits high from low: of every gene in the "
                        "expression table's column (default; DeepChrome labels genes against "
                        "the median of all 19,795 protein-coding genes of the epigenome, so a "
                        "gene's label does not depend on which genes were extracted with it), "
                        "or of the extracted genes only")
    parser.add_argument("--out", required=True, type=Path, metavar="PATH",
                        help="output: .npz, or .csv / .csv.gz for the REMC CSV layout "
                        "(needs --expression)")
    parser.add_argument("--flank", type=int, default=None,
                        help=f"bases upstream and downstream of the TSS (default "
                        f"{DEFAULT_FLANK}); or set each side with --upstream/--downstream")
    parser.add_argument("-b", "--upstream", "--beforeRegionStartLength", type=int,
                        default=None, dest="upstream",
                        help=f"bases upstream of the TSS (deeptools' -b; default {DEFAULT_FLANK})")
    parser.add_argument("-a", "--downstream", "--afterRegionStartLength", type=int,
                        default=None, dest="downstream",
                        help=f"bases downstream of the TSS (deeptools' -a; default "
                        f"{DEFAULT_FLANK})")
    parser.add_argument("--bin-size", "--binSize", type=int, default=100, dest="bin_size",
                        help="bases per bin (default 100)")
    parser.add_argument("--statistic", choices=STATISTICS, default=None,
                        help="per-bin statistic of bigWig signal (default mean)")
    parser.add_argument("--averageTypeBins", default=None, metavar="TYPE",
                        dest="average_type_bins",
                        help="deeptools' name for --statistic: mean, max, min or sum "
                        "(median and std are not offered)")
    parser.add_argument("--feature", default="gene",
                        help="GTF/GFF3 feature type to read (default gene)")
    parser.add_argument("--gene-types", default="protein_coding",
                        help="comma-separated gene types to keep, or 'all' "
                        "(default protein_coding)")
    parser.add_argument("--read-mode", choices=MODES, default="overlap",
                        help="count a read in every bin it overlaps (bedtools multicov, the "
                        "default) or at its 5' end")
    parser.add_argument("--shift", type=int, default=0,
                        help="with --read-mode 5prime, shift 5' ends this many bases 3'-wards")
    parser.add_argument("--min-mapq", type=int, default=0,
                        help="BAM: skip alignments with a lower mapping quality (default 0)")
    parser.add_argument("--keep-duplicates", action="store_true",
                        help="BAM: count reads flagged as duplicates (skipped by default)")
    add_n_jobs(parser)
    parser.add_argument("--quiet", action="store_true", help="no progress bars or summary")
    parser.set_defaults(func=run)
    return parser


def _pairs(values, option):
    pairs = {}
    for value in values:
        mark, sep, path = value.partition("=")
        if not sep or not mark or not path:
            raise ValueError(f"{option} expects MARK=PATH, e.g. {option} H3K4me3=a.bw; "
                             f"got {value!r}.")
        if mark in pairs:
            raise ValueError(f"mark {mark!r} is given twice ({option}).")
        pairs[mark] = Path(path)
    return pairs


def _window(args):
    """``(upstream, downstream)`` from --flank or -b/-a, each a whole number of bins."""
    if args.flank is not None and (args.upstream is not None or args.downstream is not None):
        raise ValueError("--flank sets both sides of the TSS; give either --flank or "
                         "--upstream/--downstream (-b/-a).")
    flank = DEFAULT_FLANK if args.flank is None else args.flank
    sides = [("--flank" if args.flank is not None or value is None else option,
              flank if value is None else value)
             for option, value in (("--upstream", args.upstream),
                                   ("--downstream", args.downstream))]
    if args.bin_size < 1:
        raise ValueError(f"--bin-size must be a positive number of bases, got "
                         f"{args.bin_size}.")
    for option, value in sides:
        if value < 1:
            raise ValueError(f"{option} must be a positive number of bases, got {value}.")
        if value % args.bin_size:
            raise ValueError(f"{option} {value} is not a multiple of --bin-size "
                             f"{args.bin_size}; the window must hold whole bins.")
    return sides[0][1], sides[1][1]


def _statistic(args):
    """--statistic, or deeptools' --averageTypeBins mapped onto it."""
    if args.average_type_bins is None:
        return args.statistic or "mean"
    given = args.average_type_bins.lower()
    if given not in AVERAGE_TYPE_BINS:
        raise ValueError(f"--averageTypeBins {args.average_type_bins}: deeptools' types are "
                         f"{', '.join(AVERAGE_TYPE_BINS)}.")
    statistic = AVERAGE_TYPE_BINS[given]
    if statistic is None:
        raise ValueError(f"--averageTypeBins {given} is not offered: skdeepchrome bins "
                         f"bigWig signal by {', '.join(STATISTICS)} (--statistic).")
    if args.statistic is not None and args.statistic != statistic:
        raise ValueError(f"--averageTypeBins {given} contradicts --statistic "
                         f"{args.statistic}; give one of them.")
    return statistic


def _crop(X, n_marks, flank, upstream, downstream, bin_size):
    """The bins of [-upstream, downstream) out of an extraction over +/- ``flank``."""
    if upstream == downstream == flank:
        return X
    X3 = X.reshape(len(X), n_marks, -1)
    start, stop = (flank - upstream) // bin_size, (flank + downstream) // bin_size
    return X3[:, :, start:stop].reshape(len(X), -1)


def _output_kind(path):
    name = path.name.lower()
    if name.endswith((".csv", ".csv.gz")):
        return "csv"
    if name.endswith(".npz"):
        return "npz"
    raise ValueError(f"--out {path}: the name must end in .npz, .csv or .csv.gz.")


def run(args):
    import numpy as np

    from ..datasets import (
        align_expression,
        binarize_expression,
        log_expression,
        read_expression_table,
        save_deepchrome_csv,
        save_npz_dataset,
    )
    from ..genome import count_reads, extract_signal, read_tss
    from ._messages import check_text_file

    kind = _output_kind(args.out)
    if kind == "csv" and args.expression is None:
        raise ValueError(
            f"--out {args.out}: the REMC CSV layout needs a label per gene; pass --expression "
            f"(and --epigenome), or write .npz."
        )
    tracks = _pairs(args.track, "--track")
    reads = _pairs(args.reads, "--reads")
    if not tracks and not reads:
        raise ValueError("give at least one --track MARK=BIGWIG or --reads MARK=FILE.")
    shared = sorted(set(tracks) & set(reads))
    if shared:
        raise ValueError(f"mark(s) {shared} given both as --track and --reads.")
    if args.expression_column is not None and args.expression is None:
        raise ValueError("--expression-column needs --expression.")
    if not args.out.parent.is_dir():
        raise FileNotFoundError(f"--out {args.out}: folder {args.out.parent} does not exist.")
    if args.out.is_dir():
        raise ValueError(f"--out {args.out}: is a folder; name the dataset file to write.")
    if args.n_jobs == 0:
        raise ValueError("--n-jobs 0 runs nothing; give a number of processes or -1 for "
                         "every core.")
    upstream, downstream = _window(args)
    statistic = _statistic(args)
    # Both readers take a window centred on the TSS: read the wider side's, then crop.
    flank = max(upstream, downstream)
    for option, path in (("--genes", args.genes), ("--expression", args.expression)):
        if path is not None:
            if not path.is_file():
                raise FileNotFoundError(f"{option} {path}: no such file.")
            check_text_file(path, "a text table", option=option)

    # Labels are read before the (slow) extraction so that a bad table fails fast.
    table_expression = None
    if args.expression is not None:
        table_expression = read_expression_table(
            args.expression, epigenome=args.expression_column, format=args.expression_format,
            tx2gene=args.tx2gene)

    gene_types = None if args.gene_types.strip().lower() == "all" else tuple(
        t.strip() for t in args.gene_types.split(",") if t.strip())
    tss = read_tss(args.genes, feature=args.feature, gene_types=gene_types, format=args.format)
    progress = not args.quiet
    blocks, marks, metadata = [], [], {}
    if tracks:
        signal = extract_signal(tss, tracks, flank=flank, bin_size=args.bin_size,
                                statistic=statistic, n_jobs=args.n_jobs,
                                progress=progress)
        blocks.append(_crop(signal.data, len(signal.marks), flank, upstream, downstream,
                            args.bin_size))
        marks += list(signal.marks)
        metadata["tracks"] = signal.files
        metadata["statistic"] = statistic
    if reads:
        counts = count_reads(tss, reads, flank=flank, bin_size=args.bin_size,
                             mode=args.read_mode, shift=args.shift, min_mapq=args.min_mapq,
                             keep_duplicates=args.keep_duplicates, n_jobs=args.n_jobs,
                             progress=progress)
        blocks.append(_crop(counts.data, len(counts.marks), flank, upstream, downstream,
                            args.bin_size))
        marks += list(counts.marks)
        metadata.update(reads=counts.files, read_mode=args.read_mode, shift=args.shift,
                        min_mapq=args.min_mapq, keep_duplicates=args.keep_duplicates)
    X = np.concatenate(blocks, axis=1) if len(blocks) > 1 else blocks[0]
    gene_ids = tss["gene_id"].to_numpy().astype(str)

    target = expression = None
    if table_expression is not None:
        aligned = align_expression(gene_ids, table_expression)
        matched = aligned.matched
        n_missing = aligned.n_total - aligned.n_matched
        if n_missing:
            print(
                f"skdeepchrome extract: {n_missing} of {aligned.n_total} genes have no "
                f"expression in {args.expression}"
                + (f" ({args.expression_column})" if args.expression_column else "")
                + f" and are left out of {args.out}; e.g. "
                f"{aligned.unmatched_ids[:3].tolist()}.",
                file=sys.stderr,
            )
        X, gene_ids = X[matched], gene_ids[matched]
        values = aligned.expression[matched]
        if args.label_median == "table":
            # The whole column, not just the genes extracted: a gene list or a GTF subset
            # would otherwise move the threshold and relabel genes.
            median_of = table_expression.to_numpy(dtype=float)
            rule = f"1 when expression > the median of all {len(median_of)} genes of the table"
        else:
            median_of = values
            rule = f"1 when expression > the median of the {len(values)} extracted genes"
        _, threshold = binarize_expression(median_of, return_threshold=True)
        target = binarize_expression(values, threshold)
        expression = log_expression(values)
        metadata.update(expression_table=str(args.expression),
                        expression_column=args.expression_column,
                        epigenome=args.expression_column,
                        n_genes_without_expression=int(n_missing),
                        label_rule=rule, label_threshold=threshold)

    # The width and window travel with the file, so every command reads it untold.
    window = (-upstream, downstream)
    if kind == "csv":
        save_deepchrome_csv(args.out, X, target, gene_ids, marks=marks, header=True,
                            bin_size=args.bin_size, window=window,
                            statistic=metadata.get("statistic"),
                            expression_column=args.expression_column)
    else:
        symmetric = {"flank": upstream} if upstream == downstream else {}
        save_npz_dataset(args.out, X, gene_ids=gene_ids, marks=marks, target=target,
                         expression=expression, annotation=str(args.genes),
                         bin_size=args.bin_size, window=window, feature=args.feature,
                         gene_types=list(gene_types) if gene_types else None, **symmetric,
                         **metadata)
    if not args.quiet:
        n_bins = (upstream + downstream) // args.bin_size
        print(f"skdeepchrome extract: wrote {len(gene_ids)} genes x {len(marks)} marks x "
              f"{n_bins} bins to {args.out}.", file=sys.stderr)
    return 0
