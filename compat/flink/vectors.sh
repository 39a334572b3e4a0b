#!/usr/bin/env bash
# Builds the Flink peer for each Flink version and writes golden vectors computed by Flink's own jars:
#   compat/flink/target/vectors-<flink version>.json
# Maven runs offline first (-o) and falls back to online when something is missing from ~/.m2.
# Check a file with: npx tsx scripts/check-vectors.ts compat/flink/target/vectors-1.20.5.json
set -euo pipefail
cd "$(dirname "$0")"

# profile:flink version (the version names the target directory, see pom.xml)
builds=("flink-1.20:1.20.5" "flink-2:2.3.0")

# The JVM options a Flink distribution starts every process with on Java 17 (env.java.opts.all in its
# config.yaml): Kryo's serializers reach into JDK classes (java.time, java.util) and need them opened.
opens=()
for p in java.lang java.net java.io java.nio sun.nio.ch java.lang.reflect java.text java.time java.util \
  java.util.concurrent java.util.concurrent.atomic java.util.concurrent.locks; do
  opens+=("--add-opens=java.base/$p=ALL-UNNAMED")
done

for b in "${builds[@]}"; do
  profile=${b%%:*}
  version=${b#*:}
  if ! mvn -B -q -o package -P"$profile"; then
    echo "offline build of $profile failed; retrying online" >&2
    mvn -B -q package -P"$profile"
  fi
  dir=target/flink-$version
  out=target/vectors-$version.json
  java "${opens[@]}" -cp "$dir/classes:$(cat "$dir/classpath.txt")" dev.qstate.compat.Main vectors --out "$out"
  # The file must name the Flink version it came from.
  grep -q "\"flinkVersion\" : \"$version\"" "$out" || { echo "$out: flinkVersion is not $version" >&2; exit 1; }
done
