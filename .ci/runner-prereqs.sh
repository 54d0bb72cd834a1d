#!/usr/bin/env bash
# What the runner's tests need on a CI machine (call from .ci/run, as root, before pytest):
#  - bubblewrap, so the full sandbox tier is tested (util-linux: unshare, setpriv, mount
#    and iproute2 are in the base image already); chromium, for the browser test of serve;
#  - the interpreter readable and traversable by any user: tests/test_hostile.py runs the
#    tutor as throwaway uids (setpriv --reuid=UID), because rlimits/NPROC do not bind root.
# Usage: .ci/runner-prereqs.sh [PYTHON]   (PYTHON: the interpreter the venv is made from)
set -euo pipefail
python=${1:-python3}
if [ "$(id -u)" != 0 ]; then
    echo "runner-prereqs: not root; nothing to do (the hostile tests run as this user)"
    exit 0
fi
if ! command -v bwrap >/dev/null; then
    (apt-get update -qq && apt-get install -y -qq bubblewrap) >/dev/null 2>&1 \
        || echo "runner-prereqs: could not install bubblewrap; the full tier will be skipped"
fi
if ! command -v chromium >/dev/null; then   # the browser test of `coro-tutor serve`
    (apt-get update -qq && apt-get install -y -qq chromium) >/dev/null 2>&1 \
        || echo "runner-prereqs: could not install chromium; the browser test will be skipped"
fi
real=$("$python" -c 'import os, sys; print(os.path.realpath(sys.executable))')
dir=$(dirname "$real")
while [ "$dir" != "/" ]; do   # o+x on every ancestor (e.g. /root for pyenv), nothing more
    chmod o+x "$dir"
    dir=$(dirname "$dir")
done
if setpriv --reuid=40999 --regid=40999 --clear-groups -- "$real" -c pass 2>/dev/null; then
    echo "runner-prereqs: an unprivileged uid can run $real"
else
    echo "runner-prereqs: an unprivileged uid cannot run $real; NPROC tests will be skipped"
fi
