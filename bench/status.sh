#!/bin/bash
# Status latency bench (issue 3, "Performance"): wall time of `muster status` (table and --json)
# with 200 instances, CLI start included, beside `supervisorctl status`, `pm2 ls` and `pm2 jlist`
# on the same 200 children in the same run; then the same while one child floods its output.
#
#   bench/status.sh [-r RUNS] [-u WARMUP] [-R ROUNDS] [-N CHILDREN] [-a TOOLS] [-p PHASES]
#                   [-L LINE_BYTES] [-l MAXLOAD] [-o OUTDIR] [-w] [-I] [-B]
#
#   -r  timed runs per command, phase and round (default 10), after -u warm-ups (default 3)
#   -R  rounds (default 3); every round starts, measures and stops each tool in turn, the order
#       rotating between rounds; the runs of all rounds are pooled (default: 30 per command)
#   -N  idle children (default 200); each tool also runs one flood child (N+1 in all)
#   -a  tools (default muster,supervisord,pm2; runit is available too: `sv status` of every service)
#   -p  phases (default idle,flood): idle = every child sleeps; flood = the flood child writes
#       LINE_BYTES-byte lines (default 1024, -L) at full speed during the timing
#   -l  before each tool, wait (at most 5 minutes) until the 1-minute load average is below MAXLOAD
#       (the machine is shared: a busy spell during one tool's turn skews the ratios)
#   -o  output folder (default bench/runs/<UTC date-time>-status)
#   -w  bench the working tree's src/ instead of the committed HEAD
#   -I  do not run install-peers.sh (the peers must be installed already)
#   -B  no breakdown: by default, in each phase of round 1, bench/status/breakdown.js also takes muster's
#       status apart (node start, NODE_EXTRA_CA_CERTS, module loading, the request, the server's
#       /proc work, strace -c) into breakdown-<phase>.md; report.md includes it
#
# Each tool runs alone: set up, started, measured (idle, then flood), stopped, before the next one
# starts, so no tool's status has to look past the others' processes. Timing: hyperfine -N (no
# shell; output through a pipe) when installed, else bench/status/time.js (spawnSync wall time).
# Children: the harness' children/idle.sh (bench/peer) and bench/status/flood.sh; the peers are set
# up by the harness' own adapters (bench/peer/adapters), so their settings are those of bench/run.sh.
# muster: one process `idle` with `instances = N` plus `flood`, started with `muster up -d`, stopped
# with `muster down`. Everything started is stopped on exit, also on failure or Ctrl-C.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
RUNS=10 WARMUP=3 ROUNDS=3 N=200 TOOLS=muster,supervisord,pm2 PHASES=idle,flood LINE=1024 OUT="" WORKTREE=0 INSTALL=1 BREAKDOWN=1 MAXLOAD=""
while getopts "r:u:R:N:a:p:L:l:o:wIBh" opt; do
  case $opt in
    r) RUNS=$OPTARG ;; u) WARMUP=$OPTARG ;; R) ROUNDS=$OPTARG ;; N) N=$OPTARG ;; a) TOOLS=$OPTARG ;;
    p) PHASES=$OPTARG ;; L) LINE=$OPTARG ;; o) OUT=$OPTARG ;; w) WORKTREE=1 ;; I) INSTALL=0 ;; B) BREAKDOWN=0 ;; l) MAXLOAD=$OPTARG ;;
    *) awk 'NR > 1 && /^#/ { print; next } NR > 1 { exit }' "$0"; exit 2 ;;
  esac
done
OUT=${OUT:-$HERE/runs/$(date -u +%Y-%m-%d-%H%M%S)-status}
mkdir -p "$OUT/raw"; OUT=$(cd "$OUT" && pwd)
TMP=$(mktemp -d /tmp/muster-status.XXXXXX)
WROOT=$TMP/work
exec > >(tee -a "$OUT/status.log") 2>&1
say() { printf '[%s] status.sh: %s\n' "$(date +%T)" "$*"; }
IFS=, read -ra TOOL_LIST <<< "$TOOLS"
IFS=, read -ra PHASE_LIST <<< "$PHASES"

