#!/usr/bin/env bash
# Start a real single-node Apache Kafka 4.x broker (KRaft, broker+controller) on 127.0.0.1.
#   usage: start.sh [port]      port 0 or omitted: a free port chosen now
# On success prints exactly one line to stdout and leaves the broker running:
#   KAFKA_BROKERS=127.0.0.1:<port> KAFKA_PID=<pid> KAFKA_RUN_DIR=<dir>
# Stop it with: stop.sh <dir>. Everything else (progress, errors) goes to stderr.
# Env: CMF_KAFKA_HOME (jar cache, see fetch.sh), CMF_KAFKA_RUN (run dir; default a new
# mktemp dir), CMF_KAFKA_RESTART (1: start again the broker that ran in CMF_KAFKA_RUN, with its
# data and ports, e.g. after `stop.sh --keep <dir>`), CMF_KAFKA_START_TIMEOUT (seconds, default
# 90), CMF_KAFKA_JAVA_OPTS (extra JVM flags).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
log() { echo "kafka/start: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

want_port="${1:-0}"
[[ "$want_port" =~ ^[0-9]+$ && "$want_port" -le 65535 ]] || die "usage: start.sh [port] (got '$want_port')"
timeout_s="${CMF_KAFKA_START_TIMEOUT:-90}"

if [[ -n "${CMF_KAFKA_RESTART:-}" && -z "${CMF_KAFKA_RUN:-}" ]]; then
  die "CMF_KAFKA_RESTART needs CMF_KAFKA_RUN=<run dir> of the broker to start again"
fi

libs="$("$here/fetch.sh")"

if [[ -n "${CMF_KAFKA_RUN:-}" ]]; then
  run="$CMF_KAFKA_RUN"
  mkdir -p "$run"
  run="$(cd "$run" && pwd)"
  if [[ -f "$run/kafka.pid" ]] && kill -0 "$(cat "$run/kafka.pid")" 2>/dev/null; then
    die "a broker (pid $(cat "$run/kafka.pid")) is already running for $run; stop.sh it first"
  fi
else
  run="$(mktemp -d "${TMPDIR:-/tmp}/cmf-kafka.XXXXXX")"
  # Tells stop.sh that it may delete this folder.
  touch "$run/.created-by-start-sh"
fi
# The one stdout line is meant to be split on spaces (or eval'd).
[[ "$run" != *[[:space:]]* ]] || die "run dir must not contain whitespace: '$run'"

# Print N distinct free TCP ports on 127.0.0.1; the sockets are all held open together so the
# kernel cannot hand out the same port twice.
free_ports() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket,sys
ss=[socket.socket() for _ in range(int(sys.argv[1]))]
for s in ss: s.bind(("127.0.0.1",0))
print(" ".join(str(s.getsockname()[1]) for s in ss))' "$1"
  elif command -v node >/dev/null 2>&1; then
    node -e 'const net=require("net");const n=+process.argv[1],ss=[];
(function next(){if(ss.length===n){console.log(ss.map(s=>s.address().port).join(" "));ss.forEach(s=>s.close());return;}
const s=net.createServer();ss.push(s);s.listen(0,"127.0.0.1",next);})();' "$1"
  else
    die "need python3 or node to pick a free port"
  fi
}

# Kafka cluster ids are 16 random bytes in URL-safe base64 without padding (Uuid.toString);
# generating it here saves a JVM start of `StorageTool random-uuid`.
cluster_id() {
  local id
  while :; do
    id="$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    [[ "$id" != -* ]] && { echo "$id"; return; }
  done
}

write_config() { # $1 broker port, $2 controller port
  cat >"$run/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$2
listeners=PLAINTEXT://127.0.0.1:$1,CONTROLLER://127.0.0.1:$2
advertised.listeners=PLAINTEXT://127.0.0.1:$1
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$run/data
num.partitions=1
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# Tests: no 3 s wait before the first consumer group rebalance.
group.initial.rebalance.delay.ms=0
# CMF's consumers use a 2 s session timeout (KAFKA_SESSION_TIMEOUT_MS) for fast worker failover;
# Kafka refuses anything under 6 s by default.
group.min.session.timeout.ms=1000
EOF
  # Broker log: INFO to <run>/broker.log only, nothing on the console.
  cat >"$run/log4j2.properties" <<EOF
status = warn
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = $run/broker.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.clients.name = org.apache.kafka.clients
logger.clients.level = WARN
EOF
  # CLI tools (StorageTool, TopicCommand, ...): WARN and up to stderr.
  cat >"$run/tools-log4j2.properties" <<EOF
status = warn
appender.err.type = Console
appender.err.name = STDERR
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.err.ref = STDERR
EOF
}

# True when process $1 has a listening TCP socket on port $2 (matched through /proc socket inodes).
listens_on() {
  local hex inode
  hex="$(printf '%04X' "$2")"
  for inode in $(awk -v p=":$hex" '$2 ~ p"$" && $4 == "0A" {print $10}' /proc/net/tcp /proc/net/tcp6 2>/dev/null); do
    [[ -n "$(find "/proc/$1/fd" -lname "socket:\\[$inode\\]" -print -quit 2>/dev/null)" ]] && return 0
  done
  return 1
}

tool() { # run a Kafka CLI class from the cached jars
  java -Xmx256m -cp "$libs/*" -Dlog4j2.configurationFile="$run/tools-log4j2.properties" "$@"
}

