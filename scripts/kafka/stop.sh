#!/usr/bin/env bash
# Stop a broker started by start.sh.   usage: stop.sh [--keep] <run-dir>
# Sends SIGTERM to the PID in <run-dir>/kafka.pid (a clean shutdown flushes the logs), waits up
# to 30 s, then SIGKILL. Deletes <run-dir> only if start.sh created it itself under the temp dir,
# and not with --keep: then the broker can be started again on the same data and port with
#   CMF_KAFKA_RESTART=1 CMF_KAFKA_RUN=<run-dir> start.sh
set -euo pipefail

log() { echo "kafka/stop: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

keep=""
if [[ "${1:-}" == --keep ]]; then
  keep=1
  shift
fi
[[ $# -eq 1 && -n "$1" && "$1" != -* ]] || die "usage: stop.sh [--keep] <run-dir>"
[[ -d "$1" ]] || die "no such run dir: $1"
run="$(cd "$1" && pwd)"

# Alive and not a zombie (a zombie still answers kill -0 until its new parent reaps it).
alive() {
  kill -0 "$1" 2>/dev/null || return 1
  local state
  state="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null || true)"
  [[ "$state" != Z ]]
}

if [[ -f "$run/kafka.pid" ]]; then
  pid="$(cat "$run/kafka.pid")"
  [[ "$pid" =~ ^[0-9]+$ ]] || die "bad pid '$pid' in $run/kafka.pid"
  if alive "$pid"; then
    # Guard against a reused PID: it must be the broker started with this run dir's config.
    cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
    if [[ "$cmd" != *kafka.Kafka*"$run/server.properties"* ]]; then
      die "pid $pid is not the Kafka broker of $run (cmdline: ${cmd:0:200}); not killing it"
    fi
    log "stopping broker pid $pid (SIGTERM)"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 300); do alive "$pid" || break; sleep 0.1; done
    if alive "$pid"; then
      log "broker pid $pid still running after 30s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do alive "$pid" || break; sleep 0.1; done
      alive "$pid" && die "pid $pid survived SIGKILL"
    fi
    log "broker pid $pid stopped"
  else
    log "broker pid $pid is not running"
  fi
  rm -f "$run/kafka.pid"
else
  log "no kafka.pid in $run; nothing to stop"
fi

# Only a folder that start.sh made with mktemp (it left this marker) directly in the temp dir.
tmp="$(cd "${TMPDIR:-/tmp}" && pwd)"
if [[ -z "$keep" && -f "$run/.created-by-start-sh" && "$(dirname "$run")" == "$tmp" && "$(basename "$run")" == cmf-kafka.* ]]; then
  rm -rf "$run"
  log "removed $run"
elif [[ -n "$keep" ]]; then
  log "kept $run; restart it with: CMF_KAFKA_RESTART=1 CMF_KAFKA_RUN=$run $(dirname "${BASH_SOURCE[0]}")/start.sh"
else
  log "kept $run"
fi
