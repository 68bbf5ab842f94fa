"""One voice across the commands (issue 22, items 1, 2, 3 and 7).

The bin width and window travel from ``extract`` through the files to every command;
every command reads what another writes; one recommended model wherever the package
trains unasked; one meaning per option.
"""

import contextlib
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

from skdeepchrome import load_model
from skdeepchrome.baselines import make_model
from skdeepchrome.cli import build_parser, main
from skdeepchrome.datasets import (
    load_dataset,
    load_deepchrome_csv,
    load_npz_dataset,
    load_remc,
    save_deepchrome_csv,
    save_npz_dataset,
)
from skdeepchrome.estimators import torch_threads

TOY = Path(__file__).resolve().parents[2] / "shared" / "data" / "deepchrome_toy"
DOCS = Path(__file__).resolve().parents[1] / "docs"
N_GENES, SPACING, FLANK, BIN = 48, 20_000, 2000, 200
QUICK_INTERPRET = ["--fast", "--ig-steps", "4", "--repeats", "1", "--max-genes", "60",
                   "--no-plots", "--quiet"]


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    with threadpool_limits(1), torch_threads(1):
        yield


def _gtf_row(start, strand, gene_id):
    attributes = f'gene_id "{gene_id}"; gene_type "protein_coding"; gene_name "{gene_id}";'
    return "\t".join(["chr1", "src", "gene", str(start + 1), str(start + 3000), ".", strand,
                      ".", attributes]) + "\n"


@pytest.fixture(scope="module")
def genome(tmp_path_factory):
    """An annotation, two marks' reads and an expression table: H3K4me3 at the TSS of the
    highly expressed genes, H3K27me3 over the others."""
    pytest.importorskip("pysam")
    tmp = tmp_path_factory.mktemp("genome")
    rng = np.random.default_rng(0)
    gtf, k4, k27, rows = [], [], [], ["gene_id\tE003"]
    for i in range(N_GENES):
        tss = 10_000 + i * SPACING
        gene = f"G{i:03d}"
        gtf.append(_gtf_row(tss, "+", gene))
        high = i % 2 == 0
        rows.append(f"{gene}\t{50.0 + i if high else 1.0 + i / 100}")
        reads = k4 if high else k27
        spread = 300 if high else 1800
        for start in tss + rng.integers(-spread, spread, size=int(rng.integers(8, 16))):
            reads.append(f"chr1\t{start}\t{start + 36}\tN\t1000\t+\n")
    (tmp / "genes.gtf").write_text("".join(gtf))
    (tmp / "k4.tagAlign").write_text("".join(sorted(k4, key=lambda r: int(r.split()[1]))))
    (tmp / "k27.tagAlign").write_text("".join(sorted(k27, key=lambda r: int(r.split()[1]))))
    (tmp / "rpkm.tsv").write_text("\n".join(rows) + "\n")
    return tmp


def _extract(genome, out, *extra):
    argv = ["extract", "--genes", str(genome / "genes.gtf"),
            "--reads", f"H3K4me3={genome / 'k4.tagAlign'}",
            "--reads", f"H3K27me3={genome / 'k27.tagAlign'}",
            "--expression", str(genome / "rpkm.tsv"), "--expression-column", "E003",
            "--n-jobs", "1", "--out", str(out), "--quiet", *extra]
    assert main(argv) == 0
    return out


@pytest.fixture(scope="module")
def extracted(genome):
    """extract's CSV and npz at 200-bp bins over TSS +/- 2 kb: 20 bins, not the paper's 100."""
    return {kind: _extract(genome, genome / f"genes.{kind}", "--flank", str(FLANK),
                           "--bin-size", str(BIN))
            for kind in ("csv", "npz")}


# --- item 1: the files carry the bin width and window -------------------------------------


