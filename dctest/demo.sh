#!/usr/bin/env bash
# make demo / make demo-down.
#
# The demo runs a single-server site with real parts: it builds site
# packages with dpkg-deb, publishes them as releases to a neco mirror served
# on loopback, asks neco which release each env would take, then starts
# neco-updater (with its embedded etcd) and three neco-workers (each
# installing into a dpkg root of its own), configures the cluster with
# `neco config`, and follows the update to its end with `neco status`. Units
# and images need systemd and containerd per server: that is the
# three-boot-server site of the dctest issue.
set -euo pipefail
cd "$(dirname "$0")/.."

STATE=${NECO_DEMO_DIR:-$PWD/build/demo}
PORT=${NECO_DEMO_PORT:-18080}
API=http://127.0.0.1:$PORT/
REPO=example/site
NECO=$PWD/bin/neco
UPDATER=$PWD/bin/neco-updater
WORKER=$PWD/bin/neco-worker
ETCD_PORT=${NECO_DEMO_ETCD_PORT:-12379}
# Prometheus endpoints: the updater on METRICS_PORT, worker LRN on METRICS_PORT+1+LRN.
METRICS_PORT=${NECO_DEMO_METRICS_PORT:-12390}
export NECO_CONFIG=$STATE/config.yml

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

down() {
  local p
  for p in worker-0 worker-1 worker-2 updater mirror; do
    if [[ -f $STATE/$p.pid ]]; then
      kill "$(cat "$STATE/$p.pid")" 2>/dev/null || true
      # The updater resigns and stops its embedded etcd: let it finish.
      for _ in $(seq 100); do kill -0 "$(cat "$STATE/$p.pid")" 2>/dev/null || break; sleep 0.1; done
    fi
  done
  rm -rf "$STATE"
}

# until_status PATTERN: wait (up to 30s) for `neco status` to match.
until_status() {
  for _ in $(seq 300); do
    "$NECO" status 2>/dev/null | grep -q -- "$1" && return 0
    sleep 0.1
  done
  echo "timed out waiting for neco status to show: $1" >&2
  "$NECO" status >&2 || true
  exit 1
}

start_updater() {
  cat > "$NECO_CONFIG" <<CFG
lrn: 0
etcd:
  prefix: /neco/
  embedded-client-url: http://127.0.0.1:$ETCD_PORT
  embedded-peer-url: http://127.0.0.1:$((ETCD_PORT + 1))
data-dir: $STATE/updater
log-level: info
metrics-listen: 127.0.0.1:$METRICS_PORT
CFG
  setsid "$UPDATER" --config "$NECO_CONFIG" --name boot-0 </dev/null >"$STATE/updater.log" 2>&1 &
  echo $! > "$STATE/updater.pid"
  until_status "updater leader"
}

# start_worker LRN: a neco-worker for boot server LRN. Its packages go into
# a dpkg root of its own ($STATE/boot-LRN/root, worker.root) so that three
# "servers" share this machine without touching its real dpkg database.
start_worker() {
  local lrn=$1 dir=$STATE/boot-$1
  mkdir -p "$dir/root/var/lib/dpkg/"{info,updates,triggers}
  touch "$dir/root/var/lib/dpkg/"{status,available}
  cat > "$dir/config.yml" <<CFG
lrn: $lrn
etcd:
  prefix: /neco/
  embedded-client-url: http://127.0.0.1:$ETCD_PORT
  embedded-peer-url: http://127.0.0.1:$((ETCD_PORT + 1))
data-dir: $dir
worker:
  root: $dir/root
  metrics-listen: 127.0.0.1:$((METRICS_PORT + 1 + lrn))
CFG
  setsid "$WORKER" --config "$dir/config.yml" --name "boot-$lrn" </dev/null >"$STATE/worker-$lrn.log" 2>&1 &
  echo $! > "$STATE/worker-$lrn.pid"
}

# site_package VERSION: a real Debian package carrying the release plan.
site_package() {
  local v=$1 root=$STATE/src/site_$1
  mkdir -p "$root/DEBIAN" "$root/usr/share/neco" "$root/usr/lib/example-site"
  cat > "$root/DEBIAN/control" <<CTL
Package: example-site
Version: $v
Architecture: amd64
Maintainer: neco demo <demo@example.com>
Description: example site release for the neco demo
CTL
  cat > "$root/usr/share/neco/plan.yaml" <<PLAN
version: $v
once:
  - {name: announce, exec: [/bin/sh, -c, "echo {{.Version}} >> $STATE/once.log"]}
PLAN
  echo "$v" > "$root/usr/lib/example-site/VERSION"
  dpkg-deb --root-owner-group --build "$root" "$STATE/pkgs/example-site_${v}_amd64.deb" >/dev/null
  echo "$STATE/pkgs/example-site_${v}_amd64.deb"
}

