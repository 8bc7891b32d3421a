#!/bin/sh
# dunst's "dmenu" for the e2e run: `dunstctl context` pipes the notification actions here, one
# line each ("#Label (summary) [id,key]"), and invokes the line printed. A test picks an action
# key by writing it to $PARLEY_E2E_ARTIFACTS/menu-pick first; nothing is printed without one.
key="$(cat "$PARLEY_E2E_ARTIFACTS/menu-pick" 2>/dev/null)"
[ -n "$key" ] || exit 1
grep -m1 -F ",$key]"
