#!/usr/bin/env node
// Builds dist/, what the npm package ships (`npm run build`). tsup (tsup.config.ts) writes the ESM build with the
// CLI, the CommonJS build (core.cjs, the library once) and the declarations (.d.cts, with shared chunks); then this
// script
//  1. writes dist/mod.cjs and dist/protocol.cjs, the CommonJS entries: each is one namespace of core.cjs, so
//     `require("queryable-state")` and `require("queryable-state/protocol")` share one copy of the code;
//  2. makes the declarations work under any consumer tsconfig (README, "Install and import"):
//     - `#private;` (TypeScript's mark of a class with ES private fields) becomes a TypeScript-private property,
//       which keeps the class nominal: targets below ES2015 refuse `#` names, even in declarations;
//     - each file references the parts of the standard library it names (Map, Iterable, Symbol.hasInstance,
//       AsyncIterable, AsyncGenerator, BigInt64Array, AsyncDisposable), whatever the consumer's `lib`;
//     - AbortSignal, a DOM and @types/node global, is declared minimally for programs that have neither
//       (it merges with theirs when they have one);
//  3. writes dist/{mod,protocol,avro}.d.ts, the ESM build's declarations: each re-exports its .d.cts (the two builds
//     have one API), so the declarations ship once.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(new URL("..", import.meta.url).pathname);
const dist = join(root, "dist");

// The web console, bundled into src/gateway/console-page.ts before tsup builds the gateway entry.
const consolePage = spawnSync(process.execPath, [join(root, "scripts", "build-console.mjs")], { cwd: root, stdio: "inherit" });
if (consolePage.status !== 0) process.exit(consolePage.status ?? 1);

rmSync(dist, { recursive: true, force: true });
const tsup = spawnSync(process.execPath, [join(root, "node_modules", "tsup", "dist", "cli-default.js")], { cwd: root, stdio: "inherit" });
if (tsup.status !== 0) process.exit(tsup.status ?? 1);

// 1. The CommonJS entries. __esModule as esbuild's own CommonJS output has it (interop of transpiled `import`s).
for (const [entry, name] of [["mod", "queryable-state"], ["protocol", "queryable-state/protocol"]]) {
  writeFileSync(join(dist, `${entry}.cjs`), `"use strict";
// require("${name}"): the "${entry}" namespace of the library's one CommonJS build.
const entry = require("./core.cjs").${entry};
Object.defineProperty(entry, "__esModule", { value: true });
module.exports = entry;
`);
}

// 2. Portable declarations.
const PRELUDE = `/// <reference lib="es2015.collection" />
/// <reference lib="es2015.iterable" />
/// <reference lib="es2015.symbol.wellknown" />
/// <reference lib="es2018.asynciterable" />
/// <reference lib="es2018.asyncgenerator" />
/// <reference lib="es2020.bigint" />
/// <reference lib="esnext.disposable" />
declare global {
    /** The part of AbortSignal this library's types need (the DOM and @types/node declare the whole of it). */
    interface AbortSignal {
        readonly aborted: boolean;
    }
}
`;
const declarations = readdirSync(dist).filter((f) => f.endsWith(".d.cts"));
for (const file of declarations) {
  let text = readFileSync(join(dist, file), "utf8");
  let cls;
  text = text.split("\n").map((line) => {
    const decl = /^\s*(?:export\s+)?(?:declare\s+)?(?:abstract\s+)?class\s+([\w$]+)/.exec(line);
    if (decl) cls = decl[1];
    if (line.trim() !== "#private;") return line;
    if (cls === undefined) throw new Error(`${file}: #private outside a class`);
    // One name per class: a subclass must not redeclare its base class's TypeScript-private property.
    return line.replace("#private;", `private "#private:${cls}";`);
  }).join("\n");
  // TypeScript writes ES private members only as that one line; anything else starting with # is unexpected.
  if (/^\s*#/m.test(text)) throw new Error(`${file}: an ES private name is left in the declarations`);
  writeFileSync(join(dist, file), PRELUDE + text);
}

// 3. The ESM build's declarations.
for (const entry of ["mod", "protocol", "avro", "gateway"]) {
  if (!declarations.includes(`${entry}.d.cts`)) throw new Error(`tsup wrote no dist/${entry}.d.cts`);
  writeFileSync(join(dist, `${entry}.d.ts`), `// The ESM build has the same API as the CommonJS build: one set of declarations.\nexport * from "./${entry}.cjs";\n`);
}
