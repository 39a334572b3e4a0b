import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { secretEquals } from "../../src/core/secrets.ts";

describe("secretEquals", () => {
  test("equal only for the same text; any other value, prefix, extension or empty guess is refused", () => {
    assert.equal(secretEquals("s3cret-token", "s3cret-token"), true);
    assert.equal(secretEquals("ünïcode ✓", "ünïcode ✓"), true);
    for (const wrong of ["", "s", "s3cret-toke", "s3cret-tokenX", "S3cret-token", "x3cret-token", "s3cret-tokem", undefined, null, 42, ["s3cret-token"], { toString: () => "s3cret-token" }]) {
      assert.equal(secretEquals(wrong, "s3cret-token"), false, String(wrong));
    }
    assert.equal(secretEquals("", ""), true);
    assert.equal(secretEquals("a", ""), false);
  });
});
