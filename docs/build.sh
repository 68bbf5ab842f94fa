#!/usr/bin/env bash
# Build the documentation: the API reference, the user guide and the gallery (whose
# examples are executed). Warnings are errors, so a broken docstring, reference or
# example fails the build. Nothing is fetched from the network.
#
#   bash docs/build.sh            # HTML in docs/_build/html (index.html)
#   bash docs/build.sh --clean    # remove previous outputs first (otherwise incremental)
#
# Needs the docs extra: pip install -e ".[docs]" (plus the genomics and plot extras, which
# the gallery uses).
set -euo pipefail
docs="$(cd "$(dirname "$0")" && pwd)"

if [ "${1:-}" = "--clean" ]; then
    rm -rf "$docs/_build" "$docs/auto_examples" "$docs/gen_modules"
    shift
fi

# The examples train small networks; on a shared or busy machine torch's thread pool
# slows them down many times over, so each fit uses one thread. No GUI, no progress bars.
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
export MPLBACKEND=Agg
export TQDM_DISABLE=1

start=$SECONDS
python -m sphinx -W --keep-going -b html "$@" "$docs" "$docs/_build/html"
echo "docs built in $((SECONDS - start)) s: $docs/_build/html/index.html"
