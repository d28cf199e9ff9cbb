#!/bin/bash
# Where does muster's time go? Diagnostics behind a MISS of bench/run.sh (not part of the bench).
#
#   bench/profile.sh fleet [N]      N idle children (default 200): start-up, RSS, idle CPU per
#                                   second over 30 s, stop time; CPU profile of the whole run, and a
#                                   second run with strace -c on muster during the stop
#   bench/profile.sh respawn [K]    20 idle children, K kill -9 (default 20) 0.5 s apart: kill ->
#                                   muster's notes -> child's start, per kill; CPU profile
#   bench/profile.sh log [BYTES]    one child writes BYTES (default 200 MiB) of 100-byte lines:
#                                   wall, CPU, peak RSS; CPU profile; a second run under strace -c
#
# Environment: PROF=0 runs muster without --cpu-prof (the profiler's own sampling costs CPU:
# use PROF=0 for idle-CPU figures); STRACE=0 skips the strace run of "fleet"; STOP_SCOPE=main|group
# (default group, as the bench adapter).
# Uses the harness' children (bench/peer/children) and muster built from HEAD into a temp folder
# (MUSTER_REPO=DIR to use a built checkout instead). Output: bench/results/profile-<scenario>-<time>/
# (*.cpuprofile, summaries). Summaries: bench/cpuprof-summary.js.
set -eu
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
SCEN=${1:-}; ARG=${2:-}
[[ -n $SCEN ]] || { awk 'NR > 1 && /^#/ { print; next } NR > 1 { exit }' "$0"; exit 2; }
OUT=$HERE/results/profile-$SCEN-$(date +%Y%m%d-%H%M%S); mkdir -p "$OUT"
TMP=$(mktemp -d /tmp/muster-prof.XXXXXX)
CH=$HERE/peer/children
now_us() { echo "${EPOCHREALTIME/./}"; }
say() { printf '%s\n' "$*" | tee -a "$OUT/summary.txt"; }
ticks() { awk '{sub(/^.*\) /, ""); print $12+$13}' "/proc/$1/stat"; }
alive() { local s; read -r s < "/proc/$1/stat" 2>/dev/null || return 1; s=${s##*) }; [[ ${s:0:1} != Z ]]; }

if [[ -z ${MUSTER_REPO:-} ]]; then
  mkdir -p "$TMP/muster"
  git -C "$REPO" archive HEAD bin src test tsconfig.json package.json | tar -xf - -C "$TMP/muster"
  ln -s "$REPO/node_modules" "$TMP/muster/node_modules"
  "$REPO/node_modules/.bin/tsc" -p "$TMP/muster"
  MUSTER_REPO=$TMP/muster
fi
say "muster $(git -C "$REPO" rev-parse --short HEAD) ($MUSTER_REPO), $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg); PROF=${PROF:-1} STOP_SCOPE=${STOP_SCOPE:-group}"

# app NAME... : $TMP/app/Procfile + muster.toml as the bench adapter writes them
mkapp() {
  rm -rf "$TMP/app" "$TMP/state"; mkdir -p "$TMP/app" "$TMP/state"
  : > "$TMP/app/Procfile"; : > "$TMP/app/muster.toml"
  local line
  for line in "$@"; do
    echo "$line" >> "$TMP/app/Procfile"
    printf '[process.%s]\nmax_restarts = 1000000\nstop_timeout = "10s"\nstop_scope = "%s"\n\n' "${line%%:*}" "${STOP_SCOPE:-group}" >> "$TMP/app/muster.toml"
  done
}
start_muster() {  # start_muster PREFIX... : runs muster up -q under PREFIX, sets MPID
  local prof=(--cpu-prof --cpu-prof-dir="$OUT"); [[ ${PROF:-1} == 0 ]] && prof=()
  (cd "$TMP" && exec setsid "$@" node "${prof[@]}" "$MUSTER_REPO/build/src/cli/main.js" -C "$TMP/app" up -q) < /dev/null > "$OUT/up-$RUN.out" 2>&1 &
  MPID=$!
}
wait_starts() {  # wait_starts N: until N .starts files exist
  while (( $(ls "$TMP/state" | grep -c '\.starts$') < $1 )); do sleep 0.005; done
}
stop_muster() {  # SIGINT, wait; prints ms
  local t0; t0=$(now_us); kill -INT "$MPID"
  while alive "$MPID"; do sleep 0.002; done
  wait "$MPID" 2>/dev/null || true
  echo $(( ($(now_us) - t0) / 1000 ))
}
idle_names() { local i; for ((i = 1; i <= $1; i++)); do printf 'p%03d: %s %s p%03d\n' "$i" "$CH/idle.sh" "$TMP/state" "$i"; done; }

case $SCEN in
fleet)
  N=${ARG:-200}
  mapfile -t lines < <(idle_names "$N"); mkapp "${lines[@]}"
  RUN=a; t0=$(now_us); start_muster; wait_starts "$N"
  say "start-up, $N children: $(( ($(now_us) - t0) / 1000 )) ms until all running"
  sleep 10
  say "after 10 s: $(grep -E 'VmRSS|VmHWM' "/proc/$MPID/status" | tr -s '\t ' ' ' | paste -sd' ')"
  prev=$(ticks "$MPID"); per=()
  for s in $(seq 1 30); do sleep 1; cur=$(ticks "$MPID"); per+=($((cur - prev))); prev=$cur; done
  say "idle CPU ticks (10 ms) per second over 30 s: ${per[*]}"
  say "stop, $N children: $(stop_muster) ms until muster exited"
  [[ ${STRACE:-1} == 0 ]] && { rm -rf "$TMP"; exit 0; }
  # second run: the stop's system calls
  mapfile -t lines < <(idle_names "$N"); mkapp "${lines[@]}"
  RUN=b; start_muster; wait_starts "$N"; sleep 3
  strace -f -c -o "$OUT/strace-stop.txt" -p "$MPID" & SP=$!; sleep 1
  say "stop under strace, $N children: $(stop_muster) ms"
  wait "$SP" 2>/dev/null || true
  say "strace -c -f of muster during the stop (top 8):"; sed -n '1,12p' "$OUT/strace-stop.txt" | tee -a "$OUT/summary.txt"
  say "/proc entries on the machine now: $(ls /proc | grep -c '^[0-9]')"
  ;;
respawn)
  K=${ARG:-20}
  mapfile -t lines < <(idle_names 20); mkapp "${lines[@]}"
  RUN=a; start_muster; wait_starts 20; sleep 3
  say "kill# name  kill->notice(exited) kill->notice(spawned) kill->child-start   (ms; notices have 1 ms resolution)"
  for ((k = 0; k < K; k++)); do
    name=$(printf 'p%03d' $(( k % 20 + 1 )))
    before=$(wc -l < "$TMP/state/$name.starts"); read -r _ pid < <(tail -1 "$TMP/state/$name.starts")
    kt=$(now_us); kill -9 "$pid"
    while (( $(wc -l < "$TMP/state/$name.starts") == before )); do sleep 0.002; done
    read -r st _ < <(tail -1 "$TMP/state/$name.starts")
    sleep 0.3
    # muster's notes: "[muster] ISO ready -> starting ..." and "starting -> ready (pid N) [spawned]"
    n1=$(grep -F -- '-> starting' "$TMP/app/.muster/logs/$name.log" | tail -1 | awk '{print $2}')
    n2=$(grep -F -- '[spawned]' "$TMP/app/.muster/logs/$name.log" | tail -1 | awk '{print $2}')
    e1=$(date -d "$n1" +%s%6N); e2=$(date -d "$n2" +%s%6N)
    printf '%5d %s %8.1f %8.1f %8.2f\n' "$k" "$name" "$(( (e1 - kt) ))e-3" "$(( (e2 - kt) ))e-3" "$(( (st - kt) ))e-3" | tee -a "$OUT/summary.txt"
    sleep 0.2
  done
  say "(median of the last column is the bench's respawn figure)"
  stop_muster > /dev/null
  ;;