def test_extract_records_width_window_and_marks_in_both_files(extracted):
    csv, npz = extracted["csv"], extracted["npz"]
    head = csv.read_text().splitlines()[:2]
    assert head == ["# skdeepchrome: bin_size=200 window=-2000,2000 expression_column=E003",
                    "GeneID,BinID,H3K4me3,H3K27me3,label"]
    # pandas reads it as a table as it stands.
    table = pd.read_csv(csv, comment="#")
    assert list(table.columns) == ["GeneID", "BinID", "H3K4me3", "H3K27me3", "label"]
    for ds in (load_deepchrome_csv(csv), load_npz_dataset(npz)):
        assert ds.marks == ("H3K4me3", "H3K27me3") and ds.n_bins == 20
        assert ds.bin_size == 200 and ds.window == (-2000, 2000)
        assert ds.data.bin_size == 200 and ds.data.marks == ds.marks
    np.testing.assert_array_equal(load_deepchrome_csv(csv).data, load_npz_dataset(npz).data)


@pytest.mark.parametrize("kind", ["csv", "npz"])
def test_extract_then_train_fits_the_paper_1kb_filter(extracted, tmp_path, kind):
    model = tmp_path / "model.skdc"
    assert main(["train", "--data", str(extracted[kind]), "--out", str(model),
                 "--max-epochs", "1", "--quiet"]) == 0
    network = load_model(model)[-1]
    # 1 kb at 200 bp is 5 bins (a guess of +/- 5 kb over 20 bins would be 500 bp and 2).
    assert (network.bin_width_, network.kernel_size_) == (200, 5)


def test_asymmetric_deeptools_window(genome, tmp_path):
    # -b/-a/--binSize/--averageTypeBins as deeptools spells them; the window is recorded.
    out = _extract(genome, tmp_path / "asym.npz", "-b", "1000", "-a", "600", "--binSize",
                   "200", "--averageTypeBins", "max")
    whole = _extract(genome, tmp_path / "whole.npz", "--flank", "1000", "--bin-size", "200")
    ds, full = load_npz_dataset(out), load_npz_dataset(whole)
    assert ds.window == (-1000, 600) and ds.n_bins == 8 and ds.bin_size == 200
    assert ds.metadata.get("flank") is None
    # The same bins as the symmetric extraction's first 8 of 10, per mark.
    np.testing.assert_array_equal(np.asarray(ds.data).reshape(-1, 2, 8),
                                  np.asarray(full.data).reshape(-1, 2, 10)[:, :, :8])


def test_the_release_and_the_toy_carry_the_release_width(tmp_path):
    X = np.arange(2 * 5 * 4, dtype=float).reshape(2, 20)
    path = save_deepchrome_csv(tmp_path / "plain.csv", X, [0, 1], ["a", "b"])
    ds = load_deepchrome_csv(path, n_bins=4)
    assert ds.bin_size == 100 and ds.window == (-200, 200)  # the format's 100-bp bins
    if TOY.is_dir():
        toy = load_remc(TOY)
        assert toy.bin_size == 100 and toy.window == (-5000, 5000)
        assert toy.train.data.bin_size == 100


def test_npz_stores_and_restores_width_and_window(tmp_path):
    X = np.ones((3, 2 * 6))
    path = save_npz_dataset(tmp_path / "d.npz", X, gene_ids=["a", "b", "c"], marks=["A", "B"],
                            bin_size=500, window=(-2000, 1000))
    ds = load_dataset(path)
    assert (ds.bin_size, ds.window, ds.data.bin_size) == (500, (-2000, 1000), 500)
    with pytest.raises(ValueError, match="spans 3000 bp but 6 bins of 100 bp"):
        save_npz_dataset(tmp_path / "e.npz", X, gene_ids=["a", "b", "c"], marks=["A", "B"],
                         bin_size=100, window=(-2000, 1000))


# --- item 2: every command reads what another writes --------------------------------------


@pytest.mark.parametrize("kind", ["csv", "npz"])
def test_predict_compare_and_interpret_read_extract_output(extracted, tmp_path, kind):
    data = str(extracted[kind])
    model = tmp_path / "m.skdc"
    assert main(["train", "--data", data, "--out", str(model), "--model", "deepchrome_paper",
                 "--max-epochs", "1", "--quiet"]) == 0
    assert main(["predict", "--model", str(model), "--data", data, "--out",
                 str(tmp_path / "p.csv"), "--quiet"]) == 0
    assert len(pd.read_csv(tmp_path / "p.csv")) == N_GENES
    assert main(["compare", "--data", data, "--cv", "2", "--models", "logistic", "--n-jobs",
                 "1", "--no-plots", "--quiet", "--out", str(tmp_path / "report")]) == 0
    assert main(["interpret", "--data", data, "--out", str(tmp_path / "why"),
                 *QUICK_INTERPRET]) == 0
    importance = pd.read_csv(tmp_path / "why" / "mark_importance.csv")
    assert sorted(importance["mark"]) == ["H3K27me3", "H3K4me3"]


