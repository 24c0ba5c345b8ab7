#!/usr/bin/env bash
# Copy the built storefront launcher into the theme app extension's assets (Shopify serves
# extension assets from its CDN; devshop's storefront serves them from here).
# Usage: extensions/copy-launcher.sh [SRC] [DEST]   (run from the repository root)
set -euo pipefail
src="${1:-frontend/dist/launcher/launcher.js}"
dest="${2:-extensions/loyalty-launcher/assets/launcher.js}"
if [[ ! -s "$src" ]]; then
  echo "copy-launcher: $src is missing or empty; build the frontend first (make frontend)" >&2
  exit 1
fi
mkdir -p "$(dirname "$dest")"
cp "$src" "$dest"
echo "copy-launcher: $src -> $dest"
