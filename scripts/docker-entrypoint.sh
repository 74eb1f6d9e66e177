#!/bin/sh
# The image's entry point: the first argument names the component; anything else runs as given
# (e.g. `docker run cmf node --version`). exec, so the component is PID 1 and gets SIGTERM.
set -e
case "$1" in
  gateway | worker | admin-api | all-in-one)
    component="$1"
    shift
    exec node "/app/$component/dist/main.js" "$@"
    ;;
  client-simulator)
    shift
    exec node /app/scripts/serve-simulator.js "$@"
    ;;
esac
exec "$@"