# --- the harness (children, adapters, helpers), copied like bench/run.sh does, plus the flood child
cp -r "$HERE/peer" "$TMP/peer"; rm -rf "$TMP/peer/results"
cp "$HERE/status/flood.sh" "$TMP/peer/children/flood.sh"
export BENCH_ROOT=$TMP/peer BENCH_GRACE=10
# shellcheck source=peer/lib/common.sh
source "$BENCH_ROOT/lib/common.sh"
meta() { node -e 'process.stdout.write(JSON.stringify({ key: process.argv[1], value: process.argv[2] }) + "\n")' "$1" "$2" >> "$OUT/meta.jsonl"; }
metaobj() { echo "$1" >> "$OUT/meta.jsonl"; }

# --- muster, built into the temp folder (from HEAD, or the working tree with -w)
M=$TMP/muster
mkdir -p "$M"
if [[ $WORKTREE == 1 ]]; then
  (cd "$REPO" && tar -cf - bin src tsconfig.json package.json) | tar -xf - -C "$M"
  REV="$(git -C "$REPO" rev-parse --short HEAD)+worktree"
  { git -C "$REPO" diff --quiet HEAD -- src && [[ -z $(git -C "$REPO" ls-files --others --exclude-standard src) ]]; } || REV="$REV(dirty)"
else
  git -C "$REPO" archive HEAD bin src tsconfig.json package.json | tar -xf - -C "$M"
  REV=$(git -C "$REPO" rev-parse --short HEAD)
fi
ln -s "$REPO/node_modules" "$M/node_modules"
say "building muster $REV in $M"
"$REPO/node_modules/.bin/tsc" -p "$M" > "$OUT/tsc.out" 2>&1 || say "tsc reported errors (see tsc.out); the emitted build is used anyway"
[[ -f $M/build/src/cli/main.js ]] || { say "no build/src/cli/main.js: cannot bench muster"; exit 1; }
# muster as a user runs it: bin/muster (a node script with a shebang, or since 515dc90 a sh launcher
# that drops NODE_EXTRA_CA_CERTS for the commands that only talk to the control socket)
MUSTER="$M/bin/muster"
MAINJS="$M/build/src/cli/main.js"

# --- the peers
if [[ $INSTALL == 1 ]]; then
  say "installing the peers (bench/peer/install-peers.sh)"
  bash "$BENCH_ROOT/install-peers.sh" > "$OUT/install-peers.log" 2>&1 || { cat "$OUT/install-peers.log"; exit 1; }
fi
export PM2_DIR=${PM2_DIR:-/tmp/bench-pm2}
export PM2_HOME=$WROOT/pm2/pm2home   # the pm2 adapter's own, exported so `pm2 ls` can be timed without a shell

if command -v hyperfine > /dev/null; then TIMER="hyperfine $(hyperfine --version | awk '{print $2}') -N --output=pipe"
else TIMER="bench/status/time.js (node spawnSync; hyperfine is not installed)"; fi

