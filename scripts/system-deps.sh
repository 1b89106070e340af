#!/usr/bin/env bash
# Debian packages WeasyPrint, the browser tests and the previews need. Installed with apt when running as root and missing;
# otherwise a warning says what to install. Without libharfbuzz-subset0, PDFs take twice
# as long and their bytes differ between runs; without the DejaVu fonts, text falls back
# to whatever fonts the machine has.
set -u
needed=()
have_lib() { ldconfig -p 2>/dev/null | grep -q "$1"; }
have_lib 'libpango-1.0.so.0'        || needed+=(libpango-1.0-0)
have_lib 'libpangoft2-1.0.so.0'     || needed+=(libpangoft2-1.0-0)
have_lib 'libharfbuzz-subset.so.0'  || needed+=(libharfbuzz-subset0)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || needed+=(fonts-dejavu-core)
command -v pdftotext >/dev/null 2>&1  || needed+=(poppler-utils)   # pdftotext in tests, pdftoppm for previews
# Tests and `make demo`'s previews: headless Chromium runs axe-core (from npm) on the HTML.
command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || needed+=(chromium)
command -v npm >/dev/null 2>&1       || needed+=(nodejs npm)
((${#needed[@]})) || exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian packages: ${needed[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${needed[@]}" >/dev/null \
    || echo "warning: could not install ${needed[*]}; PDFs may be slower and not byte-identical" >&2
else
  echo "warning: missing Debian packages ${needed[*]} (install them with apt as root);" \
       "PDFs may be slower and not byte-identical between runs" >&2
fi
exit 0
