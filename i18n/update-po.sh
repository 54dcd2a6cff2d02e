#!/usr/bin/env bash
# Re-extract translatable messages and merge them into the catalogs.
set -euo pipefail
cd "$(dirname "$0")/.."
find base crypto formats app ui cloud -name '*.cpp' -o -name '*.h' 2>/dev/null | sort > i18n/POTFILES
xgettext --from-code=UTF-8 --language=C++ --keyword=tr --keyword=trn:1,2 --keyword=trc:1c,2 --keyword=NC_:1c,2 --keyword=N_ --keyword=T --keyword=_ --keyword=wxPLURAL:1,2 --keyword=wxTRANSLATE \
  --add-comments=TRANSLATORS: --package-name=SecureDoc --msgid-bugs-address=securedoc@example.invalid \
  --files-from=i18n/POTFILES -o i18n/securedoc.pot
for po in i18n/*.po; do
  msgmerge --quiet --update --backup=none --no-fuzzy-matching "$po" i18n/securedoc.pot
done
rm -f i18n/POTFILES
