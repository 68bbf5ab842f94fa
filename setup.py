from pathlib import Path

from setuptools import find_packages, setup

here = Path(__file__).parent
version = {}
for line in (here / "skdeepchrome" / "__init__.py").read_text().splitlines():
    if line.startswith("__version__"):
        exec(line, version)

extras = {
    "genomics": ["pyBigWig>=0.3.18", "pysam>=0.21"],
    "plot": ["matplotlib>=3.6"],
    "distributed": ["dask[distributed]>=2023.1"],
    # save_model of the scikit-learn baselines (skops.io, with an explicit trusted list)
    "skops": ["skops>=0.10"],
}
extras["test"] = sorted(
    set(extras["genomics"] + extras["plot"] + extras["distributed"] + extras["skops"])
    | {"pytest>=7", "hypothesis>=6", "ruff>=0.5", "deeptools>=3.5", "import-linter>=2.13"}
)
extras["docs"] = sorted(
    set(extras["plot"] + extras["genomics"])
    | {"sphinx>=7", "numpydoc>=1.6", "sphinx-gallery>=0.17", "pydata-sphinx-theme>=0.15"}
)
extras["all"] = sorted({dep for deps in extras.values() for dep in deps})

setup(
    name="skdeepchrome",
    version=version["__version__"],
    description="DeepChrome histone-modification CNN as scikit-learn estimators, with baselines "
    "and a cross-validated comparison harness",
    long_description=(here / "README.md").read_text() if (here / "README.md").exists() else "",
    long_description_content_type="text/markdown",
    license="BSD-3-Clause",
    python_requires=">=3.10",
    packages=find_packages(include=["skdeepchrome", "skdeepchrome.*"]),
    # The Roadmap sample (about 0.5 MB) with its licence and provenance: see its DESCR.
    package_data={"skdeepchrome.datasets": ["data/*.npz", "data/*.rst", "data/*.csv", "data/NOTICE",
                                            "data/LICENSE-*"]},
    install_requires=[
        "scikit-learn>=1.6",
        "skorch>=1.0",
        # The floor stays low: a floor above the installed CPU build pulls a CUDA build.
        "torch>=2.1",
        "numpy>=1.24",
        "scipy>=1.10",
        "joblib>=1.3",
        "pandas>=2.0",
        "tqdm>=4.60",
        # One run at a time per report folder and run record (pure Python, no dependencies).
        "filelock>=3.12",
    ],
    extras_require=extras,
    entry_points={"console_scripts": ["skdeepchrome=skdeepchrome.cli:main"]},
    classifiers=[
        "Programming Language :: Python :: 3",
        "Topic :: Scientific/Engineering :: Bio-Informatics",
        "Intended Audience :: Science/Research",
    ],
)
