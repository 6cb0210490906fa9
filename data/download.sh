#!/usr/bin/env bash
# Fetch the real datasets from their public sources into one folder (default data/datasets), laid out
# as the data configs expect:   bash data/download.sh [DEST]
# then train with data.root=DEST, e.g.  python train.py +experiment=tfidf_baseline data=mwpd data.root=DEST
#   DEST/mwpd2020/{train,validation,test}.jsonl          MWPD2020 task 2 (ir-ischool-uos/mwpd, data/)
#   DEST/amazon_uk_toys/amazon_co-ecommerce_sample.csv  Amazon UK toys (Yannooh/Products)
#   DEST/google_taxonomy/taxonomy-with-ids.en-US.txt    Google product taxonomy (google.com)
# Existing files are kept (delete one to fetch it again). Needs curl and unzip. Never run by the tests.
# See data/README.md for what each file holds and how prodcat reads it.
set -euo pipefail

DEST="${1:-data/datasets}"
# Sources, each overridable from the environment (a mirror). Pinned commits: the files whose row counts
# data/README.md gives.
MWPD_BASE="${MWPD_BASE:-https://raw.githubusercontent.com/ir-ischool-uos/mwpd/9e4c63e0ac08b9491cdd91feb6ed14e19bc266cb/data}"
AMAZON_URL="${AMAZON_URL:-https://raw.githubusercontent.com/Yannooh/Products/7e862002ee9f1f3ca674979ad5e6255d8195c50b/amazon_co-ecommerce_sample.csv}"
# Google publishes only the latest version; the pinned copy is the 2021-09-21 version the tests count.
GOOGLE_URL="${GOOGLE_URL:-https://www.google.com/basepages/producttype/taxonomy-with-ids.en-US.txt}"
GOOGLE_PINNED="${GOOGLE_PINNED:-https://raw.githubusercontent.com/oniks98/price-feed-pipeline/d6f4c356a4a9f741e37488682e95d317b373afed/taxonomy-with-ids.en-US.txt}"

fetch() {  # fetch URL FILE: download to a temporary name, rename when complete (never half a file)
  mkdir -p "$(dirname "$2")"
  # `&&`, not two lines: under `fetch ... || fallback` bash ignores set -e inside the function.
  curl --fail --location --retry 3 --silent --show-error -o "$2.part" "$1" && mv "$2.part" "$2" \
    || { rm -f "$2.part"; return 1; }
}

lines() { wc -l < "$1" | tr -d ' '; }

# ---- MWPD2020 task 2: two zips of JSON-lines files -> train / validation / test.jsonl
mwpd="$DEST/mwpd2020"
if [[ -f "$mwpd/train.jsonl" && -f "$mwpd/validation.jsonl" && -f "$mwpd/test.jsonl" ]]; then
  echo "mwpd2020: already there"
else
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  fetch "$MWPD_BASE/task2_train_val_with_labels.zip" "$tmp/train_val.zip"
  fetch "$MWPD_BASE/task2_testset_with_labels.zip" "$tmp/test.zip"
  unzip -q -o "$tmp/train_val.zip" -d "$tmp/train_val"
  unzip -q -o "$tmp/test.zip" -d "$tmp/test"
  # The member names are matched loosely (train / val / test in the name): the zips' inner layout is
  # not part of the challenge's documented interface.
  pick() { find "$1" -type f -iname "*$2*.json*" ! -path '*__MACOSX*' | head -n 1; }
  train="$(pick "$tmp/train_val" train)"; val="$(pick "$tmp/train_val" val)"; test="$(pick "$tmp/test" test)"
  for f in "$train" "$val" "$test"; do
    [[ -n "$f" ]] || { echo "mwpd2020: unexpected zip contents:"; find "$tmp" -type f; exit 1; }
  done
  [[ "$train" != "$val" ]] || { echo "mwpd2020: one file matches both train and val: $train"; exit 1; }
  mkdir -p "$mwpd"
  cp "$train" "$mwpd/train.jsonl"; cp "$val" "$mwpd/validation.jsonl"; cp "$test" "$mwpd/test.jsonl"
  echo "mwpd2020: $(lines "$mwpd/train.jsonl") / $(lines "$mwpd/validation.jsonl") / $(lines "$mwpd/test.jsonl")" \
       "rows (expected 10012 / 3000 / 3107)"
fi

# ---- Amazon UK toys: one headerless CSV
amazon="$DEST/amazon_uk_toys/amazon_co-ecommerce_sample.csv"
if [[ -f "$amazon" ]]; then
  echo "amazon_uk_toys: already there"
else
  fetch "$AMAZON_URL" "$amazon"
  echo "amazon_uk_toys: $(lines "$amazon") lines (expected 10000)"
fi

# ---- Google product taxonomy: the current version, or the pinned 2021-09-21 copy if Google is unreachable
google="$DEST/google_taxonomy/taxonomy-with-ids.en-US.txt"
if [[ -f "$google" ]]; then
  echo "google_taxonomy: already there"
else
  fetch "$GOOGLE_URL" "$google" || { echo "google.com unreachable: using the pinned copy"; fetch "$GOOGLE_PINNED" "$google"; }
  echo "google_taxonomy: $(head -n 1 "$google") (5,595 categories in 2021-09-21)"
fi

echo "done: train with data.root=$DEST"
