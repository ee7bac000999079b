#!/bin/sh
# Lays out the package files that need work before jdeb packs them (run by ./mvnw -Pdeb package):
# man pages and the changelog gzipped as Debian wants them (gzip -9n: best compression, no name or
# time stamp, so the same sources give the same bytes), the changelog with the package version.
# Usage: src/deb/prepare.sh MAVEN-VERSION TARGET-DIR (man pages already in TARGET-DIR/deb/man)
set -eu
# the Debian version, as jdeb writes it: 0.1.0-SNAPSHOT becomes 0.1.0~SNAPSHOT, which Debian
# orders before 0.1.0 as Maven does
version=$(echo "$1" | sed 's/-SNAPSHOT$/~SNAPSHOT/')
target=$2
here=$(cd "$(dirname "$0")" && pwd)
out=$target/deb
rm -rf "$out/man1" "$out/doc"
mkdir -p "$out/man1" "$out/doc"
for page in "$out"/man/*.1; do
    gzip -9n <"$page" >"$out/man1/$(basename "$page").gz"
done
sed "s/@VERSION@/$version/" "$here/changelog" | gzip -9n >"$out/doc/changelog.gz"