def test_train_and_predict_name_the_marks_of_a_file_that_does_not(tmp_path, capsys):
    # A headerless CSV of two marks: the error names --marks, which train now has.
    rng = np.random.default_rng(0)
    X, y = rng.poisson(2.0, size=(40, 2 * 100)).astype(float), np.arange(40) % 2
    X[y == 1, 40:60] += 5
    data = save_deepchrome_csv(tmp_path / "two.csv", X, y, [f"g{i}" for i in range(40)],
                               marks=["A", "B"])
    model = tmp_path / "m.skdc"
    argv = ["train", "--data", str(data), "--out", str(model), "--model", "deepchrome_paper",
            "--max-epochs", "1", "--quiet"]
    assert main(argv) == 2
    assert "Pass --marks naming the file's 2 mark columns" in capsys.readouterr().err
    assert main([*argv, "--marks", "A,B"]) == 0
    assert load_model(model)[0].marks_ == ("A", "B")
    assert main(["predict", "--model", str(model), "--data", str(data), "--marks", "A,B",
                 "--out", str(tmp_path / "p.csv"), "--quiet"]) == 0


def test_interpret_reads_the_roadmap_sample(tmp_path):
    out = tmp_path / "why"
    assert main(["interpret", "--data", "roadmap-sample", "--epigenome", "E123",
                 "--window", "-2000,2000", "--out", str(out), *QUICK_INTERPRET]) == 0
    profiles = pd.read_csv(out / "mark_profiles.csv")
    assert profiles["n_genes"].groupby(profiles["class"]).first().sum() == 60
    assert "E123" in (out / "report.md").read_text()


