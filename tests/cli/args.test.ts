import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { type CommandSpec, helpFor, parseArgs, suggest, UsageError } from "../../src/cli/args.ts";
import { VERSION } from "../../src/version.ts";
import { FrameTooLargeError } from "../../mod.ts";

const spec: CommandSpec = {
  name: "get",
  summary: "query",
  flags: [
    { name: "proxy", value: "HOST:PORT", help: "proxy", env: "QSTATE_PROXY", required: true },
    { name: "key", value: "VALUE", help: "key" },
    { name: "timeout", value: "MS", help: "t", default: "5000" },
    { name: "json", help: "json" },
  ],
};

describe("qstate argument parsing", () => {
  test("values, switches, --name=value, negative numbers, defaults and environment defaults", () => {
    assert.deepEqual(parseArgs(spec, ["--proxy", "h:1", "--key=-5", "--json"]), { proxy: "h:1", key: "-5", json: true, timeout: "5000" });
    assert.deepEqual(parseArgs(spec, ["--key", "-5"], { QSTATE_PROXY: "e:2" }), { key: "-5", proxy: "e:2", timeout: "5000" });
    assert.equal(parseArgs(spec, ["--proxy", "flag:3"], { QSTATE_PROXY: "e:2" }).proxy, "flag:3", "a flag beats the environment");
  });

  test("mistakes are UsageErrors naming the command, with did-you-mean", () => {
    const err = (args: string[], re: RegExp) =>
      assert.throws(() => parseArgs(spec, args), (e: unknown) => e instanceof UsageError && e.code === "USAGE" && e.command === "get" && re.test(e.message));
    err(["--prxy", "h:1"], /unknown flag --prxy \(did you mean --proxy\?\)/);
    err([], /--proxy is required \(or set QSTATE_PROXY\)/);
    err(["--proxy"], /--proxy needs a value/);
    err(["--proxy", "--json"], /--proxy needs a value/);
    err(["--proxy", "h:1", "--json=yes"], /--json takes no value/);
    err(["stray"], /unexpected argument 'stray'/);
    assert.equal(suggest("explian", ["local", "explain"]), "explain");
    assert.equal(suggest("zzzzzz", ["local", "explain"]), undefined);
  });

  test("help lists every flag with its default and environment variable", () => {
    const h = helpFor(spec);
    assert.match(h, /--proxy HOST:PORT +proxy \(required, env QSTATE_PROXY\)/);
    assert.match(h, /--timeout MS +t \(default 5000\)/);
    assert.match(h, /--help/);
  });

  test("the version constant is package.json's", () => {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
    assert.equal(VERSION, pkg.version);
  });

  test("a peer that speaks HTTP or TLS is named as such, not as a huge frame", () => {
    assert.match(new FrameTooLargeError(0x48545450, 1 << 26).message, /^The peer is an HTTP server/);
    assert.match(new FrameTooLargeError(0x3c21444f, 1 << 26).message, /HTML page/);
    assert.match(new FrameTooLargeError(0x16030100, 1 << 26).message, /speaks TLS/);
    assert.match(new FrameTooLargeError(100_000_000, 1 << 26).message, /^Frame of 100000000 bytes exceeds/);
  });
});

describe("one argument without a flag (qstate schema DIR)", () => {
  const spec: CommandSpec = {
    name: "schema",
    summary: "s",
    positional: { name: "dir", value: "DIR", help: "a directory" },
    flags: [{ name: "json", help: "j" }, { name: "job-name", value: "NAME", help: "n" }],
  };
  test("before, between or after the flags, or as --dir; one only, and required", () => {
    assert.deepEqual(parseArgs(spec, ["/ck/chk-3", "--json"]), { dir: "/ck/chk-3", json: true });
    assert.deepEqual(parseArgs(spec, ["--job-name", "shop", "/ck/chk-3"]), { dir: "/ck/chk-3", "job-name": "shop" });
    assert.deepEqual(parseArgs(spec, ["--dir", "/ck/chk-3"]), { dir: "/ck/chk-3" });
    assert.throws(() => parseArgs(spec, ["/a", "/b"]), (e: unknown) => e instanceof UsageError && /unexpected argument '\/b'/.test(e.message));
    assert.throws(() => parseArgs(spec, ["--json"]), (e: unknown) => e instanceof UsageError && /DIR is required: qstate schema DIR \[flags\]/.test(e.message));
    assert.match(helpFor(spec), /Usage: qstate schema DIR \[flags\][\s\S]*\n {2}DIR +a directory \(required\)/);
  });
});
