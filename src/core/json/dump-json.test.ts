import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { FIXTURES } from "../../../test/helpers/fixtures.ts";
import { PyFloat } from "../data/py-float.ts";
import { dumpJson } from "./dump-json.ts";
import { parseJson } from "./parse-json.ts";

/** Fixture files (paths relative to the reference root) whose relative path passes `match`. */
function fixtureFiles(match: (rel: string) => boolean): string[] {
  return (readdirSync(FIXTURES, { recursive: true }) as string[])
    .map((rel) => rel.split("\\").join("/"))
    .filter(match)
    .sort();
}

const base = (rel: string) => rel.split("/").pop() ?? "";

describe("dumpJson", () => {
  it("re-serializes every reference request.json, signed.json, ca.json and audit record byte for byte", () => {
    const files = fixtureFiles(
      (rel) =>
        ["request.json", "signed.json", "ca.json"].includes(base(rel)) ||
        (rel.includes("/HOME/.nvflare/") && rel.endsWith(".json")),
    );
    assert.ok(files.length >= 130, `found only ${files.length} JSON fixtures`);
    for (const rel of files) {
      const bytes = readFileSync(join(FIXTURES, rel));
      assert.equal(dumpJson(parseJson(bytes, rel), { indent: 2 }), bytes.toString("utf8"), rel);
    }
  });

  it("re-serializes every captured --format json stdout line on one line", () => {
    const files = fixtureFiles(
      (rel) =>
        (rel.startsWith("outputs/json/") && rel.endsWith(".stdout")) ||
        (rel.startsWith("errors/expected/") && base(rel) === "json.stdout"),
    );
    let lines = 0;
    for (const rel of files) {
      for (const line of readFileSync(join(FIXTURES, rel), "utf8").split("\n")) {
        if (line === "") continue;
        lines++;
        assert.equal(dumpJson(parseJson(line, rel)), line, rel);
      }
    }
    assert.ok(lines >= 30, `found only ${lines} JSON output lines`);
  });

  it("indents like json.dumps(indent=2), with empty containers inline", () => {
    const value = { a: [1, { b: null }], c: {}, d: [], e: "x" };
    assert.equal(
      dumpJson(value, { indent: 2 }),
      '{\n  "a": [\n    1,\n    {\n      "b": null\n    }\n  ],\n  "c": {},\n  "d": [],\n  "e": "x"\n}',
    );
    assert.equal(dumpJson(value), '{"a": [1, {"b": null}], "c": {}, "d": [], "e": "x"}');
  });

  it("escapes like ensure_ascii: short escapes, lowercase \\u, surrogate pairs", () => {
    const text = 'q"b\\s/\n\r\t\b\f\u0001\u007f\u00e9\u2014\u{1F600}\ud800';
    assert.equal(
      dumpJson(text),
      '"q\\"b\\\\s/\\n\\r\\t\\b\\f\\u0001\\u007f\\u00e9\\u2014\\ud83d\\ude00\\ud800"',
    );
  });

  it("writes numbers as Python does for ints and floats", () => {
    const value = [
      900,
      -0,
      2 ** 60,
      12345678901234567890n,
      new PyFloat(900),
      new PyFloat(1e-5),
      new PyFloat(1e20),
      new PyFloat(-0),
      0.5,
      new PyFloat(Number.NaN),
      new PyFloat(Number.POSITIVE_INFINITY),
      new PyFloat(Number.NEGATIVE_INFINITY),
      true,
      false,
    ];
    assert.equal(
      dumpJson(value),
      "[900, 0, 1152921504606846976, 12345678901234567890, 900.0, 1e-05, 1e+20, -0.0, 0.5, NaN, Infinity, -Infinity, true, false]",
    );
  });

  it("skips undefined-valued keys", () => {
    assert.equal(dumpJson({ a: undefined, b: 1 }, { indent: 2 }), '{\n  "b": 1\n}');
    assert.equal(dumpJson({ a: undefined }), "{}");
  });

  it("refuses cycles and values JSON cannot hold", () => {
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    assert.throws(() => dumpJson(cyclic), /cyclic/);
    assert.throws(() => dumpJson([undefined]), TypeError);
    assert.throws(() => dumpJson({ d: new Date(0) }), TypeError);
    assert.throws(() => dumpJson(() => 1), TypeError);
  });
});
