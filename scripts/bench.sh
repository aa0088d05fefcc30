#!/usr/bin/env bash
# Times each row of the speed targets side by side with its reference
# (hyperfine -N, both commands in one session) and prints the ratios:
#   1. validate --staged, one staged entity change, in a generated repository
#      of 50,000 files (5,000 of them entity files), vs git diff --cached --name-only
#   2. sync --dry-run --state none --base HEAD~1, 500 changed entity files,
#      same repository, vs git diff-tree -r --no-renames HEAD~1 HEAD
#   3. validate FILE, one entity file (in the 10,000-file catalog of row 4),
#      vs a floor binary that reads the file and json.Unmarshals it
#      (scripts/floor.go), and vs a Go binary that does nothing (scripts/trivial.go)
#   4. validate, 10,000 entity files, vs the floor binary walking the catalog
#      and reading and json.Unmarshalling every file with 2 workers
# Everything is generated and built here: port-gitops as releases build it
# (CGO_ENABLED=0, -tags urfave_cli_no_docs), the references, the repository
# and the catalog. Needs Go, git and hyperfine (apt-get install -y hyperfine).
#
#   BENCH_ROWS="3 4"   the rows to run (default: 1 2 3 4)
#   BENCH_RUNS=20      hyperfine's --min-runs (default 20)
#   BENCH_DIR=DIR      keep the repository of rows 1-2 in DIR and reuse it
#                      (default: a temporary directory, removed afterwards)
#   BENCH_BIN=FILE     time this port-gitops binary instead of building one
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
command -v hyperfine >/dev/null || { echo "bench.sh: hyperfine is not installed (apt-get install -y hyperfine)" >&2; exit 3; }
command -v go >/dev/null || { echo "bench.sh: go is not installed" >&2; exit 3; }
rows=${BENCH_ROWS:-1 2 3 4}
for r in $rows; do
  case $r in 1|2|3|4) ;; *) echo "bench.sh: BENCH_ROWS: no row $r (rows are 1 2 3 4)" >&2; exit 2 ;; esac
done
want() { case " $rows " in *" $1 "*) return 0 ;; esac; return 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
repo=${BENCH_DIR:-$work/repo}
runs=${BENCH_RUNS:-20}
if [ -n "${BENCH_BIN:-}" ]; then
  bin=$(cd "$(dirname "$BENCH_BIN")" && pwd)/$(basename "$BENCH_BIN")
else
  CGO_ENABLED=0 go build -trimpath -tags urfave_cli_no_docs -o "$work/port-gitops" .
  bin=$work/port-gitops
fi

ratio() { # hyperfine JSON export, index of the reference → each command's mean and median, and its median over the reference's
  python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["results"]
ref = r[int(sys.argv[2])]
for x in r:
    cmd = x["command"].replace(sys.argv[3] + "/", "")
    print("  %-72s mean %6.1f ms  median %6.1f ms  %5.2fx" % (cmd, x["mean"]*1e3, x["median"]*1e3, x["median"]/ref["median"]))
' "$1" "$2" "$work"
}

if want 1 || want 2; then
command -v git >/dev/null || { echo "bench.sh: git is not installed" >&2; exit 3; }
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

if want 1; then
echo "== 1. validate --staged, one staged entity change"
printf '{\n  "identifier": "svc-03-0042",\n  "title": "Service 3 42, staged",\n  "properties": {"tier": "gold", "owner": "team-03"}\n}\n' > "$repo/teams/team-03/services/svc-0042/entity.json"
git -C "$repo" add teams/team-03/services/svc-0042/entity.json
(cd "$repo" && "$bin" validate --staged --color never)
(cd "$repo" && hyperfine -N --warmup 3 --min-runs "$runs" --export-json "$work/row1.json" \
  "$bin validate --staged --color never" "git diff --cached --name-only")
ratio "$work/row1.json" 1
git -C "$repo" reset -q --hard main
fi

if want 2; then
echo "== 2. sync --dry-run --state none --base HEAD~1, 500 changed entity files"
# CI set, as in a CI job: the dry run's uncommitted-files note (a git
# status of the working tree) is left out of what is timed.
export CI=true
(cd "$repo" && "$bin" sync --dry-run --state none --base HEAD~1 --color never | tail -3)
(cd "$repo" && hyperfine -N --warmup 3 --min-runs "$runs" --export-json "$work/row2.json" \
  "$bin sync --dry-run --state none --base HEAD~1 --color never" "git diff-tree -r --no-renames HEAD~1 HEAD")
ratio "$work/row2.json" 1
unset CI
fi
fi

if want 3 || want 4; then
  # The benchmark catalog of validate's Go benchmarks: 10,000 entity files,
  # one in 50 with a mistake (so validate exits 1, with findings).
  go test ./validate -run '^TestGenerateCatalog$' -count=1 -gen-catalog="$work/catalog" -gen-files=10000 >/dev/null
  CGO_ENABLED=0 go build -trimpath -o "$work/floor" scripts/floor.go
  CGO_ENABLED=0 go build -trimpath -o "$work/trivial" scripts/trivial.go
  cat=$work/catalog
  one=services/g000/svc-00000/entity.json
  echo "catalog: $(find "$cat/services" -name entity.json | wc -l) entity files, $(du -sk "$cat/services" | cut -f1) KiB"
fi

if want 3; then
  echo "== 3. validate FILE, one entity file"
  (cd "$cat" && "$bin" validate --color never "$one")
  (cd "$cat" && hyperfine -N --warmup 5 --min-runs "$((runs * 3))" --export-json "$work/row3.json" \
    "$bin validate --color never $one" "$work/trivial" "$work/floor $one")
  ratio "$work/row3.json" 2
fi

if want 4; then
  echo "== 4. validate, 10,000 entity files"
  # Exit 1 is expected (the catalog's mistakes); anything else is not.
  code=0
  (cd "$cat" && "$bin" validate --color never >"$work/row4.out") || code=$?
  tail -1 "$work/row4.out"
  [ "$code" = 1 ] || { echo "bench.sh: validate of the catalog exited $code, not 1" >&2; exit 3; }
  (cd "$cat" && hyperfine -N --warmup 3 --min-runs "$runs" -i --export-json "$work/row4.json" \
    "$bin validate --color never" "$work/floor .")
  ratio "$work/row4.json" 1
fi
