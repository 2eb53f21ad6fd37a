#!/usr/bin/env bash
# Runs every fuzz target of the root module, one at a time, for FUZZTIME each (default 30s).
#
# Targets are the `func FuzzXxx(f *testing.F)` declarations in the _test.go files of the root module's
# packages. Go fuzzes one target of one package per invocation, hence the loop. A failing input is written
# to the package's testdata/fuzz/FuzzXxx/ directory; commit it as a regression seed.
#
# Usage: FUZZTIME=5s fuzz/run.sh   (run from anywhere; it works in the repository root)
#
# FUZZTIME is a duration (30s) or a count of executions (30000x). make fuzz-short uses a count: with Go before
# 1.27 a duration can end in a spurious "context deadline exceeded" failure when the deadline races a busy
# worker (go.dev/issue/75804), with no failing input written; a count has no deadline to race.
set -euo pipefail

FUZZTIME="${FUZZTIME:-30s}"
GO="${GO:-go}"
cd -P "$(dirname "${BASH_SOURCE[0]}")/.."

# Package directories of the root module only: GOWORK=off keeps nested modules (conformance, bench, ...) out.
mapfile -t dirs < <(GOWORK=off "$GO" list -e -f '{{.Dir}}' ./...)

targets=() # entries are "./relative/pkg FuzzName"
for dir in "${dirs[@]}"; do
	shopt -s nullglob
	files=("$dir"/*_test.go)
	shopt -u nullglob
	[[ ${#files[@]} -gt 0 ]] || continue
	pkg="./${dir#"$PWD"/}"
	[[ "$dir" == "$PWD" ]] && pkg="."
	while IFS= read -r name; do
		targets+=("$pkg $name")
	done < <(grep -h -o -E '^func Fuzz[A-Za-z0-9_]*\(' "${files[@]}" | sed -e 's/^func //' -e 's/($//' | sort -u)
done

if [[ ${#targets[@]} -eq 0 ]]; then
	echo "fuzz: no fuzz targets yet, nothing to do"
	exit 0
fi

echo "fuzz: ${#targets[@]} targets, ${FUZZTIME} each"
for t in "${targets[@]}"; do
	pkg="${t% *}"
	name="${t#* }"
	echo "==> ${pkg} ${name}"
	"$GO" test -run='^$' -fuzz="^${name}\$" -fuzztime="$FUZZTIME" "$pkg"
done
