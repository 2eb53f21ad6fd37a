#!/usr/bin/env bash
# Runs h2spec (strict mode) against the h2c server driver on a loopback port and prints h2spec's summary.
# Usage: conformance/h2spec.sh [h2spec flags…]   (from anywhere; H2SPEC names the binary)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
h2spec=${H2SPEC:-h2spec}
work=$(mktemp -d)
trap 'kill "${pid:-0}" 2>/dev/null || true; wait "${pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/h2server" ./cmd/h2server
"$work/h2server" -h2c 127.0.0.1:0 >"$work/out" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
	grep -q '^listening h2c' "$work/out" 2>/dev/null && break
	sleep 0.05
done
addr=$(awk '/^listening h2c/ {print $3}' "$work/out")
[[ -n "$addr" ]] || { echo "h2spec.sh: the server did not start"; cat "$work/out"; exit 1; }
"$h2spec" -S -h 127.0.0.1 -p "${addr##*:}" -o 2 "$@"
