#!/usr/bin/env node
// Checks that nothing under src/, tests/, examples/ or scripts/ reads outside the checkout: a clone must
// pass its tests with no folder beside it. Flags every string literal that is a relative path climbing out
// of the repository from the file that holds it, names a sibling `shared/` folder, or is an absolute path
// into a workspace. Prints each finding as FILE:LINE and exits 1 when there is one.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const dirs = ["src", "tests", "examples", "scripts"];
const exts = /\.(ts|mts|cts|js|mjs|cjs|sh)$/;
const literal = /(["'`])((?:[^"'`\\\n]|\\.)*)\1/g;

function files(dir) {
  return readdirSync(join(root, dir), { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && exts.test(d.name) && !(d.parentPath ?? d.path).includes("node_modules"))
    .map((d) => join(d.parentPath ?? d.path, d.name));
}

/** Why `text` (a string literal in `file`) points outside the checkout, or null when it does not. */
export function escapes(file, text) {
  // The project's sibling folder (its vectors, seeds, reference); a Flink checkpoint's own shared/ is fine.
  if (/(^|\/)shared\/(vectors|seeds|reference)\b/.test(text)) return "names the sibling shared/ folder";
  if (/^\/work\//.test(text)) return "is an absolute path into the workspace";
  if (/^(\.\.\/)+/.test(text)) {
    const target = resolve(dirname(file), text);
    const rel = relative(root, target);
    if (rel === ".." || rel.startsWith(".." + sep)) return `climbs out of the repository (to ${rel})`;
  }
  return null;
}

const findings = [];
for (const dir of dirs) {
  for (const file of files(dir)) {
    if (file === fileURLToPath(import.meta.url)) continue; // this file names what it looks for
    const lines = readFileSync(file, "utf8").split("\n");
    lines.forEach((line, i) => {
      for (const m of line.matchAll(literal)) {
        const why = escapes(file, m[2]);
        if (why) findings.push(`${relative(root, file)}:${i + 1}: ${JSON.stringify(m[2])} ${why}`);
      }
    });
  }
}
if (findings.length) {
  console.error(`Files under ${dirs.join("/, ")}/ must not read outside the checkout:\n  ${findings.join("\n  ")}`);
  process.exit(1);
}
console.log(`self-contained: no file under ${dirs.join("/, ")}/ reads outside the checkout`);
