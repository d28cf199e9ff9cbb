# shellcheck shell=bash
# bench:optional (run it with -a muster; bench/run.sh does)
# Adapter: muster, this repository (derived from TEMPLATE-own.sh).
#   MUSTER_REPO  the muster checkout (default: three levels above this file when
#                run from bench/peer, else /work/main); it must be built (npx tsc -p .).
#   MUSTER_REV   what to print as muster's revision (bench/run.sh sets it)
#   MUSTER_NODE_OPTS  extra node flags for the muster process (e.g. --cpu-prof).
# `muster -C APP up -q` runs in the foreground; we run it in its own session in
# the background and keep its PID. It reads $W/app/Procfile plus a muster.toml
# that sets the restart/stop knobs the harness asks for.
_muster_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [[ -z ${MUSTER_REPO:-} ]]; then
  if [[ -x $_muster_here/../../../bin/muster ]]; then MUSTER_REPO=$(cd "$_muster_here/../../.." && pwd)
  else MUSTER_REPO=/work/main; fi
fi
MUSTER_NODE_OPTS=${MUSTER_NODE_OPTS:-}

a_check()   { [[ -x $MUSTER_REPO/bin/muster && -f $MUSTER_REPO/build/src/cli/main.js ]] && command -v node >/dev/null; }
a_version() { echo "muster $(node -p "require('$MUSTER_REPO/package.json').version") @ ${MUSTER_REV:-$(git -C "$MUSTER_REPO" rev-parse --short HEAD 2>/dev/null || echo '?')} (node $(node --version))"; }
a_notes()   { echo "Procfile + muster.toml: restart=always, max_restarts=1000000 (no give-up), stop_signal=TERM, stop_timeout=${BENCH_GRACE}s then SIGKILL of the group, stop_scope=group, up -q (no console echo; logs in .muster/logs/); stop = SIGINT to 'muster up', wait for it to exit; status: muster has no status command yet, the timed command is 'ps' of muster's process tree (an OS view, NOT a muster figure)"; }

a_setup() {
  read_procfile "$W/Procfile"
  mkdir -p "$W/app"
  cp "$W/Procfile" "$W/app/Procfile"
  local i
  for i in "${!P_NAMES[@]}"; do
    cat <<TOML
[process.${P_NAMES[$i]}]
restart = "always"
max_restarts = 1000000
stop_signal = "TERM"
stop_timeout = "${BENCH_GRACE}s"
stop_scope = "group"

TOML
  done > "$W/app/muster.toml"
  # muster refuses a bad config with exit 2 before starting anything: check it here.
  node "$MUSTER_REPO/build/src/cli/main.js" -C "$W/app" config > "$W/config.out" 2>&1
}

a_start() {
  # shellcheck disable=SC2086
  (cd "$W" && exec setsid node $MUSTER_NODE_OPTS "$MUSTER_REPO/build/src/cli/main.js" -C "$W/app" up -q) < /dev/null > "$W/up.out" 2>&1 &
  echo $! > "$W/muster.pid"
  disown $! 2>/dev/null || true
}

a_roots() { cat "$W/muster.pid"; }

# No status command yet (the control socket comes later). 'ps' over muster's
# tree is timed so the harness has something to run; it says nothing about muster.
a_status_cmd() { echo "ps -o pid,stat,etime,args --ppid $(cat "$W/muster.pid")"; }

a_logfile() { echo "$W/app/.muster/logs/$1.log"; }

# SIGINT to 'muster up' (what Ctrl-C does), then wait until it has exited:
# muster exits 0 only once every process group is empty. Polled every 5 ms so
# the stop figure is not rounded up by the harness' 50 ms polling.
a_stop() {
  local pid deadline
  read -r pid < "$W/muster.pid"
  kill -INT "$pid" 2>/dev/null || return 0
  deadline=$(( $(now_us) + (BENCH_GRACE + 30) * 1000000 ))
  while alive "$pid"; do
    (( $(now_us) > deadline )) && return 1
    sleep 0.005
  done
  return 0
}

a_teardown() {
  local pid; read -r pid < "$W/muster.pid" 2>/dev/null
  if [[ -n ${pid:-} ]] && alive "$pid" && [[ $(args_of "$pid") == *muster* ]]; then
    kill -TERM "$pid" 2>/dev/null; wait_gone 15 "$pid" || kill -9 "$pid" 2>/dev/null
  fi
  return 0
}