def test_interpret_refuses_a_model_without_its_data(extracted, tmp_path, capsys):
    model = tmp_path / "m.skdc"
    assert main(["train", "--data", str(extracted["npz"]), "--out", str(model),
                 "--model", "deepchrome_paper", "--max-epochs", "1", "--quiet"]) == 0
    capsys.readouterr()
    assert main(["interpret", "--model", str(model), "--out", str(tmp_path / "o"),
                 "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "needs --data" in err and "--data simulated" in err
    assert not (tmp_path / "o").exists()


def test_a_model_on_data_it_was_not_trained_for_is_said_so(genome, extracted, tmp_path,
                                                            capsys):
    model = tmp_path / "m.skdc"
    assert main(["train", "--data", str(extracted["npz"]), "--out", str(model),
                 "--model", "deepchrome_paper", "--max-epochs", "1", "--quiet"]) == 0
    # The same 2 marks x 20 bins, but of 400 bp: the columns fit, the model does not.
    wider = _extract(genome, tmp_path / "wider.npz", "--flank", "4000", "--bin-size", "400")
    capsys.readouterr()
    out = tmp_path / "why"
    assert main(["interpret", "--model", str(model), "--data", str(wider), "--out", str(out),
                 *QUICK_INTERPRET]) == 0
    err = capsys.readouterr().err
    assert "not trained for" in err
    assert "the model reads bins of 200 bp, the data's are 400 bp" in err
    assert "NOT the data the model was trained for" in (out / "report.md").read_text()
    # Simulated genes are named knowingly, and said so too.
    sim = tmp_path / "sim"
    capsys.readouterr()
    assert main(["interpret", "--model", str(model), "--data", "simulated", "--out", str(sim),
                 *QUICK_INTERPRET]) == 2  # 5 marks x 100 bins: not what the model reads
    assert "the model reads 40 columns (marks x bins) but --data simulated has 500" in (
        capsys.readouterr().err)


# --- item 3: one recommended model -------------------------------------------------------


def test_interpret_trains_the_recommended_model():
    from skdeepchrome.cli.interpret import make_cnn
    from skdeepchrome.layout import REMC_MARKS

    ours = make_cnn(REMC_MARKS, fast=False, random_state=0).get_params()
    recommended = make_model("deepchrome", random_state=0).get_params()
    assert {k: v for k, v in ours.items() if "__" in k} == {
        k: v for k, v in recommended.items() if "__" in k}
    fast = make_cnn(REMC_MARKS, fast=True, random_state=0)
    assert fast.named_steps["binner"].standardize and fast[-1].n_members == 1


@pytest.mark.parametrize("command", ["train", "interpret", "compare"])
def test_help_names_the_recommended_model(command, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "make_model('deepchrome')" in text
    assert "DeepChromeClassifier())" not in text


def test_the_models_guide_describes_the_recommended_model():
    text = (DOCS / "user_guide" / "models.rst").read_text()
    row = text.split("   * - ``deepchrome``\n", 1)[1].split("   * - ", 1)[0]
    assert "standardize=True" in row and "RECOMMENDED_NETWORK" in row


# --- item 7: one vocabulary ---------------------------------------------------------------


def _parse(argv):
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        args = build_parser().parse_args(argv)
    return args, err.getvalue()


@pytest.mark.parametrize("command, sizes", [
    ("compare", "60,30,30"), ("transfer", "60,30,30"), ("interpret", "60,30")])
def test_split_sizes_renamed_and_genes_deprecated(command, sizes):
    extra = ["--data", "simulated", "--source", "a", "--target", "b"] if command == "transfer" \
        else []
    args, err = _parse([command, "--split-sizes", sizes, *extra])
    assert args.split_sizes == sizes and not err
    args, err = _parse([command, "--genes", sizes, *extra])
    assert args.split_sizes == sizes
    assert f"skdeepchrome {command}: --genes is deprecated" in err and "--split-sizes" in err
    assert "--genes" not in _help(command)  # the old spelling is hidden from --help


def _help(command):
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        build_parser().parse_args([command, "--help"])
    return out.getvalue()


def test_epigenome_means_an_epigenome_of_data_everywhere(tmp_path):
    args, err = _parse(["extract", "--genes", "a.gtf", "--out", "x.npz", "--expression",
                        "t.tsv", "--epigenome", "E003"])
    assert args.expression_column == "E003"
    assert "--epigenome is deprecated" in err and "--expression-column" in err
    args, err = _parse(["train", "--data", "x", "--out", "m", "--epigenome", "E003"])
    assert args.epigenome == "E003" and not err


def test_n_jobs_has_one_default():
    defaults = {
        command: _parse([command, *rest])[0].n_jobs
        for command, rest in [("compare", []), ("extract", ["--genes", "a", "--out", "b"]),
                              ("transfer", ["--data", "d", "--source", "a", "--target", "b"])]}
    assert set(defaults.values()) == {-1}, defaults
    for command in ("compare", "extract", "transfer"):
        assert "default -1: every core" in " ".join(_help(command).split())


@pytest.mark.parametrize("argv", [["--window", "-5000,5000"], ["--window=-5000,5000"]])
def test_negative_numbers_in_list_options(argv):
    assert _parse(["compare", "--data", "roadmap-sample", *argv])[0].window == "-5000,5000"
    assert _parse(["interpret", "--data", "roadmap-sample", *argv])[0].window == "-5000,5000"


def test_deeptools_statistics_that_are_not_offered_are_refused(genome, tmp_path, capsys):
    argv = ["extract", "--genes", str(genome / "genes.gtf"), "--reads",
            f"H3K4me3={genome / 'k4.tagAlign'}", "--out", str(tmp_path / "x.npz"), "--quiet"]
    assert main([*argv, "--averageTypeBins", "median"]) == 2
    assert "--averageTypeBins median is not offered" in capsys.readouterr().err
    assert main([*argv, "--flank", "1000", "-b", "500"]) == 2
    assert "either --flank or --upstream/--downstream" in capsys.readouterr().err
    assert main([*argv, "-b", "1050"]) == 2
    assert "--upstream 1050 is not a multiple of --bin-size 100" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("command", ["compare", "train"])
def test_help_lists_every_classification_model_make_model_knows(command):
    from skdeepchrome.baselines import model_names

    text = " ".join(_help(command).split())
    missing = [name for name in model_names(optional=True) if name not in text]
    assert not missing, f"{command} --help does not name {missing}"
