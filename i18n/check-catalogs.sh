#!/usr/bin/env bash
# Fails when a catalog misses, leaves untranslated or marks fuzzy any message
# of the sources (issue 7: every string translated in Polish and English).
# Extracts the messages afresh, so a string added without updating the
# catalogs is caught even when i18n/securedoc.pot is stale.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
find base crypto formats app ui cloud -name '*.cpp' -o -name '*.h' 2>/dev/null | sort > "$tmp/POTFILES"
xgettext --from-code=UTF-8 --language=C++ --keyword=tr --keyword=trn:1,2 --keyword=trc:1c,2 --keyword=NC_:1c,2 --keyword=N_ --keyword=T --keyword=_ \
  --keyword=wxPLURAL:1,2 --keyword=wxTRANSLATE --files-from="$tmp/POTFILES" -o "$tmp/now.pot"
status=0
for lang in pl en; do
  # msgcmp: every msgid of the sources must have a translation, and a fuzzy
  # one does not count.
  if ! msgcmp "i18n/$lang.po" "$tmp/now.pot" 2> "$tmp/$lang.err"; then
    echo "i18n/$lang.po misses or leaves untranslated:" >&2
    grep -c 'this message is' "$tmp/$lang.err" >&2 || true
    head -20 "$tmp/$lang.err" >&2
    status=1
  fi
  fuzzy=$(msgattrib --only-fuzzy --no-obsolete "i18n/$lang.po" | grep -c '^msgid ' || true)
  if [ "$fuzzy" -gt 0 ]; then
    echo "i18n/$lang.po has $fuzzy fuzzy messages" >&2
    status=1
  fi
done
[ $status -eq 0 ] && echo "catalogs complete: $(grep -c '^msgid ' "$tmp/now.pot") messages"
exit $status
