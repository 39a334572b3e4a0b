// Proves the npm artifact (`npm run build`) works: ESM `import` and CJS `require` of dist/.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, test } from "node:test";

const dist = new URL("../dist/", import.meta.url);
const built = existsSync(new URL("mod.js", dist)) && existsSync(new URL("mod.cjs", dist));

describe("npm package (dist/)", () => {
  test("dist/ was built (npm test builds it first)", () => {
    assert.ok(built, "run `npm run build` before the tests");
  });

  test("ESM import and CJS require expose the same API", async () => {
    const esm = await import(new URL("mod.js", dist).href);
    const cjs = createRequire(import.meta.url)("../dist/mod.cjs");
    for (const api of [esm, cjs]) {
      assert.equal(api.murmurHash(42), 1134849565);
      const w = new api.ByteWriter();
      api.stringSerializer.serialize("😀", w);
      assert.equal(api.toHex(w.view()), "03bdb00380bc03");
      assert.equal(api.JobID.fromHex("0102030405060708090a0b0c0d0e0f10").toString(), "0102030405060708090a0b0c0d0e0f10");
    }
    assert.deepEqual(Object.keys(esm).sort(), Object.keys(cjs).filter((k) => k !== "default" && k !== "__esModule").sort());
  });

  test("class names survive bundling, and instanceof works across the ESM and CJS builds", async () => {
    const esm = await import(new URL("mod.js", dist).href);
    const cjs = createRequire(import.meta.url)("../dist/mod.cjs");
    for (const api of [esm, cjs]) {
      assert.equal(api.JobID.random().constructor.name, "JobID");
      assert.equal(api.LocalCluster.name, "LocalCluster");
      assert.equal(new api.InvalidArgumentError("x").name, "InvalidArgumentError");
    }
    const fromCjs = new cjs.UnknownKeyOrNamespaceError({ className: "x", message: "m" });
    assert.ok(fromCjs instanceof esm.UnknownKeyOrNamespaceError);
    assert.ok(fromCjs instanceof esm.BadRequestError);
    assert.ok(fromCjs instanceof esm.QueryableStateError);
    assert.ok(!(fromCjs instanceof esm.UnknownJobError));
    assert.ok(!(new Error("plain") instanceof esm.QueryableStateError));
  });

  test("the protocol toolkit is its own entry (queryable-state/protocol), in ESM and CJS", async () => {
    const esm = await import(new URL("protocol.js", dist).href);
    const cjs = createRequire(import.meta.url)("../dist/protocol.cjs");
    for (const p of [esm, cjs]) {
      assert.equal(typeof p.FrameDecoder, "function");
      assert.equal(typeof p.encodeRequestFrame, "function");
      assert.equal(p.PROTOCOL_VERSION, 0x79a1b710);
    }
    const main = await import(new URL("mod.js", dist).href);
    assert.equal(main.FrameDecoder, undefined, "wire-level names stay out of the main entry");
    assert.equal(typeof main.QueryableStateClient, "function");
  });

  test("the main and protocol entries of one build share one copy of the code (a JobID of one is a JobID of the other)", async () => {
    const require = createRequire(import.meta.url);
    const builds = [
      [await import(new URL("mod.js", dist).href), await import(new URL("protocol.js", dist).href)],
      [require("../dist/mod.cjs"), require("../dist/protocol.cjs")],
    ];
    for (const [main, protocol] of builds) {
      const request = new protocol.KvStateRequest(new Uint8Array(16).fill(7), "s", 1, new Uint8Array(0));
      assert.ok(request.jobId instanceof main.JobID, "the protocol entry's JobID is the main entry's class");
      assert.equal(request.jobId.toString(), "07".repeat(16));
    }
  });
});
