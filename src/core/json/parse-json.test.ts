import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PyFloat } from "../data/py-float.ts";
import { JsonParseError, parseJson } from "./parse-json.ts";

const OK: [string, unknown][] = [
  ['{"a": 1, "b": [true, false, null]}', { a: 1, b: [true, false, null] }],
  ["1.0", new PyFloat(1)],
  ["1e5", new PyFloat(100000)],
  ["1E-5", new PyFloat(1e-5)],
  ["-0.0", new PyFloat(-0)],
  ["-0", 0],
  ["9007199254740991", 9007199254740991],
  ["-9007199254740991", -9007199254740991],
  ["[1e400]", [new PyFloat(Number.POSITIVE_INFINITY)]],
  [" \t\r\n [ ] \n", []],
  ["{}", {}],
  ['"\\u00e9\\/\\b\\f\\n\\r\\t\\"\\\\"', '\u00e9/\b\f\n\r\t"\\'],
  ['"\\ud83d\\ude00"', "\u{1F600}"],
  ['"\\ud800x"', "\ud800x"],
  ['"\u00e9\u2014"', "\u00e9\u2014"],
];

// Refused inputs and the pinned reason. Python's json.loads refuses all but the NaN,
// duplicate-key, depth and big-integer cases (those are deliberate hardening).
const FAIL: [string, string][] = [
  ["", "unexpected end of input, expected a value at line 1, column 1"],
  ["[1, 2,]", "expected a value at line 1, column 7"],
  ['{"a":1,}', "expected a string key at line 1, column 8"],
  ["01", "unexpected data after the JSON value at line 1, column 2"],
  ["1 2", "unexpected data after the JSON value at line 1, column 3"],
  ["{}\n{}", "unexpected data after the JSON value at line 2, column 1"],
  ["-", "invalid number at line 1, column 1"],
  ["1.", "unexpected data after the JSON value at line 1, column 2"],
  [".5", "expected a value at line 1, column 1"],
  ["NaN", "expected a value at line 1, column 1"],
  ["[Infinity]", "expected a value at line 1, column 2"],
  ['{"a" 1}', "expected ':' after an object key at line 1, column 6"],
  ['{"a": 1 "b": 2}', "expected ',' or '}' in an object at line 1, column 9"],
  ["[1 2]", "expected ',' or ']' in an array at line 1, column 4"],
  ["{1: 2}", "expected a string key at line 1, column 2"],
  ['"\\x"', "invalid escape in a string at line 1, column 2"],
  ['"\\u12g4"', "invalid \\u escape at line 1, column 2"],
  ['"a\tb"', "invalid control character in a string at line 1, column 3"],
  ['"abc', "unterminated string at line 1, column 1"],
  ["tru", "expected a value at line 1, column 1"],
  ["'a'", "expected a value at line 1, column 1"],
  ['{"a": 1,\n "a": 2}', 'duplicate key "a" at line 2, column 2'],
  [
    "9007199254740992",
    "integer 9007199254740992 is too large (the limit is ±9007199254740991) at line 1, column 1",
  ],
  [
    "[-12345678901234567890]",
    "integer -12345678901234567890 is too large (the limit is ±9007199254740991) at line 1, column 2",
  ],
  [`${"[".repeat(65)}${"]".repeat(65)}`, "nesting deeper than 64 levels at line 1, column 65"],
];

describe("parseJson", () => {
  it("parses RFC 8259 JSON with Python's int/float split", () => {
    for (const [text, expected] of OK) assert.deepEqual(parseJson(text, "t"), expected, text);
  });

  it("accepts 64 levels of nesting", () => {
    const text = `${"[".repeat(64)}${"]".repeat(64)}`;
    let value = parseJson(text, "t");
    let depth = 0;
    while (Array.isArray(value)) {
      depth++;
      value = value[0];
    }
    assert.equal(depth, 64);
  });

  it("refuses malformed or risky input with a pinned reason", () => {
    for (const [text, message] of FAIL) {
      assert.throws(
        () => parseJson(text, "in.json"),
        (error: unknown) => {
          assert.ok(error instanceof JsonParseError);
          assert.equal(error.message, message, JSON.stringify(text));
          assert.equal(error.label, "in.json");
          return true;
        },
      );
    }
  });

  it("reports the line and column of an error as fields", () => {
    try {
      parseJson('{\n  "a": x}', "t");
      assert.fail("expected an error");
    } catch (error) {
      assert.ok(error instanceof JsonParseError);
      assert.equal(error.line, 2);
      assert.equal(error.column, 8);
    }
  });

  it("keeps key order and a __proto__ key as data", () => {
    const value = parseJson('{"z": 1, "__proto__": {"polluted": true}, "a": 2}', "t") as Record<
      string,
      unknown
    >;
    assert.deepEqual(Object.keys(value), ["z", "__proto__", "a"]);
    assert.equal(Object.getPrototypeOf(value), Object.prototype);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it("decodes bytes as strict UTF-8 and skips a BOM", () => {
    const enc = new TextEncoder();
    assert.deepEqual(parseJson(new Uint8Array([0xef, 0xbb, 0xbf, ...enc.encode('{"a": "\u00e9"}')]), "t"), {
      a: "\u00e9",
    });
    assert.throws(() => parseJson(new Uint8Array([0x22, 0xff, 0x22]), "t"), {
      name: "JsonParseError",
      message: "input is not valid UTF-8",
    });
  });

  it("refuses input over maxBytes, 1 MiB by default", () => {
    assert.throws(() => parseJson('"12345"', "t", { maxBytes: 6 }), {
      message: "input is 7 bytes, over the 6-byte limit",
    });
    assert.equal(parseJson('"12345"', "t", { maxBytes: 7 }), "12345");
    assert.throws(() => parseJson(`"${"x".repeat(1024 * 1024)}"`, "t"), {
      message: "input is 1048578 bytes, over the 1048576-byte limit",
    });
  });
});
