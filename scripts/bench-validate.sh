#!/usr/bin/env bash
# Times the real port-gitops binary validating generated catalogs of 1,000
# and 10,000 entity files, as entity.json and as port.yml (the same
# entities), and reports peak memory. Two builds are timed:
# go build's default, and CGO_ENABLED=0 (static, as the README recommends
# for installs), both with -tags urfave_cli_no_docs as releases build. The
# side-by-side ratios against a floor binary are scripts/bench.sh's rows
# 3-4. Needs Go; uses hyperfine and GNU time when installed (apt-get
# install hyperfine time).
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -tags urfave_cli_no_docs -o "$work/port-gitops" .
CGO_ENABLED=0 go build -tags urfave_cli_no_docs -o "$work/port-gitops-static" .
for n in 1000 10000; do
  go test ./validate -run '^TestGenerateCatalog$' -count=1 -gen-catalog="$work/cat$n" -gen-files=$n >/dev/null
  go test ./validate -run '^TestGenerateCatalog$' -count=1 -gen-catalog="$work/yml$n" -gen-files=$n -gen-format=yaml >/dev/null
done
for n in 1000 10000; do
  echo "== $n entity files"
  if command -v hyperfine >/dev/null; then
    (cd "$work/cat$n" && hyperfine -N --warmup 3 --min-runs 30 -i \
      "$work/port-gitops validate --color never" "$work/port-gitops-static validate --color never")
  else
    for bin in port-gitops port-gitops-static; do
      (cd "$work/cat$n" && time "$work/$bin" validate --color never >/dev/null) || true
    done
  fi
  echo "== $n entity files: entity.json vs port.yml (static build)"
  if command -v hyperfine >/dev/null; then
    hyperfine -N --warmup 3 --min-runs 30 -i \
      "$work/port-gitops-static validate --color never --config $work/cat$n/.port/gitops.yaml" \
      "$work/port-gitops-static validate --color never --config $work/yml$n/.port/gitops.yaml"
  fi
  if [ -x /usr/bin/time ]; then
    (cd "$work/cat$n" && /usr/bin/time -f "peak memory: %M KB" "$work/port-gitops-static" validate --color never >/dev/null) 2>&1 | tail -1 || true
  fi
done
