#!/usr/bin/env bash
# Fetch the jars of a runnable Apache Kafka broker from Maven Central into a cache outside git:
#   ${CMF_KAFKA_HOME:-$HOME/.cache/cmf-kafka}/<kafka version>/libs
# Idempotent: a marker file records the sha256 of pom.xml; when it matches, nothing is done.
# Progress goes to stderr; the only stdout line is the libs directory (for start.sh).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
pom="$here/pom.xml"
log() { echo "kafka/fetch: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

command -v java >/dev/null 2>&1 || die "java not found on PATH (Kafka 4.x needs Java 17+)"
command -v mvn >/dev/null 2>&1 || die "mvn (Apache Maven) not found on PATH; it downloads the Kafka jars"

# pom.xml is the single place the version is set.
version="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$pom" | head -n1)"
[[ -n "$version" ]] || die "could not read <kafka.version> from $pom"

dest="${CMF_KAFKA_HOME:-$HOME/.cache/cmf-kafka}/$version"
libs="$dest/libs"
marker="$dest/.complete"
want="$(sha256sum "$pom" | cut -d' ' -f1)"

if [[ -f "$marker" && "$(cat "$marker")" == "$want" && -d "$libs" ]]; then
  log "Kafka $version jars already in $libs"
  echo "$libs"
  exit 0
fi

mkdir -p "$dest"
# Two start.sh runs on a cold cache must not download into the same folder at once.
exec 9>"$dest/.lock"
if command -v flock >/dev/null 2>&1; then flock 9; fi
# Another run may have finished while we waited for the lock.
if [[ -f "$marker" && "$(cat "$marker")" == "$want" && -d "$libs" ]]; then
  log "Kafka $version jars already in $libs"
  echo "$libs"
  exit 0
fi

log "downloading Kafka $version jars with Maven into $libs (first run: may take minutes)"
tmp="$dest/libs.tmp.$$"
rm -rf "$tmp"
# Download into a temp folder and move it into place, so an interrupted run never looks complete.
# (sed: Maven 3.8 prints bare ANSI resets even in batch mode; pipefail keeps mvn's exit code.)
if ! mvn -q -B -Dstyle.color=never -f "$pom" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$tmp" 2>&1 | sed 's/\x1b\[[0-9;]*m//g' >&2; then
  rm -rf "$tmp"
  die "mvn dependency:copy-dependencies failed (is Maven Central reachable?)"
fi
ls "$tmp"/kafka_2.13-"$version".jar >/dev/null 2>&1 || { rm -rf "$tmp"; die "kafka_2.13-$version.jar missing after download"; }
rm -f "$marker"
rm -rf "$libs"
mv "$tmp" "$libs"
echo "$want" >"$marker"
log "done: $(ls "$libs" | wc -l) jars in $libs"
echo "$libs"