publish() { # TAG VERSION [publish flags...]
  local tag=$1 v=$2; shift 2
  "$NECO" mirror publish --dir "$STATE/mirror" --repo "$REPO" --tag "$tag" "$@" "$(site_package "$v")"
}

up() {
  down
  mkdir -p "$STATE/pkgs" "$STATE/src"
  say "Building site packages with dpkg-deb and publishing them to a mirror in $STATE/mirror"
  publish release-2026.11.20-1 2026.11.20-1
  publish release-2026.11.23-1 2026.11.23-1 --prerelease
  publish test-2026.11.24-1 2026.11.24-1 --prerelease
  publish release-2026.12.01-1 2026.12.01-1 --draft
  "$NECO" mirror publish --dir "$STATE/mirror" --repo "$REPO" --tag v2.0.0 --no-checksums

  say "Serving the mirror on $API (GitHub's REST paths)"
  setsid "$NECO" mirror serve --dir "$STATE/mirror" --listen "127.0.0.1:$PORT" </dev/null >"$STATE/mirror.log" 2>&1 &
  echo $! > "$STATE/mirror.pid"
  for _ in $(seq 100); do curl -fs "${API}repos/$REPO/releases" >/dev/null && break; sleep 0.1; done

  say "neco releases: what each env would pick now"
  "$NECO" releases --repo "$REPO" --api-url "$API"

  say "Verifying the staging pick the way a worker will: SHA256SUMS, then the package"
  local dl=$STATE/download
  mkdir -p "$dl"
  curl -fsSL "${API}$REPO/releases/download/release-2026.11.23-1/SHA256SUMS" -o "$dl/SHA256SUMS"
  curl -fsSL "${API}$REPO/releases/download/release-2026.11.23-1/example-site_2026.11.23-1_amd64.deb" -o "$dl/example-site_2026.11.23-1_amd64.deb"
  (cd "$dl" && sha256sum -c SHA256SUMS)
  dpkg-deb --fsys-tarfile "$dl/example-site_2026.11.23-1_amd64.deb" | tar -xO ./usr/share/neco/plan.yaml

  say "Publishing release-2026.11.25-1 while the mirror serves: production moves"
  publish release-2026.11.25-1 2026.11.25-1
  "$NECO" releases --repo "$REPO" --api-url "$API" --env production

  say "Starting neco-updater with an embedded etcd (no endpoints in $NECO_CONFIG)"
  start_updater
  say "Registering three boot servers and starting a neco-worker for each (env is still test: nothing starts)"
  for lrn in 0 1 2; do "$NECO" join "$lrn" --hostname "boot-$lrn"; start_worker "$lrn"; done

  say "Configuring the cluster with neco config (stored in etcd; no restart needed)"
  "$NECO" config set github-repo "$REPO"
  "$NECO" config set github-api-url "$API"
  "$NECO" config set check-update-interval 10s
  "$NECO" config set worker-timeout 10m
  printf 'hunter2-but-longer-than-16\n' | "$NECO" config set github-webhook-secret
  "$NECO" config list
  "$NECO" config set env staging

  say "env staging: the updater starts an update; each worker downloads, verifies and installs the site package"
  until_status "completed after"
  "$NECO" status
  "$NECO" history

  say "What the workers did: the package in each server's dpkg root, the once-step run once"
  for lrn in 0 1 2; do
    printf 'boot-%s: ' "$lrn"
    dpkg-query --admindir="$STATE/boot-$lrn/root/var/lib/dpkg" -W example-site
  done
  printf 'once.log: %s\n' "$(tr '\n' ' ' < "$STATE/once.log")"

  say "Prometheus: the updater's view of the update it ran"
  curl -fsS "http://127.0.0.1:$METRICS_PORT/metrics" | grep -E '^neco_(target_version_info|server_cond|update_duration_seconds_count|leader)'

  say "Done. The mirror serves on $API; neco-updater and three neco-workers run (logs: $STATE/*.log)"
  cat <<EOF2
  Try:      NECO_CONFIG=$NECO_CONFIG $NECO status --watch
            $NECO releases --repo $REPO --api-url $API --json
  Metrics:  curl http://127.0.0.1:$METRICS_PORT/metrics  (workers: ports $((METRICS_PORT + 1))-$((METRICS_PORT + 3)))
  Publish:  $NECO mirror publish --dir $STATE/mirror --repo $REPO --tag release-2026.11.26-1 --prerelease FILE.deb
            (a site package with usr/share/neco/plan.yaml of its version; the updater picks it up within 10s)
  Stop:     make demo-down
EOF2
}

case "${1:-up}" in
  up) up ;;
  down) down; echo "demo stopped and removed" ;;
  *) echo "usage: $0 [up|down]" >&2; exit 2 ;;
esac
