#!/usr/bin/env bash
# install-release.sh: installs a port-gitops release binary, verified
# against the release's checksums.txt. The GitHub Action (action.yml) runs
# it; CI jobs elsewhere (GitLab) can too.
#
#   install-release.sh resolve VERSION        prints the tag VERSION means (latest: the newest release)
#   install-release.sh install VERSION DIR    puts port-gitops (port-gitops.exe on windows) in DIR
#
# VERSION is a tag such as v1.2.3, or latest. Environment:
#   PORT_GITOPS_RELEASES  releases URL (default https://github.com/port-gitops/port-gitops/releases)
#   PORT_GITOPS_OS        linux, darwin or windows (default: from uname, or RUNNER_OS in GitHub Actions)
#   PORT_GITOPS_ARCH      amd64 or arm64 (default: from uname -m, or RUNNER_ARCH)
# Exit status: 0 installed, 1 the release or its archive is not there or
# does not match its checksum, 2 usage.
set -euo pipefail

releases=${PORT_GITOPS_RELEASES:-https://github.com/port-gitops/port-gitops/releases}
releases=${releases%/}

die() { echo "install-release.sh: $*" >&2; exit "${code:-1}"; }

fetch() { # URL FILE: download, bounded in time, failing on HTTP errors
  curl --proto '=https,http' -fsSL --retry 3 --connect-timeout 10 --max-time 300 -o "$2" "$1"
}

resolve() {
  local v=$1
  if [ "$v" = latest ]; then
    # GitHub answers /releases/latest with a redirect to /releases/tag/<tag>.
    local url
    url=$(curl --proto '=https,http' -fsSL --retry 3 --connect-timeout 10 --max-time 60 -o /dev/null -w '%{url_effective}' "$releases/latest") ||
      die "cannot find the latest release at $releases/latest"
    v=${url##*/}
  fi
  case $v in
    v[0-9]*) ;;
    *) code=2 die "version \"$v\" is not a release tag such as v1.2.3 (or latest, or source in the action)" ;;
  esac
  case $v in
    *[!A-Za-z0-9.+-]*) code=2 die "version \"$v\" holds characters a release tag does not" ;;
  esac
  printf '%s\n' "$v"
}

platform() {
  local os=${PORT_GITOPS_OS:-} arch=${PORT_GITOPS_ARCH:-}
  if [ -z "$os" ]; then
    case ${RUNNER_OS:-$(uname -s)} in
      Linux | linux) os=linux ;;
      macOS | Darwin) os=darwin ;;
      Windows | MINGW* | MSYS* | CYGWIN*) os=windows ;;
      *) code=2 die "no release binary for this operating system ($(uname -s)); use version: source" ;;
    esac
  fi
  if [ -z "$arch" ]; then
    case ${RUNNER_ARCH:-$(uname -m)} in
      X64 | x86_64 | amd64) arch=amd64 ;;
      ARM64 | aarch64 | arm64) arch=arm64 ;;
      *) code=2 die "no release binary for this architecture ($(uname -m)); use version: source" ;;
    esac
  fi
  case $os/$arch in
    linux/amd64 | linux/arm64 | darwin/amd64 | darwin/arm64 | windows/amd64 | windows/arm64) ;;
    *) code=2 die "no release binary for $os/$arch" ;;
  esac
  printf '%s %s\n' "$os" "$arch"
}

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  else
    shasum -a 256 "$1" | cut -d' ' -f1
  fi
}

install() {
  local tag dir=$2 os arch ext=tar.gz bin=port-gitops p
  tag=$(resolve "$1")
  p=$(platform)
  read -r os arch <<<"$p"
  if [ "$os" = windows ]; then ext=zip bin=port-gitops.exe; fi
  local archive="port-gitops_${tag#v}_${os}_${arch}.${ext}"
  tmp=$(mktemp -d) # global: the EXIT trap runs after install returns
  trap 'rm -rf "$tmp"' EXIT
  fetch "$releases/download/$tag/checksums.txt" "$tmp/checksums.txt" ||
    die "release $tag not found: no $releases/download/$tag/checksums.txt (see $releases for the versions there are)"
  local want
  want=$(awk -v f="$archive" '$2 == f || $2 == "*" f { print $1; exit }' "$tmp/checksums.txt")
  [ -n "$want" ] || die "release $tag has no $archive (checksums.txt does not list it)"
  fetch "$releases/download/$tag/$archive" "$tmp/$archive" ||
    die "cannot download $releases/download/$tag/$archive"
  local got
  got=$(sha256 "$tmp/$archive")
  [ "$got" = "$want" ] ||
    die "$archive does not match checksums.txt of $tag (sha256 $got, want $want): refusing to install it"
  mkdir -p "$tmp/x"
  if [ "$ext" = zip ]; then
    unzip -q -o "$tmp/$archive" "$bin" -d "$tmp/x"
  else
    tar -xzf "$tmp/$archive" -C "$tmp/x" "$bin"
  fi
  [ -f "$tmp/x/$bin" ] && [ ! -L "$tmp/x/$bin" ] || die "$archive holds no $bin"
  mkdir -p "$dir"
  chmod 755 "$tmp/x/$bin"
  mv -f "$tmp/x/$bin" "$dir/$bin"
  echo "installed port-gitops $tag ($os/$arch) in $dir"
}

case ${1:-} in
  resolve) [ $# -eq 2 ] || code=2 die "usage: install-release.sh resolve VERSION"; resolve "$2" ;;
  install) [ $# -eq 3 ] || code=2 die "usage: install-release.sh install VERSION DIR"; install "$2" "$3" ;;
  *) code=2 die "usage: install-release.sh resolve VERSION | install VERSION DIR" ;;
esac
