#!/usr/bin/env bash
# The rotation planner on generated cities of three sizes (three seeds
# each) and three shapes (default, short of managers, real):
# score, proven bound, gap, wall time and peak memory. With
# `--cpsat`, the same instances through OR-Tools CP-SAT as well
# (bench/rotation/compare.py; ortools is installed from PyPI for this only).
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=target/rotation-bench
mkdir -p "$dir"
cargo build --release -p kyodo >&2
kyodo=target/release/kyodo
# Default manager pools (135 per 100 districts), and short ones (110) where
# some later years cannot fill every 課長級 seat.
names=()
for size in small mid large; do
  for seed in 1 2 3; do
    "$kyodo" plan generate --size "$size" --seed "$seed" --output "$dir/$size-$seed.json" 2>/dev/null
    "$kyodo" plan generate --size "$size" --seed "$seed" --managers-per-100-units 110 \
      --output "$dir/$size-short-$seed.json" 2>/dev/null
  done
done
# Real cities' shapes (issue 19): skewed departments whose caps are full
# from the first year, 2 managers per district of whom a third leave, 4
# chiefs; horizons of 4, 6 and 10 年度 (one per seed); from a town of four
# districts to a city of 340.
horizons=(4 6 10)
for size in tiny small mid large; do
  for seed in 1 2 3; do
    "$kyodo" plan generate --size "$size" --seed "$seed" --shape real --horizon "${horizons[$((seed - 1))]}" \
      --output "$dir/$size-real-$seed.json" 2>/dev/null
  done
done
# Harder still: steeper department sizes (skew 1.6 and 2.2) and 1.7
# managers per district, where the department rules force empty years.
for size in tiny small; do
  for j in 0 1; do
    skews=(1.6 2.2)
    for seed in 1 2 3; do
      "$kyodo" plan generate --size "$size" --seed "$seed" --shape real --department-skew "${skews[$j]}" \
        --managers-per-100-units 170 --output "$dir/$size-hard$j-$seed.json" 2>/dev/null
    done
  done
done
for pool in "" "-short" "-real"; do
  for size in small mid large; do
    for seed in 1 2 3; do names+=("$size$pool-$seed"); done
  done
done
names=(tiny-real-1 tiny-real-2 tiny-real-3 "${names[@]}")
for size in tiny small; do
  for j in 0 1; do
    for seed in 1 2 3; do names+=("$size-hard$j-$seed"); done
  done
done

echo "| instance | units | staff | score | lower bound | gap | proven | wall (s) | peak memory (MB) | scorer |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for name in "${names[@]}"; do
    i="$dir/$name.json"
    p="$dir/$name.plan.json"
    report=$( { /usr/bin/time -f "time %e %M" "$kyodo" plan rotation --input "$i" --output "$p" --seconds 2; } 2>&1 )
    score=$(sed -n 's/^score \([-0-9]*\).*/\1/p' <<<"$report")
    bound=$(sed -n 's/^lower_bound \([-0-9]*\) gap \([0-9.]*%\) \(.*\) (.*/\1/p' <<<"$report")
    gap=$(sed -n 's/^lower_bound [-0-9]* gap \([0-9.]*%\).*/\1/p' <<<"$report")
    proven=$(grep -q "% optimal (" <<<"$report" && echo yes || echo no)
    read -r wall kb < <(sed -n 's/^time \([0-9.]*\) \([0-9]*\)/\1 \2/p' <<<"$report")
    verdict=$(python3 scripts/rotation_score.py "$i" "$p" | sed -n '/^feasible\|^infeasible/p')
    units=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(len(d['units']), len(d['staff']))" "$i")
    echo "| $name | ${units% *} | ${units#* } | $score | $bound | $gap | $proven | $wall | $((kb / 1024)) | $verdict |"
done

if [[ "${1:-}" == "--cpsat" ]]; then
  python3 -c "import ortools" 2>/dev/null || pip install -q 'ortools==9.15.*' >&2
  python3 bench/rotation/compare.py "$dir"/tiny-real-?.json "$dir"/small-?.json "$dir"/small-short-?.json \
    "$dir"/small-real-?.json "$dir"/tiny-hard?-?.json "$dir"/small-hard?-?.json \
    "$dir"/mid-1.json "$dir"/mid-real-?.json "$dir"/large-1.json "$dir"/large-real-1.json \
    --kyodo "$kyodo" --seconds 2 --cpsat-seconds "${CPSAT_SECONDS:-60}"
fi
