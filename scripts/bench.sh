#!/usr/bin/env bash
# Times port-gitops side by side with the git command that does the same
# walk, in a generated repository of 50,000 files (5,000 of them entity
# files), and prints each ratio:
#   1. validate --staged, one staged entity change, vs git diff --cached --name-only
#   2. sync --dry-run --state none --base HEAD~1, 500 changed entity files,
#      vs git diff-tree -r --no-renames HEAD~1 HEAD
# Needs Go, git and hyperfine (apt-get install -y hyperfine). The
# repository is built under $BENCH_DIR (default: a temporary directory,
# removed afterwards); set BENCH_DIR to keep and reuse it.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
repo=${BENCH_DIR:-$work/repo}
runs=${BENCH_RUNS:-20}
command -v hyperfine >/dev/null || { echo "bench.sh: hyperfine is not installed (apt-get install -y hyperfine)" >&2; exit 3; }
CGO_ENABLED=0 go build -o "$work/port-gitops" .
bin=$work/port-gitops
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@port-gitops.invalid GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@port-gitops.invalid

if [ ! -f "$repo/.bench-ready" ]; then
  rm -rf "$repo"
  git init -q -b main "$repo"
  # 10 teams of 500 services, each an entity file and 9 other files; the
  # second commit edits 500 entity files spread over the tree.
  awk 'BEGIN {
    bp = "{\"identifier\": \"service\", \"title\": \"Service\", \"schema\": {\"properties\": {\"tier\": {\"type\": \"string\", \"enum\": [\"gold\", \"silver\"]}, \"owner\": {\"type\": \"string\"}, \"url\": {\"type\": \"string\", \"format\": \"url\"}}, \"required\": [\"tier\"]}, \"relations\": {}}\n"
    cfg = "entities:\n  - files: \"**/entity.json\"\n    blueprint: service\n"
    printf "commit refs/heads/main\nmark :1\ncommitter bench <bench@port-gitops.invalid> 1700000000 +0000\ndata 4\nbase\n"
    printf "M 100644 inline .port/gitops.yaml\ndata %d\n%s\n", length(cfg), cfg
    printf "M 100644 inline .port/blueprints/service.json\ndata %d\n%s\n", length(bp), bp
    for (t = 0; t < 10; t++) for (s = 0; s < 500; s++) {
      dir = sprintf("teams/team-%02d/services/svc-%04d", t, s)
      e = sprintf("{\n  \"identifier\": \"svc-%02d-%04d\",\n  \"title\": \"Service %d %d\",\n  \"properties\": {\"tier\": \"gold\", \"owner\": \"team-%02d\", \"url\": \"https://svc-%02d-%04d.example.com\"}\n}\n", t, s, t, s, t, t, s)
      printf "M 100644 inline %s/entity.json\ndata %d\n%s\n", dir, length(e), e
      for (f = 0; f < 9; f++) {
        c = sprintf("// file %d of %s\npackage svc%04d\n", f, dir, s)
        printf "M 100644 inline %s/src/handler_%d.go\ndata %d\n%s\n", dir, f, length(c), c
      }
    }
    printf "\ncommit refs/heads/main\nmark :2\ncommitter bench <bench@port-gitops.invalid> 1700000100 +0000\ndata 5\nedits\nfrom :1\n"
    for (i = 0; i < 500; i++) {
      t = i % 10; s = (i * 7) % 500
      dir = sprintf("teams/team-%02d/services/svc-%04d", t, s)
      e = sprintf("{\n  \"identifier\": \"svc-%02d-%04d\",\n  \"title\": \"Service %d %d, edited\",\n  \"properties\": {\"tier\": \"silver\", \"owner\": \"team-%02d\", \"url\": \"https://svc-%02d-%04d.example.com\"}\n}\n", t, s, t, s, t, t, s)
      printf "M 100644 inline %s/entity.json\ndata %d\n%s\n", dir, length(e), e
    }
    printf "\n"
  }' | git -C "$repo" fast-import --quiet
  git -C "$repo" repack -adq
  git -C "$repo" checkout -q -f main
  touch "$repo/.bench-ready"
  echo "/.bench-ready" >> "$repo/.git/info/exclude"
fi
git -C "$repo" reset -q --hard main
echo "repository: $(git -C "$repo" ls-files | wc -l) files, index $(stat -c %s "$repo/.git/index") bytes, $(git -C "$repo" count-objects -v | awk '/size-pack/ {print $2}') KiB of pack"

ratio() { # hyperfine JSON export → "port-gitops mean / reference mean"
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"]; print("means: %.1f ms vs %.1f ms (medians %.1f vs %.1f): ratio %.2f" % (r[0]["mean"]*1e3, r[1]["mean"]*1e3, r[0]["median"]*1e3, r[1]["median"]*1e3, r[0]["mean"]/r[1]["mean"]))' "$1"
}

echo "== 1. validate --staged, one staged entity change"
printf '{\n  "identifier": "svc-03-0042",\n  "title": "Service 3 42, staged",\n  "properties": {"tier": "gold", "owner": "team-03"}\n}\n' > "$repo/teams/team-03/services/svc-0042/entity.json"
git -C "$repo" add teams/team-03/services/svc-0042/entity.json
(cd "$repo" && "$bin" validate --staged --color never)
(cd "$repo" && hyperfine -N --warmup 3 --min-runs "$runs" --export-json "$work/row1.json" \
  "$bin validate --staged --color never" "git diff --cached --name-only")
ratio "$work/row1.json"
git -C "$repo" reset -q --hard main

echo "== 2. sync --dry-run --state none --base HEAD~1, 500 changed entity files"
# CI set, as in a CI job: the dry run's uncommitted-files note (a git
# status of the working tree) is left out of what is timed.
export CI=true
(cd "$repo" && "$bin" sync --dry-run --state none --base HEAD~1 --color never | tail -3)
(cd "$repo" && hyperfine -N --warmup 3 --min-runs "$runs" --export-json "$work/row2.json" \
  "$bin sync --dry-run --state none --base HEAD~1 --color never" "git diff-tree -r --no-renames HEAD~1 HEAD")
ratio "$work/row2.json"