# --- bookkeeping of what runs, for the cleanup
STARTED=()      # tools started and not yet stopped
SAMPLER="" TRUNCATOR=""
cleanup() {
  local t
  [[ -n $TRUNCATOR ]] && kill "$TRUNCATOR" 2>/dev/null
  for t in "${STARTED[@]}"; do stop_tool "$t"; done
  STARTED=()
  [[ -n $SAMPLER ]] && kill "$SAMPLER" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'say interrupted; exit 130' INT TERM

# adapter TOOL FUNC...: the harness adapter's functions, in a subshell, with W set for TOOL
adapter() {
  local tool=$1; shift
  ( W=$WROOT/$tool; export W ADAPTER=$tool
    # shellcheck disable=SC1090
    source "$BENCH_ROOT/adapters/$tool.sh"
    for f in "$@"; do "$f" || exit $?; done )
}

write_procfile() {  # write_procfile W
  local w=$1 i
  for ((i = 1; i <= N; i++)); do printf 'p%03d: %s/children/idle.sh %s/state p%03d\n' "$i" "$BENCH_ROOT" "$w" "$i"; done > "$w/Procfile"
  echo "flood: $BENCH_ROOT/children/flood.sh $w/state flood $LINE" >> "$w/Procfile"
}

setup_tool() {  # setup_tool TOOL: config in $WROOT/TOOL
  local tool=$1 w=$WROOT/$1
  rm -rf "$w"; mkdir -p "$w/state" "$w/logs"
  if [[ $tool == muster ]]; then
    mkdir -p "$w/app"
    cat > "$w/app/muster.toml" <<TOML
# bench/status.sh: $N idle children as one process with $N instances, and one flood child.
[process.idle]
command = "$BENCH_ROOT/children/idle.sh $w/state idle"
instances = $N
restart = "always"
max_restarts = 1000000
stop_signal = "TERM"
stop_timeout = "${BENCH_GRACE}s"
stop_scope = "group"

[process.flood]
command = "$BENCH_ROOT/children/flood.sh $w/state flood $LINE"
restart = "always"
max_restarts = 1000000
stop_signal = "TERM"
stop_timeout = "${BENCH_GRACE}s"
stop_scope = "group"
TOML
    $MUSTER -C "$w/app" config > "$w/config.out" 2>&1 || { cat "$w/config.out"; return 1; }
  else
    write_procfile "$w"
    adapter "$tool" a_setup
  fi
}

MUSTER_FALLBACK=0
start_tool() {  # start_tool TOOL: started, every child running, roots in $WROOT/TOOL/roots
  local tool=$1 w=$WROOT/$1 rc t0
  t0=$(now_us)
  STARTED+=("$tool")
  if [[ $tool == muster ]]; then
    $MUSTER -C "$w/app" up -d > "$w/up-d.out" 2>&1; rc=$?
    if [[ $rc == 2 ]] && grep -q -- "-d" "$w/up-d.out"; then
      # this muster has no `up -d` yet: run `up -q` in the background like the harness' adapter
      say "muster: 'up -d' refused ($(head -1 "$w/up-d.out")); falling back to a background 'up -q'"
      MUSTER_FALLBACK=1
      (cd "$w" && exec setsid "$M/bin/muster" -C "$w/app" up -q) < /dev/null > "$w/up.out" 2>&1 &
      echo $! > "$w/fallback.pid"; disown $! 2>/dev/null || true
    elif [[ $rc != 0 ]]; then
      say "muster up -d failed (exit $rc):"; tail -20 "$w/up-d.out"; return 1
    fi
    local i
    for ((i = 0; i < 600; i++)); do
      [[ -s $w/app/.muster/muster.pid && -S $w/app/.muster/control.sock ]] && break; sleep 0.05
    done
    cat "$w/app/.muster/muster.pid" > "$w/roots" 2>/dev/null || { say "muster: no .muster/muster.pid"; return 1; }
    # every instance started (the children's own start records)
    local deadline=$(( $(now_us) + 120000000 ))
    until [[ $(wc -l < "$w/state/idle.starts" 2>/dev/null || echo 0) -ge $N && -s $w/state/flood.starts ]]; do
      (( $(now_us) > deadline )) && { say "muster: children not all started within 120 s"; return 1; }
      sleep 0.05
    done
  else
    adapter "$tool" a_start || { say "$tool: start failed"; return 1; }
    adapter "$tool" a_roots > "$w/roots" || { say "$tool: no supervisor pid"; return 1; }
    local names=() i
    for ((i = 1; i <= N; i++)); do names+=("$(printf 'p%03d' "$i")"); done
    W=$w wait_started 300 "${names[@]}" flood || { say "$tool: children not all started within 300 s"; return 1; }
  fi
  say "$tool: $((N + 1)) children running after $(ms_since "$t0") ms (supervisor pid $(paste -sd' ' "$w/roots"))"
  # remember the whole tree (pid + command line) for the cleanup
  local p; for p in $(tree_pids $(cat "$w/roots")); do printf '%s %s\n' "$p" "$(args_of "$p")"; done > "$w/snapshot"
}
ms_since() { echo $(( ($(now_us) - $1) / 1000 )); }

stop_tool() {  # stop_tool TOOL: the tool's own stop, then everything of its tree gone (by pid)
  local tool=$1 w=$WROOT/$1 t0 pid args n=0 t
  [[ -d $w ]] || return 0
  t0=$(now_us)
  if [[ $tool == muster ]]; then
    if [[ $MUSTER_FALLBACK == 0 ]]; then
      timeout 60 $MUSTER -C "$w/app" down > "$w/down.out" 2>&1 || say "muster down failed (exit $?): $(tail -3 "$w/down.out" | paste -sd' ' -)"
    fi
    read -r pid < "$w/roots" 2>/dev/null
    if [[ -n ${pid:-} ]] && alive "$pid" && [[ $(args_of "$pid") == *muster* ]]; then
      kill -TERM "$pid" 2>/dev/null
    fi
  else
    adapter "$tool" a_stop > /dev/null 2>&1
  fi
  # shellcheck disable=SC2046
  wait_gone 60 $(awk '{print $1}' "$w/snapshot" 2>/dev/null) || say "$tool: not all gone 60 s after its stop; killing by pid"
  [[ $tool != muster ]] && adapter "$tool" a_teardown > /dev/null 2>&1
  if [[ -s $w/snapshot ]]; then
    while read -r pid args; do
      if alive "$pid" && [[ "$(args_of "$pid")" == "$args "* || "$(args_of "$pid")" == "$args" ]]; then kill -9 "$pid" 2>/dev/null && n=$((n + 1)); fi
    done < "$w/snapshot"
  fi
  n=$((n + $(W=$w kill_leftovers)))
  [[ $n -gt 0 ]] && say "$tool: killed $n leftover process(es)"
  say "$tool: stopped ($(ms_since "$t0") ms)"
  local keep=(); for t in "${STARTED[@]}"; do [[ $t != "$tool" ]] && keep+=("$t"); done; STARTED=("${keep[@]}")
  rm -rf "$w"
}

# commands TOOL PHASE: "name|command" lines to time (commands are run without a shell)
commands() {
  local tool=$1 phase=$2 w=$WROOT/$1
  case $tool in
    muster)
      echo "muster status|$MUSTER -C $w/app status"
      echo "muster status --json|$MUSTER -C $w/app status --json"
      if command -v curl > /dev/null; then
        echo "ref: curl GET /v1/instances (curl's wall time, its own start included)|curl -sS --unix-socket $w/app/.muster/control.sock http://muster/v1/instances"
        echo "ref: curl GET /v1/app (trivial answer; curl's wall time)|curl -sS --unix-socket $w/app/.muster/control.sock http://muster/v1/app"
      fi
      echo "ref: node -e 0|node -e 0"
      [[ $phase == idle ]] && echo "ref: node main.js --version, NODE_EXTRA_CA_CERTS unset (CLI start, no request)|env -u NODE_EXTRA_CA_CERTS node $MAINJS --version"
      if [[ -n ${NODE_EXTRA_CA_CERTS:-} ]]; then
        echo "ref: node -e 0, NODE_EXTRA_CA_CERTS unset|env -u NODE_EXTRA_CA_CERTS node -e 0"
        echo "ref: muster status, NODE_EXTRA_CA_CERTS unset|env -u NODE_EXTRA_CA_CERTS $MUSTER -C $w/app status"
        echo "ref: node main.js status, NODE_EXTRA_CA_CERTS as is (no launcher)|node $MAINJS -C $w/app status"
      fi ;;
    supervisord) echo "supervisorctl status|supervisorctl -c $w/supervisord.conf status" ;;
    pm2)
      echo "pm2 ls|$PM2_DIR/node_modules/.bin/pm2 ls"
      echo "pm2 jlist|$PM2_DIR/node_modules/.bin/pm2 jlist" ;;
    runit) echo "runit sv status|sv status $(echo "$w"/sv/*)" ;;
  esac
}

