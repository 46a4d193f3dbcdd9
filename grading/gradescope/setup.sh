#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image (Ubuntu 22.04 base):
# Node.js 20 from nodejs.org (checksum verified), the kit's npm dependencies, and permissions that keep
# the hidden tests and the grader away from the unprivileged user the student's code runs as.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
cd "$ROOT/source"

NODE_VERSION=20.19.5
if ! command -v node >/dev/null 2>&1 || ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates curl xz-utils util-linux
  case "$(uname -m)" in x86_64) ARCH=x64 ;; aarch64) ARCH=arm64 ;; *) echo "unsupported machine $(uname -m)"; exit 1 ;; esac
  TARBALL="node-v${NODE_VERSION}-linux-${ARCH}.tar.xz"
  cd /tmp
  curl -fsSLO "https://nodejs.org/dist/v${NODE_VERSION}/${TARBALL}"
  curl -fsSL "https://nodejs.org/dist/v${NODE_VERSION}/SHASUMS256.txt" | grep " ${TARBALL}\$" | sha256sum -c -
  tar -xJf "$TARBALL" -C /usr/local --strip-components=1
  rm -f "$TARBALL"
  cd "$ROOT/source"
fi

# setpriv and prlimit (util-linux) drop the student's code to another user with limits.
command -v setpriv >/dev/null 2>&1 || { apt-get update && apt-get install -y --no-install-recommends util-linux; }
# bubblewrap: the full sandbox where the container allows user namespaces (the grader says per
# submission which level ran; without it, the user switch above still holds).
command -v bwrap >/dev/null 2>&1 || { apt-get update && apt-get install -y --no-install-recommends bubblewrap; } || true

if [ "${DLKIT_SKIP_NPM_CI:-0}" != "1" ]; then
  npm ci --no-audit --no-fund
fi

# The hidden tests, rubrics and grader are root's alone; node_modules and the data stay readable.
chmod -R go-rwx "$ROOT/source/grading"
cp "$ROOT/source/run_autograder" "$ROOT/run_autograder"
chmod 755 "$ROOT/run_autograder"
