#!/usr/bin/env bash
# `make demo`: a picture of each built policy, so a reader sees it without opening a PDF.
#   DIR/preview/<stem>-p1.png      the PDF's first page (pdftoppm, from poppler-utils)
#   DIR/preview/<stem>-screen.png  the HTML page 1280 px wide in headless Chromium
set -u
out="${1:-output}"
mkdir -p "$out/preview"
browser="$(command -v chromium || command -v chromium-browser || true)"
[ -n "$browser" ] || echo "warning: no chromium; skipping the HTML screenshots (scripts/system-deps.sh installs it as root)" >&2
command -v pdftoppm >/dev/null || echo "warning: no pdftoppm; skipping the PDF previews (install poppler-utils)" >&2
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
for pdf in "$out"/*.pdf; do
  [ -e "$pdf" ] || continue
  stem="$(basename "$pdf" .pdf)"
  if command -v pdftoppm >/dev/null; then
    pdftoppm -r 60 -f 1 -l 1 -png -singlefile "$pdf" "$out/preview/$stem-p1"
  fi
  if [ -n "$browser" ] && [ -e "$out/$stem.html" ]; then
    "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
      --disable-component-update --disable-sync --hide-scrollbars --user-data-dir="$profile" \
      --window-size=1280,2000 --screenshot="$out/preview/$stem-screen.png" "file://$(realpath "$out/$stem.html")" \
      >/dev/null 2>&1 || echo "warning: could not take a screenshot of $out/$stem.html" >&2
  fi
  echo "$out/preview/$stem-p1.png $out/preview/$stem-screen.png"
done