log)
  BYTES=${ARG:-209715200}
  for RUN in a b; do
    mkapp "spam: $CH/logspam.sh $TMP/state spam $BYTES"
    start_muster; wait_starts 1; sleep 2
    pre=""; [[ $RUN == b ]] && { strace -f -c -o "$OUT/strace-log.txt" -p "$MPID" & SP=$!; sleep 1; }
    logf=$TMP/app/.muster/logs/spam.log; base=$(stat -c %s "$logf")
    c0=$(ticks "$MPID"); t0=$(now_us); touch "$TMP/state/go"
    while (( $(stat -c %s "$logf") - base < BYTES )); do sleep 0.01; done
    t1=$(now_us); c1=$(ticks "$MPID")
    say "log run $RUN$([[ $RUN == b ]] && echo ' (under strace)'): $BYTES bytes in the file after $(( (t1 - t0) / 1000 )) ms; muster CPU $(( (c1 - c0) * 10 )) ms; $(grep VmHWM "/proc/$MPID/status" | tr -s '\t ' ' ')"
    if [[ $RUN == b ]]; then kill -INT "$SP"; wait "$SP" 2>/dev/null || true; fi
    stop_muster > /dev/null
  done
  say "strace -c -f of muster during the log test (top 10):"; sed -n '1,14p' "$OUT/strace-log.txt" | tee -a "$OUT/summary.txt"
  ;;
*) echo "unknown scenario $SCEN" >&2; exit 2 ;;
esac
for f in "$OUT"/*.cpuprofile; do
  [[ -e $f ]] || continue
  node "$HERE/cpuprof-summary.js" "$f" --top 12 > "$f.summary.txt"
done
say "profiles: $OUT/*.cpuprofile (+ .summary.txt)"
rm -rf "$TMP"
