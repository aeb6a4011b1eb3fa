#!/bin/sh
# Uploading with curl to a PYME data server (ours or PYME's own): write-once PUT, listings, GET.
# Server: the first of PYME_CLUSTER_SERVERS ("host:port ..."), or one started here with the
# installed package's `pyme-cluster serve` (in this repository: `npm run build` first).
#   sh upload-with-curl.sh      (in a project with `npm install pyme-cluster`)
set -eu
tmp=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

if [ -n "${PYME_CLUSTER_SERVERS:-}" ]; then
  url=$(printf '%s\n' "$PYME_CLUSTER_SERVERS" | tr ', ' '\n\n' | grep . | head -n 1)
else
  # A loopback server on a free port, not advertised: `node <bin>` (not npx), so that our
  # SIGTERM reaches it; --json prints {"event":"ready","url":...} once it listens.
  bin=$(dirname "$(node -p "require.resolve('pyme-cluster/package.json')")")/bin/pyme-cluster.js
  mkfifo "$tmp/ready"
  node "$bin" serve --json --root "$tmp/data" --port 0 --host 127.0.0.1 --advertise none > "$tmp/ready" &
  server_pid=$!
  exec 3< "$tmp/ready"
  read -r ready <&3 || { echo "the server did not start" >&2; exit 1; }
  url=$(printf '%s\n' "$ready" | sed 's/.*"url":"\([^"]*\)".*/\1/')
fi
case "$url" in http://*) ;; *) url="http://$url" ;; esac
case "$url" in */) ;; *) url="$url/" ;; esac
dir="examples/curl-$$-$(date +%s)"

# PUT stores a file (its directories are made as needed): 200 once the file is complete.
printf '{"note": "uploaded with curl"}' > "$tmp/notes.json"
curl -sS -f -X PUT --data-binary @"$tmp/notes.json" "${url}${dir}/notes.json"
echo "PUT ${dir}/notes.json: stored"

# Files are write-once: a second PUT of the same name is refused with 405.
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT --data-binary 'again' "${url}${dir}/notes.json")
echo "PUT ${dir}/notes.json again: $code"

# A directory listing (trailing slash) is JSON: name -> [flags, size]; flags 1 = directory,
# 2 = series (has metadata.json), 4 = complete series (has events.json).
echo "GET ${dir}/: $(curl -sS -f "${url}${dir}/")"
echo "GET ${dir}/notes.json: $(curl -sS -f "${url}${dir}/notes.json")"

# What the server says about itself (free space, load; ours adds Root and Cluster).
curl -sS -f "${url}__status" > "$tmp/status.json"
echo "GET __status: $(wc -c < "$tmp/status.json") bytes of JSON"
