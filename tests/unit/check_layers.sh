#!/usr/bin/env bash
# Proves the layering rule of STYLE.md for the storage library:
#  1. no source or header under maildir/ includes libuv, OpenSSL or yaml-cpp;
#  2. the unit test binary, which links only maildir, has no libuv/libssl/libyaml-cpp dependency.
set -euo pipefail
src=$1
bin=$2
if grep -rnE '#\s*include\s*[<"](uv\.h|uv/|openssl/|yaml-cpp/)' "$src/maildir"; then
  echo "FAIL: maildir/ includes a network or config library" >&2
  exit 1
fi
if ldd "$bin" | grep -E 'libuv|libssl|libcrypto|libyaml-cpp'; then
  echo "FAIL: $bin (maildir only) links a network or config library" >&2
  exit 1
fi
echo "maildir layering ok"