pid=""
ok=""
show_logs() {
  local f
  if grep -qE ' (ERROR|FATAL) |^Caused by' "$run/broker.log" 2>/dev/null; then
    echo "----- first errors in $run/broker.log -----" >&2
    grep -m 8 -E ' (ERROR|FATAL) |^Caused by' "$run/broker.log" >&2 || true
  fi
  for f in broker.log broker.out; do
    [[ -s "$run/$f" ]] || continue
    echo "----- last 40 lines of $run/$f -----" >&2
    tail -n 40 "$run/$f" >&2
  done
}
kill_broker() {
  [[ -n "$pid" ]] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  rm -f "$run/kafka.pid"
  pid=""
}
# Whatever way this script ends before success (error, Ctrl-C, timeout), stop its broker.
trap '[[ -n "$ok" ]] || kill_broker' EXIT
trap 'log "interrupted; stopping the broker"; exit 130' INT TERM

start_t=$SECONDS
deadline=$((SECONDS + timeout_s))
# When the ports were picked here, another process may grab one before the broker binds it;
# then pick new ones and try again (up to 3 times).
attempt=0
while :; do
  attempt=$((attempt + 1))
  if [[ -n "${CMF_KAFKA_RESTART:-}" ]]; then
    # Restart the broker of an earlier run in place: same ports, same data.
    [[ -f "$run/server.properties" && -d "$run/data" ]] || die "CMF_KAFKA_RESTART: no earlier broker in $run"
    port="$(sed -n 's|^advertised.listeners=PLAINTEXT://127.0.0.1:||p' "$run/server.properties")"
    cport="$(sed -n 's|^controller.quorum.bootstrap.servers=127.0.0.1:||p' "$run/server.properties")"
    want_port="$port"
  else
    if [[ "$want_port" == 0 ]]; then
      read -r port cport < <(free_ports 2)
    else
      port="$want_port"
      cport="$(free_ports 2 | tr ' ' '\n' | grep -vx "$port" | head -n1)"
    fi
    [[ "${port:-}" =~ ^[0-9]+$ && "${cport:-}" =~ ^[0-9]+$ ]] || die "could not pick free ports"
    rm -rf "$run/data" "$run/broker.log" "$run/broker.out"
    mkdir -p "$run/data"
    write_config "$port" "$cport"

    # --standalone: this node is the only voter of the dynamic KRaft controller quorum.
    if ! tool kafka.tools.StorageTool format -t "$(cluster_id)" -c "$run/server.properties" \
          --standalone >"$run/format.out" 2>&1; then
      cat "$run/format.out" >&2
      die "formatting the storage in $run/data failed"
    fi
  fi

  log "starting Kafka broker on 127.0.0.1:$port (controller 127.0.0.1:$cport), run dir $run"
  # shellcheck disable=SC2086  # CMF_KAFKA_JAVA_OPTS is a list of flags
  java -Xmx512m -Xms128m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$run/log4j2.properties" -Dkafka.logs.dir="$run" \
    ${CMF_KAFKA_JAVA_OPTS:-} -cp "$libs/*" kafka.Kafka "$run/server.properties" \
    </dev/null >"$run/broker.out" 2>&1 &
  pid=$!
  echo "$pid" >"$run/kafka.pid"

  # Ready = the broker answers a metadata request (list topics). Ask only once this very
  # process listens on the port: otherwise a process that took the port first could answer.
  ready="" bind_failed=""
  while ((SECONDS < deadline)); do
    kill -0 "$pid" 2>/dev/null || break
    # A broker that cannot bind logs it and may take a while to shut down: don't wait for that.
    if grep -qE 'BindException|Address already in use' "$run/broker.log" 2>/dev/null; then
      bind_failed=1
      break
    fi
    if listens_on "$pid" "$port"; then
      left=$((deadline - SECONDS)); ((left > 1)) || left=1
      if timeout "$left" java -Xmx256m -cp "$libs/*" \
          -Dlog4j2.configurationFile="$run/tools-log4j2.properties" \
          org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$port" --list \
          >"$run/ready-check.out" 2>&1; then
        ready=1
        break
      fi
    fi
    sleep 0.3
  done
  [[ -n "$ready" ]] && break

  if [[ -n "$bind_failed" ]]; then
    kill_broker
    if [[ "$want_port" == 0 && $attempt -lt 3 ]] && ((SECONDS < deadline)); then
      log "port $port or $cport was taken before the broker bound it; retrying with new ports"
      continue
    fi
    show_logs
    die "port $port or $cport is already in use; logs in $run"
  fi
  if ! kill -0 "$pid" 2>/dev/null; then
    wait "$pid" 2>/dev/null && code=0 || code=$?
    pid=""
    rm -f "$run/kafka.pid"
    show_logs
    die "the broker exited (code $code) before it was ready; logs in $run"
  fi
  show_logs
  if [[ -s "$run/ready-check.out" ]]; then
    echo "----- last readiness check -----" >&2
    tail -n 20 "$run/ready-check.out" >&2
  fi
  kill_broker
  die "the broker did not answer metadata requests on 127.0.0.1:$port within ${timeout_s}s; logs in $run"
done

cat >"$run/kafka.env" <<EOF
KAFKA_BROKERS=127.0.0.1:$port
KAFKA_PID=$pid
KAFKA_RUN_DIR=$run
KAFKA_LIBS=$libs
EOF
ok=1
log "ready in $((SECONDS - start_t))s"
echo "KAFKA_BROKERS=127.0.0.1:$port KAFKA_PID=$pid KAFKA_RUN_DIR=$run"
