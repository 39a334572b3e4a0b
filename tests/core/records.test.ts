import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { getOwn, setOwn } from "../../src/core/records.ts";

describe("objects keyed by user data", () => {
  test("setOwn makes an own property of every key, __proto__ included", () => {
    const o: Record<string, number> = {};
    for (const [i, k] of ["__proto__", "constructor", "toString", "hasOwnProperty", "a"].entries()) setOwn(o, k, i);
    assert.deepEqual(Object.keys(o), ["__proto__", "constructor", "toString", "hasOwnProperty", "a"]);
    assert.equal(Object.getPrototypeOf(o), Object.prototype);
    assert.equal(JSON.stringify(o), '{"__proto__":0,"constructor":1,"toString":2,"hasOwnProperty":3,"a":4}');
    setOwn(o, "__proto__", 9);
    assert.equal(Object.getOwnPropertyDescriptor(o, "__proto__")?.value, 9, "and overwrites it");
  });

  test("getOwn never finds Object.prototype's members", () => {
    const o = { a: 1 };
    for (const k of ["constructor", "toString", "hasOwnProperty", "__proto__", "valueOf"]) assert.equal(getOwn(o, k), undefined, k);
    assert.equal(getOwn(o, "a"), 1);
    assert.deepEqual(getOwn(JSON.parse('{"__proto__":{"x":1}}'), "__proto__"), { x: 1 });
  });
});
