#!/usr/bin/env bash
# Sets up the PyTorch peer of `compare-torch`: Debian's python3-torch (PyTorch 1.13 on Debian 12) for /usr/bin/python3.
# Idempotent: does nothing when /usr/bin/python3 already imports torch. Needs root (apt-get).
set -euo pipefail
if /usr/bin/python3 -c "import torch, numpy" >/dev/null 2>&1; then
  echo "python3-torch present: $(/usr/bin/python3 -c 'import torch; print(torch.__version__)')"
  exit 0
fi
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y python3-torch
/usr/bin/python3 -c "import torch; print('installed python3-torch', torch.__version__)"
