"""The package's architecture: faces, one-way imports, no hidden imports, forwarding shims."""

import ast
import importlib
import inspect
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from sklearn.base import BaseEstimator

import skdeepchrome

PACKAGE = Path(skdeepchrome.__file__).parent
REPOSITORY = PACKAGE.parent
#: Imports inside functions that are there on purpose: the command line imports what a
#: sub-command needs only when it runs (``--help`` stays free of torch, pandas and
#: scikit-learn), and optional extras are imported where they are used.
LAZY_PACKAGES = ("matplotlib", "pysam", "pyBigWig", "skops", "distributed", "dask",
                 "joblib.externals.loky")
SUBPACKAGES = ("baselines", "compare", "datasets", "estimators", "genome", "interpret",
               "model_files", "models", "plotting", "preprocessing", "report")


def _library_modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] != "cli":
            yield relative, ast.parse(path.read_text())


def test_no_imports_inside_functions_but_the_documented_lazy_ones():
    hidden = []
    for relative, tree in _library_modules():
        for node in ast.walk(tree):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom):
                    module = "." * inner.level + (inner.module or "")
                elif isinstance(inner, ast.Import):
                    module = inner.names[0].name
                else:
                    continue
                if not module.startswith(LAZY_PACKAGES):
                    hidden.append(f"{relative}:{inner.lineno} imports {module}")
    assert hidden == []


#: Bases and the skorch nets inside the estimators; the estimators and their shared base
#: (TorchHistoneEstimator) are public.
INTERNAL_BASES = {"TorchHistoneClassifier", "TorchHistoneRegressor", "WeightedNetClassifier",
                  "WeightedNetRegressor"}


def test_every_estimator_is_exported_by_the_estimators_face():
    import skdeepchrome.estimators as face

    found = set()
    for path in sorted((PACKAGE / "estimators").glob("_*.py")):
        module = importlib.import_module(f"skdeepchrome.estimators.{path.stem}")
        for name, value in vars(module).items():
            if (inspect.isclass(value) and issubclass(value, BaseEstimator)
                    and value.__module__ == module.__name__ and name not in INTERNAL_BASES):
                assert getattr(face, name, None) is value, name
                found.add(name)
    assert {"DeepChromeClassifier", "DeepDiffRegressor", "CellwiseDifferenceRegressor",
            "TorchHistoneEstimator"} <= found


@pytest.mark.parametrize("package", SUBPACKAGES)
def test_modules_behind_a_face_are_private(package):
    public = [p.name for p in (PACKAGE / package).glob("*.py")
              if not p.name.startswith("_") and p.name != "__init__.py"]
    # datasets.simulator is the one-release forwarding module of the old path.
    assert public == ([] if package != "datasets" else ["simulator.py"])


@pytest.mark.parametrize("package", SUBPACKAGES)
def test_every_public_name_of_a_face_resolves(package):
    face = importlib.import_module(f"skdeepchrome.{package}")
    for name in face.__all__:
        assert getattr(face, name) is not None


@pytest.mark.parametrize("old, name, new", [
    ("skdeepchrome.protocol", "paper_protocol", "skdeepchrome.compare"),
    ("skdeepchrome.protocol", "transfer_protocol", "skdeepchrome.compare"),
    ("skdeepchrome.datasets.simulator", "make_histone_dataset", "skdeepchrome.datasets"),
    ("skdeepchrome.datasets.simulator", "cell_type_names", "skdeepchrome.datasets"),
])
def test_old_paths_warn_when_used_not_when_imported(old, name, new):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        module = importlib.import_module(old)
    with pytest.warns(FutureWarning, match=f"{old}.{name} moved to {new}.{name}"):
        value = getattr(module, name)
    assert value is getattr(importlib.import_module(new), name)
    with pytest.raises(AttributeError, match="no attribute 'not_a_name'"):
        module.not_a_name  # noqa: B018


def _lint_imports(root):
    command = shutil.which("lint-imports")
    if command is None:
        pytest.skip("import-linter is not installed (pip install import-linter)")
    return subprocess.run([command, "--config", str(root / ".importlinter")], cwd=root,
                          capture_output=True, text=True,
                          env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"})


@pytest.mark.skipif(not (REPOSITORY / ".importlinter").exists(),
                    reason="the contract lives in the repository, not the installed package")
@pytest.mark.parametrize("violation", [
    # a lower layer importing a higher one, even inside a function
    ("layout.py", "\n\ndef _up():\n    from .compare import compare_models\n"),
    # a cycle between two modules of one package
    ("compare/_scoring.py", "\nfrom . import _result  # noqa\n"),
    # a torch module importing scikit-learn
    ("models/_ensemble.py", "\nimport sklearn  # noqa\n"),
])
def test_the_import_contract_holds_and_catches_a_violation(tmp_path, violation):
    shutil.copytree(PACKAGE, tmp_path / "skdeepchrome",
                    ignore=shutil.ignore_patterns("__pycache__", "data"))
    shutil.copy(REPOSITORY / ".importlinter", tmp_path)
    kept = _lint_imports(tmp_path)
    assert kept.returncode == 0, kept.stdout[-2000:]
    target, text = violation
    with open(tmp_path / "skdeepchrome" / target, "a") as handle:
        handle.write(text)
    broken = _lint_imports(tmp_path)
    assert broken.returncode != 0
    assert "BROKEN" in broken.stdout


def test_the_command_line_needs_no_heavy_import_for_the_names():
    # The model names are read by --help and option checks: no torch, pandas, sklearn.
    code = ("import sys; from skdeepchrome.baselines import MODEL_NAMES, parse_model_list; "
            "parse_model_list('cnn,rf'); "
            "print(sorted(m for m in ('torch', 'pandas', 'sklearn') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"
