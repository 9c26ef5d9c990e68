# Sourced by scripts/test.sh: makes sure a Chromium is available for the
# browser tests of the agent pages (e2e/browser_test.go, chromedp) and exports
# HANDOVER_CHROMIUM. Installs Debian's chromium when none is found. The browser
# tests fail (never skip) without a browser when CI=true.
find_chromium() {
	local b
	for b in "${HANDOVER_CHROMIUM:-}" chromium chromium-browser google-chrome google-chrome-stable; do
		if [ -n "$b" ] && command -v "$b" >/dev/null 2>&1; then
			command -v "$b"
			return 0
		fi
	done
	return 1
}
if ! HANDOVER_CHROMIUM=$(find_chromium); then
	echo "== installing chromium (Debian package) for the browser tests"
	if [ "$(id -u)" = 0 ]; then
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/tmp/handover-apt-chromium.log 2>&1 \
			|| { cat /tmp/handover-apt-chromium.log; echo "could not install chromium"; }
	elif command -v sudo >/dev/null 2>&1; then
		sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium || echo "could not install chromium"
	fi
	HANDOVER_CHROMIUM=$(find_chromium) || HANDOVER_CHROMIUM=""
fi
if [ -n "$HANDOVER_CHROMIUM" ]; then
	export HANDOVER_CHROMIUM
	echo "== chromium: $HANDOVER_CHROMIUM ($("$HANDOVER_CHROMIUM" --version 2>/dev/null || echo 'version unknown'))"
elif [ "${CI:-}" = true ]; then
	echo "chromium is missing and could not be installed: CI runs the browser tests"; exit 1
else
	unset HANDOVER_CHROMIUM
	echo "!!! no chromium: the browser tests of the agent pages will be SKIPPED !!!"
fi
