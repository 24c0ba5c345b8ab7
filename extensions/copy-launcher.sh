#!/usr/bin/env bash
# Copy the built storefront launcher (the loader and the panel it loads from beside itself)
# into the theme app extension's assets (Shopify serves extension assets from its CDN;
# devshop's storefront serves them from here).
# Usage: extensions/copy-launcher.sh [SRC_DIR] [DEST_DIR]   (run from the repository root)
set -euo pipefail
src="${1:-frontend/dist/launcher}"
dest="${2:-extensions/loyalty-launcher/assets}"
mkdir -p "$dest"
for name in launcher.js panel.js; do
  if [[ ! -s "$src/$name" ]]; then
    echo "copy-launcher: $src/$name is missing or empty; build the frontend first (make frontend)" >&2
    exit 1
  fi
  cp "$src/$name" "$dest/$name"
  echo "copy-launcher: $src/$name -> $dest/$name"
done
