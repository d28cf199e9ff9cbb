#!/bin/bash
# muster's performance bench (issue 2): muster beside supervisord and PM2, same harness, same run.
#
#   bench/run.sh [-q] [-r ROUNDS] [-a ADAPTERS] [-t TESTS] [-o OUTDIR] [-w] [-n]
#
#   -q  quick smoke run (30 children, short windows, 10 MB of log; targets then indicative only)
#   -r  rounds (default 3, or 1 with -q; 3 rounds take about 25 minutes for 3 adapters on 2 cores)
#   -a  adapters (default muster,supervisord,pm2; runit and s6 are also available)
#   -t  tests (default small,large,log,stop)
#   -o  output folder (default bench/results/<date-time>, ignored by git)
#   -w  bench the working tree's src/ instead of the committed HEAD
#   -n  do not install the peers (they must be installed already)
#
# What it does: copies the harness (bench/peer, a copy of shared/peer-bench with a muster adapter)
# to a temp folder; builds muster from HEAD (git archive; or the working tree with -w) into that
# folder, so edits and rebuilds in the repo during the run cannot change what is measured; installs
# the peers with the harness' install-peers.sh (apt: supervisor runit s6 hyperfine; npm: pm2 into
# /tmp/bench-pm2, never as a dependency of muster); runs bench.sh; prints the side-by-side table and
# muster's figures against each target (PASS/MISS). The 1-minute load average is sampled every 5 s.
set -eu
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
QUICK=0 ROUNDS="" ADAPTERS=muster,supervisord,pm2 TESTS=small,large,log,stop OUT="" WORKTREE=0 INSTALL=1
while getopts "qr:a:t:o:wnh" opt; do
  case $opt in
    q) QUICK=1 ;; r) ROUNDS=$OPTARG ;; a) ADAPTERS=$OPTARG ;; t) TESTS=$OPTARG ;;
    o) OUT=$OPTARG ;; w) WORKTREE=1 ;; n) INSTALL=0 ;;
    *) awk 'NR > 1 && /^#/ { print; next } NR > 1 { exit }' "$0"; exit 2 ;;
  esac
done
[[ -z $ROUNDS ]] && { [[ $QUICK == 1 ]] && ROUNDS=1 || ROUNDS=3; }
suffix=""; [[ $QUICK == 1 ]] && suffix=-quick
OUT=${OUT:-$HERE/results/$(date +%Y%m%d-%H%M%S)$suffix}
mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd)
TMP=$(mktemp -d /tmp/muster-bench.XXXXXX)
say() { printf '[%s] run.sh: %s\n' "$(date +%T)" "$*" >&2; }

# --- the harness
cp -r "$HERE/peer" "$TMP/peer"
rm -rf "$TMP/peer/results"
if [[ -d /work/shared/peer-bench ]]; then   # informational: has the shared original moved on?
  for f in README.md bench.sh install-peers.sh lib/common.sh lib/report.js adapters/supervisord.sh adapters/pm2.sh children/idle.sh children/logspam.sh children/slowterm.sh children/grandparent.sh; do
    cmp -s "/work/shared/peer-bench/$f" "$HERE/peer/$f" || say "note: bench/peer/$f differs from /work/shared/peer-bench/$f (see bench/README.md, 'Changes to the harness')"
  done
fi

# --- muster, built into the temp folder
mkdir -p "$TMP/muster"
if [[ $WORKTREE == 1 ]]; then
  (cd "$REPO" && tar -cf - bin src test tsconfig.json package.json) | tar -xf - -C "$TMP/muster"
  REV="$(git -C "$REPO" rev-parse --short HEAD)+worktree"
  git -C "$REPO" diff --quiet HEAD -- src || REV="$REV(dirty)"
else
  git -C "$REPO" archive HEAD bin src test tsconfig.json package.json | tar -xf - -C "$TMP/muster"
  REV=$(git -C "$REPO" rev-parse --short HEAD)
fi
ln -s "$REPO/node_modules" "$TMP/muster/node_modules"
say "building muster $REV in $TMP/muster"
"$REPO/node_modules/.bin/tsc" -p "$TMP/muster"

# --- the peers
if [[ $INSTALL == 1 ]]; then
  say "installing the peers (install-peers.sh)"
  bash "$TMP/peer/install-peers.sh" > "$OUT/install-peers.log" 2>&1 || { cat "$OUT/install-peers.log" >&2; exit 1; }
  tail -5 "$OUT/install-peers.log" >&2
fi

# --- load sampler (the machine is shared)
( while :; do printf '%s %s\n' "$(date +%s)" "$(cut -d' ' -f1-3 /proc/loadavg)"; sleep 5; done ) > "$OUT/loadavg.txt" 2>/dev/null &
SAMPLER=$!
trap 'kill "$SAMPLER" 2>/dev/null' EXIT
{ date -u +%Y-%m-%dT%H:%M:%SZ; uptime; ps -eo pcpu,etime,comm --sort=-pcpu | head -8; } > "$OUT/machine-before.txt"

# --- the run
args=(-a "$ADAPTERS" -t "$TESTS" -r "$ROUNDS" -o "$OUT")
[[ $QUICK == 1 ]] && args+=(-q)
say "bench.sh ${args[*]} (work folders in $TMP/work)"
MUSTER_REPO=$TMP/muster MUSTER_REV=$REV BENCH_WORK=$TMP/work "$TMP/peer/bench.sh" "${args[@]}"
kill "$SAMPLER" 2>/dev/null || true

# --- the report
load=$(awk '{print $2}' "$OUT/loadavg.txt" | sort -g | awk '{a[NR]=$1} END{if(NR) printf "1-min load average during the run (every 5 s, %d samples): min %s, median %s, max %s", NR, a[1], a[int((NR+1)/2)], a[NR]}')
echo "$load" > "$OUT/load-summary.txt"
node "$HERE/targets.js" "$OUT/results.jsonl" --md > "$OUT/targets.md"
echo
cat "$OUT/report.md"
echo
echo "## muster against the targets of issue 2 (muster $REV)"
echo
echo "$load"
echo
node "$HERE/targets.js" "$OUT/results.jsonl"
echo
say "results in $OUT (results.jsonl, report.md, targets.md, loadavg.txt)"
rm -rf "$TMP"
