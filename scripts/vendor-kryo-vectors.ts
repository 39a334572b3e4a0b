/**
 * Copies the `kryo` category of the vector files `npm run vectors:flink` wrote (both Flink versions) into
 * tests/fixtures/kryo-vectors.json, so that the unit tests check Flink's own Kryo bytes without Java.
 *
 *   npx tsx scripts/vendor-kryo-vectors.ts     (after npm run vectors:flink)
 */
import { readFileSync, writeFileSync } from "node:fs";

const versions = ["1.20.5", "2.3.0"];
const out: Record<string, unknown> = {};
for (const v of versions) {
  const doc = JSON.parse(readFileSync(new URL(`../compat/flink/target/vectors-${v}.json`, import.meta.url), "utf8"));
  const { flinkVersion, flinkGitCommit, javaVersion, generator } = doc.meta;
  out[`flink-${v}`] = { meta: { flinkVersion, flinkGitCommit, javaVersion, generator }, kryo: doc.kryo };
}
const lines = ["{"];
versions.forEach((v, i) => {
  const { meta, kryo } = out[`flink-${v}`] as { meta: unknown; kryo: unknown[] };
  lines.push(`  ${JSON.stringify(`flink-${v}`)}: {`, `    "meta": ${JSON.stringify(meta)},`, `    "kryo": [`);
  kryo.forEach((e, j) => lines.push(`      ${JSON.stringify(e)}${j < kryo.length - 1 ? "," : ""}`));
  lines.push("    ]", `  }${i < versions.length - 1 ? "," : ""}`);
});
lines.push("}", "");
writeFileSync(new URL("../tests/fixtures/kryo-vectors.json", import.meta.url), lines.join("\n"));
console.log(`wrote tests/fixtures/kryo-vectors.json (${versions.map((v) => (out[`flink-${v}`] as { kryo: unknown[] }).kryo.length).join(" + ")} vectors)`);
