/**
 * Copies the vectors of the families issue 19 added (GlobalWindow, POJO subclasses, Set and Flink 2's nullable
 * collections) from the files `npm run vectors:flink` wrote, so `npm test` checks them without Java:
 *
 *   npx tsx scripts/vendor-vectors.ts    (after npm run vectors:flink)
 *
 * Writes tests/fixtures/flink-vectors-real-jobs.json: per Flink version its meta and those `types` entries, as
 * Flink's own serializers made them (tests/types/flink-vectors.test.ts reads it). Nothing in it is hand-written.
 */
import { readFileSync, writeFileSync } from "node:fs";

const SOURCES = ["compat/flink/target/vectors-1.20.5.json", "compat/flink/target/vectors-2.3.0.json"];
const OUT = "tests/fixtures/flink-vectors-real-jobs.json";
const FAMILY = /^(globalwindow$|set<|nullable(list|map|set)<)|RealTypes/;

const files = SOURCES.map((file) => {
  const v = JSON.parse(readFileSync(file, "utf8"));
  const types = (v.types as { expression: string }[]).filter((e) => FAMILY.test(e.expression));
  const { flinkVersion, flinkGitCommit, generator, javaVersion } = v.meta;
  return { file: file.slice(file.lastIndexOf("/") + 1), flinkVersion, flinkGitCommit, generator, javaVersion, types };
});
const lines = ["{", `  "description": ${JSON.stringify("Vectors made by Flink's own serializers (compat/flink, npm run vectors:flink), copied by scripts/vendor-vectors.ts")},`, '  "files": ['];
files.forEach((f, i) => {
  const { types, ...meta } = f;
  lines.push(`    { "meta": ${JSON.stringify(meta)}, "types": [`);
  types.forEach((e, j) => lines.push(`      ${JSON.stringify(e)}${j < types.length - 1 ? "," : ""}`));
  lines.push(`    ] }${i < files.length - 1 ? "," : ""}`);
});
lines.push("  ]", "}");
writeFileSync(OUT, lines.join("\n") + "\n");
console.log(`wrote ${OUT}: ${files.map((f) => `${f.flinkVersion} ${f.types.length}`).join(", ")} vector(s)`);