time_commands() {  # time_commands PHASE TOOL TAG: every command of TOOL, WARMUP + RUNS each
  local phase=$1 tool=$2 tag=$3 line name cmd rc args=() f
  f=$OUT/raw/$phase-$tag.json
  while IFS= read -r line; do
    name=${line%%|*}; cmd=${line#*|}
    # one run first: does it work, and what does it print (lines, bytes)
    # shellcheck disable=SC2086
    $cmd > "$TMP/out.txt" 2> "$TMP/err.txt"; rc=$?
    metaobj "$(node -e 'const [p,n,l,b,r]=process.argv.slice(1); process.stdout.write(JSON.stringify({kind:"output",phase:p,name:n,lines:+l,bytes:+b,rc:+r}))' "$phase" "$name" "$(wc -l < "$TMP/out.txt")" "$(wc -c < "$TMP/out.txt")" "$rc")"
    { echo "== $phase / $name (exit $rc; $(wc -l < "$TMP/out.txt") lines, $(wc -c < "$TMP/out.txt") bytes): $cmd"
      { head -4 "$TMP/out.txt"; echo ...; tail -2 "$TMP/out.txt"; echo; head -5 "$TMP/err.txt"; } | cut -c1-240; } >> "$OUT/outputs.txt"
    if [[ $rc != 0 && $tool == muster ]]; then
      say "$name exited $rc: $(head -3 "$TMP/err.txt" | paste -sd' ' -); not timed"; continue
    fi
    args+=(-n "$name" "$cmd")
  done < <(commands "$tool" "$phase")
  [[ ${#args[@]} -gt 0 ]] || return 0
  if command -v hyperfine > /dev/null; then
    hyperfine -N --output=pipe -i --style basic --warmup "$WARMUP" --runs "$RUNS" --export-json "$f" "${args[@]}" 2>&1 \
      | grep -E '^(Benchmark|  Time|  Range|Warning)' | sed 's/^/    /'
  else
    node "$HERE/status/time.js" --warmup "$WARMUP" --runs "$RUNS" --export-json "$f" "${args[@]}"
  fi
}

breakdown() {  # breakdown PHASE TAG: muster's status taken apart (bench/status/breakdown.js), first round only
  [[ $BREAKDOWN == 1 && $round == 1 ]] || return 0
  say "muster: breakdown ($1)"
  node "$HERE/status/breakdown.js" --muster "$M" --app "$WROOT/muster/app" --runs 20 --warmup 3 \
    --label "$TAG_TEXT, round ${2#r}" --md "$OUT/breakdown-$1-$2.md" --json "$OUT/breakdown-$1-$2.json" > /dev/null 2> "$TMP/breakdown.err" \
    || { say "breakdown failed:"; cat "$TMP/breakdown.err"; }
}

logfile_of() {  # logfile_of TOOL: where the flood child's output lands
  if [[ $1 == muster ]]; then echo "$WROOT/muster/app/.muster/logs/flood.log"; else adapter "$1" "_flood_log"; fi
}
_flood_log() { a_logfile flood; }

flood_phase() {  # flood_phase TOOL TAG
  local tool=$1 tag=$2 w=$WROOT/$1 logf fpid ts i w0 w1 c0 c1 t0 t1 sup
  logf=$(logfile_of "$tool")
  touch "$w/state/go"
  for ((i = 0; i < 200; i++)); do   # the flood child has exec'd yes
    read -r ts fpid < <(tail -1 "$w/state/flood.starts")
    [[ $(args_of "$fpid") == benchchild-flood* ]] && break; sleep 0.05
  done
  [[ $(args_of "$fpid") == benchchild-flood* ]] || { say "$tool: the flood child did not start flooding"; return 1; }
  # the log file would grow by several GB: cut it back whenever it passes 256 MiB
  ( while :; do
      s=$(stat -c %s "$logf" 2>/dev/null || echo 0)
      (( s > 268435456 )) && truncate -s 0 "$logf"
      sleep 0.1
    done ) & TRUNCATOR=$!
  sleep 1   # let it ramp up
  sup=$(sup_pids $(cat "$w/roots"))
  w0=$(awk '$1=="wchar:"{print $2}' "/proc/$fpid/io"); c0=$(cpu_ticks $sup); t0=$(now_us)
  time_commands flood "$tool" "$tag"
  w1=$(awk '$1=="wchar:"{print $2}' "/proc/$fpid/io" 2>/dev/null); c1=$(cpu_ticks $sup); t1=$(now_us)
  LOAD_END=$(cut -d' ' -f1 /proc/loadavg)
  [[ $tool == muster ]] && TAG_TEXT="while flooding" breakdown flood "r$round"
  rm -f "$w/state/go"
  alive "$fpid" && is_bench_child "$fpid" && kill -9 "$fpid"   # restarted, it waits for go again
  kill "$TRUNCATOR" 2>/dev/null; wait "$TRUNCATOR" 2>/dev/null; TRUNCATOR=""
  sleep 0.5; truncate -s 0 "$logf" 2>/dev/null
  if [[ -n $w1 ]]; then
    metaobj "$(node -e '
      const [tool, w0, w1, c0, c1, t0, t1, hz] = process.argv.slice(1); const s = (t1 - t0) / 1e6, mib = (w1 - w0) / 1048576;
      process.stdout.write(JSON.stringify({ kind: "flood", phase: "flood", tool, round: +process.argv[9], window_s: s.toFixed(1), mib: mib.toFixed(0),
        mib_per_s: (mib / s).toFixed(0), sup_cpu_pct: (((c1 - c0) / hz) / s * 100).toFixed(0) }))' \
      "$tool" "$w0" "$w1" "$c0" "$c1" "$t0" "$t1" "$CLK_TCK" "$round")"
    say "$tool: flood wrote $(( (w1 - w0) / 1048576 )) MiB in $(( (t1 - t0) / 1000 )) ms; supervisor CPU $(( (c1 - c0) * 1000 / CLK_TCK )) ms"
  fi
  sleep 2
}

# --- run
( while :; do printf '%s %s\n' "$(date +%s)" "$(cut -d' ' -f1-3 /proc/loadavg)"; sleep 5; done ) > "$OUT/loadavg.txt" 2>/dev/null &
SAMPLER=$!
meta date "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
meta muster "$REV (built from $([[ $WORKTREE == 1 ]] && echo 'the working tree' || echo 'HEAD'))"
meta host "$(uname -sr), $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
meta versions "node $(node --version); $(supervisord --version 2>/dev/null | sed 's/^/supervisord /'); pm2 $(node -p "require('$PM2_DIR/node_modules/pm2/package.json').version" 2>/dev/null); $(dpkg-query -W -f 'runit ${Version}' runit 2>/dev/null)"
meta params "N=$N idle children + 1 flood child per tool, RUNS=$RUNS after WARMUP=$WARMUP per command per phase, ROUNDS=$ROUNDS, flood lines of $LINE bytes, tools=$TOOLS, phases=$PHASES"
meta timer "$TIMER"
meta instances "$((N + 1))"
meta env "NODE_EXTRA_CA_CERTS=${NODE_EXTRA_CA_CERTS:-(unset)}; NODE_OPTIONS=${NODE_OPTIONS:-(unset)}"
say "output -> $OUT; timer: $TIMER"
for ((round = 1; round <= ROUNDS; round++)); do
  n=${#TOOL_LIST[@]}
  for ((j = 0; j < n; j++)); do
    tool=${TOOL_LIST[(round - 1 + j) % n]}
    say "round $round: $tool"
    if [[ $tool != muster ]] && ! adapter "$tool" a_check; then say "skip $tool: not installed"; continue; fi
    if [[ -n $MAXLOAD ]]; then
      for ((k = 0; k < 60; k++)); do
        awk -v m="$MAXLOAD" '{ exit !($1 < m) }' /proc/loadavg && break
        ((k == 0)) && say "waiting for the 1-min load average ($(cut -d' ' -f1 /proc/loadavg)) to drop below $MAXLOAD"
        sleep 5
      done
    fi
    setup_tool "$tool" || { say "$tool: setup failed"; continue; }
    if ! start_tool "$tool"; then stop_tool "$tool"; continue; fi
    sleep 5   # past start-up work (GC, PM2's first ticks)
    for phase in "${PHASE_LIST[@]}"; do
      load0=$(cut -d' ' -f1 /proc/loadavg)
      say "$tool: phase $phase, loadavg $load0"
      if [[ $phase == idle ]]; then
        time_commands idle "$tool" "$tool-r$round"
        load1=$(cut -d' ' -f1 /proc/loadavg)
        [[ $tool == muster ]] && TAG_TEXT="idle" breakdown idle "r$round"
      else flood_phase "$tool" "$tool-r$round"; load1=$LOAD_END; fi
      metaobj "{\"kind\":\"load\",\"tool\":\"$tool\",\"phase\":\"$phase\",\"round\":$round,\"from\":$load0,\"to\":$load1}"
    done
    stop_tool "$tool"
  done
done
kill "$SAMPLER" 2>/dev/null; SAMPLER=""
meta load "$(awk '{print $2}' "$OUT/loadavg.txt" | sort -g | awk '{a[NR]=$1} END{if(NR) printf "1-min load average every 5 s during the run: min %s, median %s, max %s (%d samples)", a[1], a[int((NR+1)/2)], a[NR], NR}')"
echo
node "$HERE/status/summary.js" "$OUT"
say "results in $OUT (report.md, results.jsonl with every time, raw/ hyperfine JSON, outputs.txt, status.log)"
