# Sourced by scripts/test-wine.sh and scripts/test-package.sh: finds (or, as
# root on Debian, installs) wine64 and makes the private Wine prefix in
# .cache/wine/prefix. Sets $wine and $wineserver; the caller defines say/die
# and runs from the repository's root.
# --- wine64 --------------------------------------------------------------------
# Debian's wine64 puts its loader in /usr/lib/wine, not on PATH.
find_wine() {
  for w in "${WINE64:-}" /usr/lib/wine/wine64 "$(command -v wine64 2>/dev/null || true)"; do
    if [ -n "$w" ] && [ -x "$w" ]; then echo "$w"; return 0; fi
  done
  return 1
}
if ! wine=$(find_wine); then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing wine64 (apt-get, a few hundred MB)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wine64 >/dev/null
    wine=$(find_wine) || die "wine64 installed but its loader was not found (dpkg -L wine64)"
  else
    die "missing wine64. On Debian/Ubuntu: sudo apt-get install wine64 (the loader is /usr/lib/wine/wine64)"
  fi
fi
wineserver=$(dirname "$wine")/wineserver
[ -x "$wineserver" ] || wineserver=$(command -v wineserver 2>/dev/null || true)

# --- a private Wine prefix -----------------------------------------------------
export WINEPREFIX="$PWD/.cache/wine/prefix"
export WINEDEBUG=-all
export WINEARCH=win64
# No display, and no Wine Mono/Gecko (.NET and HTML engines node.exe does
# not need): first boot then neither opens a dialog nor downloads anything.
unset DISPLAY WAYLAND_DISPLAY
export WINEDLLOVERRIDES="mscoree,mshtml="
if [ ! -f "$WINEPREFIX/system.reg" ]; then
  say "creating the Wine prefix (first boot, about 10 s here)"
  mkdir -p "$(dirname "$WINEPREFIX")"
  start=$(date +%s)
  "$wine" wineboot --init >/dev/null 2>&1 || die "wineboot --init failed (WINEPREFIX=$WINEPREFIX)"
  [ -z "$wineserver" ] || "$wineserver" -w
  say "Wine prefix ready in $(( $(date +%s) - start )) s"
fi
