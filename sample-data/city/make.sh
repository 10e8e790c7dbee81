#!/bin/sh
# Makes the city sample (pipelines/city.toml) again: two districts' year-end reports written
# by laborstat from the sample ledgers — 某某区, the whole sample district, and 某某县, its
# towns and townships (镇 and 乡 folders, 永安镇 aside) — so that the city's figures can be checked
# against the ledgers' truth (sample-data/2024/expected.csv). Run from the repository root
# after `cargo build --release`.
set -e
bin=${LABORSTAT:-target/release/laborstat}
out=sample-data/city/2024
county=$(mktemp -d)
for folder in sample-data/2024/*镇 sample-data/2024/*乡 sample-data/2024/上年年报; do
  # 永安镇 shares a case number with 新城街道 (a planted mistake): left out, the county's
  # truth stays the sum of its townships' in expected.csv.
  case "$folder" in *永安镇) continue ;; esac
  cp -r "$folder" "$county/"
done
mkdir -p "$out/510100-某某区" "$out/510200-某某县"
"$bin" run pipelines/annual.toml --no-store -q --out "$out/510100-某某区/annual-2024.xlsx"
"$bin" run pipelines/annual.toml --no-store -q --data "$county" --out "$out/510200-某某县/annual-2024.xlsx"
rm -rf "$county" "$out"/*/*-问题清单.xlsx "$out"/*/*-问题明细.csv "$out"/*/feedback
