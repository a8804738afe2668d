#!/usr/bin/env bash
# finetuner prepare against openai-python's prepare_data, whole processes, same files, one run.
#
#   lib/src/bench/side-by-side.sh [--rows N] [--runs K] [--dir DIR] [--keep]
#
# Generates N rows (default 1,000,000) with ../shared/bench/gen_dataset.py in CSV and JSONL, then for
# each format and each of K runs (default 1) times, back to back on the same file:
#   prepare_data -q (every suggestion accepted, via ../shared/bench/prepare_data_driver.py),
#   finetuner prepare FILE --model davinci-002 --repair --out DIR      (-Xmx256m),
#   finetuner prepare FILE --model davinci-002 --repair-all --out DIR  (-Xmx256m),
# and prints one Markdown table of wall times, peak RSS and ratios, all measured here, plus whether
# the --repair-all output is byte-identical to prepare_data's.
#
# Needs /usr/bin/python3 with pandas (Debian: apt-get install -y python3-pandas) and openai-python's
# src/openai/lib/_validators.py: set VALIDATORS_PY to it, or fetch github:openai/openai-python so that
# /work/.mirror/openai+openai-python/repo exists. Without them it says so and exits 0 (skipped).
set -euo pipefail

rows=1000000 runs=1 dir="" keep=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rows) rows="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "side-by-side: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
shared="${SHARED_DIR:-$repo/../shared}"
python=/usr/bin/python3

skip() { echo "side-by-side: skipped: $*"; exit 0; }
[[ -x $python ]] || skip "$python not found"
$python -c 'import pandas' 2>/dev/null || skip "pandas not found for $python (apt-get install -y python3-pandas)"
[[ -f $shared/bench/gen_dataset.py && -f $shared/bench/prepare_data_driver.py ]] \
  || skip "$shared/bench/{gen_dataset,prepare_data_driver}.py not found (set SHARED_DIR)"
[[ -x /usr/bin/time ]] || skip "/usr/bin/time not found (apt-get install -y time)"

work="${dir:-$(mktemp -d -t side-by-side.XXXXXX)}"
mkdir -p "$work"
cleanup() { [[ $keep == 1 || -n $dir ]] || rm -rf "$work"; }
trap cleanup EXIT

validators="${VALIDATORS_PY:-}"
if [[ -z $validators ]]; then
  mirror=/work/.mirror/openai+openai-python/repo
  [[ -d $mirror ]] || skip "no _validators.py: set VALIDATORS_PY, or fetch github:openai/openai-python"
  validators="$work/_validators.py"
  git --git-dir="$mirror" show HEAD:src/openai/lib/_validators.py > "$validators"
fi

jar="$repo/samples/target/finetuner.jar"
if [[ ! -f $jar ]]; then
  echo "side-by-side: building $jar" >&2
  (cd "$repo" && mvn -q -B -DskipTests package -pl samples -am) >&2
fi

prefix="$work/h$rows"
if [[ ! -f $prefix.csv || ! -f $prefix.jsonl ]]; then
  echo "side-by-side: generating $rows rows in $work" >&2
  $python "$shared/bench/gen_dataset.py" "$rows" "$prefix" --formats csv,jsonl >&2
fi

# "seconds kilobytes" of a whole process, its output discarded
timed() { /usr/bin/time -f '%e %M' -o "$work/time" "$@" > /dev/null 2>&1 || { echo "side-by-side: failed: $*" >&2; exit 1; }; cat "$work/time"; }

echo "| run | file | prepare_data | finetuner --repair | ratio | --repair-all | vs --repair | peak RSS prepare_data | peak RSS finetuner | RSS ratio | --repair-all output = prepare_data's |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for run in $(seq 1 "$runs"); do
  for fmt in csv jsonl; do
    file="$prefix.$fmt"
    size_mb=$(( $(stat -L -c %s "$file") / 1000000 ))
    rm -f "${prefix}_prepared.jsonl"
    read -r pd_s pd_kb < <(timed $python "$shared/bench/prepare_data_driver.py" prepare "$file" --validators "$validators")
    rm -rf "$work/out-repair" "$work/out-all"
    read -r ft_s ft_kb < <(timed java -Xmx256m -jar "$jar" prepare "$file" --model davinci-002 --repair --out "$work/out-repair")
    read -r all_s all_kb < <(timed java -Xmx256m -jar "$jar" prepare "$file" --model davinci-002 --repair-all --out "$work/out-all")
    if cmp -s "${prefix}_prepared.jsonl" "$work/out-all/$(basename "$prefix")_prepared_train.jsonl"; then same=yes; else same=NO; fi
    awk -v run="$run" -v fmt="$fmt" -v mb="$size_mb" -v pd="$pd_s" -v ft="$ft_s" -v all="$all_s" \
        -v pdk="$pd_kb" -v ftk="$(( ft_kb > all_kb ? ft_kb : all_kb ))" -v same="$same" 'BEGIN {
      printf "| %d | %s, %d MB | %.1f s | %.1f s | %.1fx | %.1f s | %+.0f%% | %.2f GB | %d MB | 1/%.0f | %s |\n",
        run, toupper(fmt), mb, pd, ft, pd / ft, all, (all / ft - 1) * 100, pdk / 1048576, ftk / 1024, pdk / ftk, same }'
  done
done
rm -f "${prefix}_prepared.jsonl"
echo
echo "rows: $rows; machine: $(nproc) cores, $(java -version 2>&1 | head -1); finetuner under -Xmx256m; times are whole processes (JVM and Python start included)"
