#!/usr/bin/env bash
# Record benchmark outputs for the documentation's benchmark page.
#
#   bash docs/benchmarks/record.sh                 # the machine, then every benchmarks/bench_*.py
#   bash docs/benchmarks/record.sh bench_fit ...   # the machine, then only these
#
# Writes docs/benchmarks/machine.txt and docs/benchmarks/<bench>.txt (the script's stdout,
# its command line first). Benchmarks are slow (minutes to an hour each) and want an
# otherwise idle machine. Extra arguments for one script: BENCH_ARGS_bench_fit="--repeats 5".
set -euo pipefail
cd "$(dirname "$0")/../.."
out=docs/benchmarks

python - > "$out/machine.txt" <<'PY'
import datetime, os, platform, subprocess
import joblib, numpy, sklearn, skorch, torch
import skdeepchrome

def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()

def memory_gb():
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        return f"{pages / 2**30:.1f} GiB"
    except (ValueError, OSError):
        return "unknown"

try:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, check=True).stdout.strip()
except (OSError, subprocess.CalledProcessError):
    commit = "unknown"
print(f"recorded   {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, commit {commit}")
print(f"cpu        {cpu_model()}, {os.cpu_count()} logical cores (joblib sees {joblib.cpu_count()})")
print(f"memory     {memory_gb()}")
print(f"system     {platform.platform()}")
print(f"python     {platform.python_version()}")
print(f"packages   skdeepchrome {skdeepchrome.__version__}, torch {torch.__version__} "
      f"({torch.get_num_threads()} threads, CUDA {'yes' if torch.cuda.is_available() else 'no'}), "
      f"scikit-learn {sklearn.__version__}, skorch {skorch.__version__}, numpy {numpy.__version__}")
PY
cat "$out/machine.txt"

if [ "$#" -eq 0 ]; then
    set -- $(cd benchmarks && ls bench_*.py | sed 's/\.py$//')
fi
for bench in "$@"; do
    bench=${bench%.py}
    args_var="BENCH_ARGS_${bench}"
    args=${!args_var:-}
    echo "== $bench $args"
    {
        echo "\$ python benchmarks/$bench.py $args"
        # shellcheck disable=SC2086
        python "benchmarks/$bench.py" $args
    } > "$out/$bench.txt.part"
    mv "$out/$bench.txt.part" "$out/$bench.txt"
done
