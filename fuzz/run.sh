#!/usr/bin/env bash
# Runs every fuzz target in turn, each for DURATION (default 1m):
#   ./fuzz/run.sh 10m
# Extra arguments go to go test (for example -parallel=1). FuzzDifferential
# skips without the live kernel (root); VERISIM_LIVE=1 makes that a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-1m}
shift || true
# Go's preemption signal can interrupt bpf(BPF_PROG_LOAD) (EAGAIN).
export GODEBUG=asyncpreemptoff=1
for target in $(go test ./fuzz -list '^Fuzz' | grep '^Fuzz'); do
	echo "== $target for $duration"
	go test ./fuzz -run '^$' -fuzz "^${target}\$" -fuzztime "$duration" "$@"
done
