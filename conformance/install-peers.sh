#!/usr/bin/env bash
# Installs the interoperability peers of the matrix when they are missing: nginx, nghttpd and h2load, curl,
# Python's websockets (for /usr/bin/python3), Node and the npm package ws (into the folder given).
# With --nghttp2 it installs only nghttpd and h2load (what make bench needs).
# Usage: conformance/install-peers.sh NODE_DIR | --nghttp2
set -euo pipefail
node_dir=${1:?usage: install-peers.sh NODE_DIR | --nghttp2}
need=()
command -v nghttpd >/dev/null 2>&1 || need+=(nghttp2-server)
command -v h2load >/dev/null 2>&1 || need+=(nghttp2-client)
if [[ $node_dir != --nghttp2 ]]; then
	command -v nginx >/dev/null 2>&1 || need+=(nginx)
	command -v curl >/dev/null 2>&1 || need+=(curl)
	/usr/bin/python3 -c 'import websockets' >/dev/null 2>&1 || need+=(python3-websockets)
	command -v node >/dev/null 2>&1 || need+=(nodejs)
	command -v npm >/dev/null 2>&1 || need+=(npm)
fi
if [[ ${#need[@]} -gt 0 ]]; then
	sudo=()
	if [[ $(id -u) -ne 0 ]] && command -v sudo >/dev/null 2>&1; then sudo=(sudo -n); fi
	echo "installing ${need[*]}"
	"${sudo[@]}" apt-get update -qq </dev/null
	# Packages must not start system services (nginx would listen on port 80): policy-rc.d refuses them.
	policy=/usr/sbin/policy-rc.d
	made_policy=0
	if [[ ! -e $policy ]]; then
		printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
		"${sudo[@]}" chmod +x "$policy"
		made_policy=1
	fi
	DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" </dev/null
	if [[ $made_policy == 1 ]]; then "${sudo[@]}" rm -f "$policy"; fi
fi
if [[ $node_dir != --nghttp2 && ! -d $node_dir/node_modules/ws ]]; then
	mkdir -p "$node_dir"
	(cd "$node_dir" && npm install --silent --no-audit --no-fund --no-package-lock ws@8 </dev/null)
fi
