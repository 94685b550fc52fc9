import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { FIXTURES } from "../../../test/helpers/fixtures.ts";
import { PyFloat } from "../data/py-float.ts";
import { dumpYaml } from "./dump-yaml.ts";
import { parseYaml, YamlParseError, YamlTimestamp, yaml11Tag } from "./parse-yaml.ts";

/** The value of key `a` in a one-line document `a: <scalar>`. */
function scalar(text: string): unknown {
  return (parseYaml(`a: ${text}\n`, "t") as { a: unknown }).a;
}

const f = (value: number) => new PyFloat(value);
const ts = (text: string) => new YamlTimestamp(text);

// Values PyYAML 6.0.3 safe_load gives for `a: <text>` (checked by running it).
const OK_SCALARS: [string, unknown][] = [
  ["0012", 10],
  ["0x1F", 31],
  ["0x_1F", 31],
  ["0b101", 5],
  ["0_7", 7],
  ["1_000", 1000],
  ["1__2", 12],
  ["1:20", 80],
  ["-1:20", -80],
  ["1:2:3", 3723],
  ["+12", 12],
  ["-0", 0],
  ["12345678901234567890", 12345678901234567890n],
  ["08", "08"],
  ["0b", "0b"],
  ["0o17", "0o17"],
  ["1:60", "1:60"],
  ["0:5", "0:5"],
  ["1.5", f(1.5)],
  ["1_0.5", f(10.5)],
  ["09.5", f(9.5)],
  ["1.", f(1)],
  [".5", f(0.5)],
  ["0.1_", f(0.1)],
  ["0.0", f(0)],
  ["-0.0", f(-0)],
  ["6.8e+5", f(680000)],
  ["1.0e+400", f(Number.POSITIVE_INFINITY)],
  ["190:20:30.15", f(685230.15)],
  [".inf", f(Number.POSITIVE_INFINITY)],
  ["+.inf", f(Number.POSITIVE_INFINITY)],
  [".Inf", f(Number.POSITIVE_INFINITY)],
  ["-.inf", f(Number.NEGATIVE_INFINITY)],
  [".nan", f(Number.NaN)],
  [".NAN", f(Number.NaN)],
  ["1e3", "1e3"],
  ["1e+3", "1e+3"],
  ["1.0e5", "1.0e5"],
  ["-.5", "-.5"],
  ["._5", "._5"],
  ["yes", true],
  ["Yes", true],
  ["YES", true],
  ["NO", false],
  ["On", true],
  ["off", false],
  ["TRUE", true],
  ["False", false],
  ["y", "y"],
  ["n", "n"],
  ["oFF", "oFF"],
  ["~", null],
  ["null", null],
  ["Null", null],
  ["NULL", null],
  ["", null],
  ["nULL", "nULL"],
  ["2026-01-01", ts("2026-01-01")],
  ["2024-02-29", ts("2024-02-29")],
  ["2001-12-14t21:59:43.10-05:00", ts("2001-12-14t21:59:43.10-05:00")],
  ["2001-12-14 21:59:43.10 -5", ts("2001-12-14 21:59:43.10 -5")],
  ["2001-01-02T1:02:03", ts("2001-01-02T1:02:03")],
  ["2001-01-02 1:02:03.1234567 +23:59", ts("2001-01-02 1:02:03.1234567 +23:59")],
  ["2001-1-2", "2001-1-2"],
  ["'yes'", "yes"],
  ['"0012"', "0012"],
  ["'it''s'", "it's"],
  ['"\\u00e9\\x41\\/"', "\u00e9A/"],
  ["!!str 12", "12"],
  ["!!int 12", 12],
  ["!!float 12", f(12)],
  ["!!bool yes", true],
  ['!!null ""', null],
  ["!!timestamp 2001-01-01", ts("2001-01-01")],
  ["10.0.1.50", "10.0.1.50"],
  ["alice@hospital-alpha.org", "alice@hospital-alpha.org"],
  ["x y  z", "x y  z"],
  ["[1, 2.0, x]", [1, f(2), "x"]],
  ["{b: c}", { b: "c" }],
  ["!!map {b: 1}", { b: 1 }],
  ["!!seq [b]", ["b"]],
];

// Inputs refused, with the message (PyYAML refuses the first seven too). Positions are those
// of the node's content (after any tag or anchor).
const FAIL: [string, string][] = [
  ["a: 2026-02-30\n", "'2026-02-30' is not a valid date or time at line 1, column 4"],
  ["a: 0000-01-01\n", "'0000-01-01' is not a valid date or time at line 1, column 4"],
  ["a: 2001-01-02 24:00:00\n", "'2001-01-02 24:00:00' is not a valid date or time at line 1, column 4"],
  ["a: 2001-01-02 1:02:03 +24\n", "'2001-01-02 1:02:03 +24' is not a valid date or time at line 1, column 4"],
  ["a: 0b_\n", "'0b_' is not a valid int at line 1, column 4"],
  ["a: =\n", "could not determine a constructor for the tag !!value ('=') at line 1, column 4"],
  ["a: <<\n", "could not determine a constructor for the tag !!merge ('<<') at line 1, column 4"],
  ["a: !foo x\n", "tag !foo is not allowed at line 1, column 9"],
  ["a: ! 12\n", "tag ! is not allowed at line 1, column 6"],
  ["a: !!binary aGVsbG8=\n", "tag !!binary is not allowed at line 1, column 13"],
  ["a: !!set {x}\n", "tag !!set is not allowed at line 1, column 10"],
  ["a: !!int abc\n", "'abc' is not a valid !!int at line 1, column 10"],
  ["a: &x 1\n", "anchors are not allowed at line 1, column 7"],
  ["a: *x\n", "aliases are not allowed at line 1, column 4"],
  ["unused: &x [1]\n", "anchors are not allowed at line 1, column 12"],
  ["base: {a: 1}\nm:\n  <<: {b: 2}\n", "merge keys (<<) are not allowed at line 3, column 3"],
  ["a: 1\nb: 2\na: 3\n", "duplicate mapping key 'a' at line 3, column 1"],
  ["a: 1\n'a': 2\n", "duplicate mapping key 'a' at line 2, column 1"],
  ["1: a\n", "mapping keys must be strings, found int 1 at line 1, column 1"],
  ["yes: a\n", "mapping keys must be strings, found boolean true at line 1, column 1"],
  ["~: a\n", "mapping keys must be strings, found null at line 1, column 1"],
  ["? [a]\n: b\n", "mapping keys must be strings, found a sequence at line 1, column 3"],
  ["a: 1\n---\nb: 2\n", "expected a single document, found more at line 2, column 1"],
  ["a: b: c\n", "Nested mappings are not allowed in compact mappings at line 1, column 4"],
  [
    "a: [1, 2\n",
    "Flow sequence in block collection must be sufficiently indented and end with a ] at line 2, column 1",
  ],
  ["a: \u0001\n", "unacceptable character #x0001 at line 1, column 4"],
  ["a: x\nb: y\u2028z\n", "unacceptable character #x2028 at line 2, column 5"],
  ["a: x\u0085\n", "unacceptable character #x0085 at line 1, column 5"],
  [`${"[".repeat(65)}${"]".repeat(65)}`, "nesting deeper than 64 levels at line 1, column 65"],
];

function fixtureFiles(match: (name: string) => boolean): string[] {
  return (readdirSync(FIXTURES, { recursive: true }) as string[])
    .filter((rel) => match(rel.split(/[\\/]/).pop() ?? ""))
    .sort();
}

describe("parseYaml", () => {
  it("types plain scalars with PyYAML's YAML 1.1 rules and keeps quoted ones as strings", () => {
    for (const [text, expected] of OK_SCALARS) assert.deepEqual(scalar(text), expected, text);
  });

  it("gives a float a PyFloat that an integer check rejects", () => {
    const port = (parseYaml("fed_learn_port: 8002.0\nadmin_port: 8003\n", "t") as Record<string, unknown>)
      .fed_learn_port;
    assert.ok(port instanceof PyFloat);
    assert.equal(typeof port === "number" && Number.isInteger(port), false);
    assert.equal((parseYaml("p: 8003\n", "t") as { p: unknown }).p, 8003);
  });

  it("refuses what it must refuse, with a pinned reason", () => {
    for (const [text, message] of FAIL) {
      assert.throws(
        () => parseYaml(text, "in.yaml"),
        (error: unknown) => {
          assert.ok(error instanceof YamlParseError);
          assert.equal(error.message, message, JSON.stringify(text));
          assert.equal(error.label, "in.yaml");
          return true;
        },
      );
    }
  });

  it("reports the line and column of an error as fields", () => {
    const error = (() => {
      try {
        parseYaml("a: 1\nb: 2\na: 3\n", "x");
      } catch (e) {
        return e as YamlParseError;
      }
    })();
    assert.equal(error?.line, 3);
    assert.equal(error?.column, 1);
  });

  it("maps empty documents to null", () => {
    for (const text of ["", "# only a comment\n", "---\n", "--- \n...\n"])
      assert.equal(parseYaml(text, "t"), null);
  });

  it("keeps mapping key order and document-order sequences", () => {
    const value = parseYaml("z: 1\na: [x, y]\nm: {q: 1, b: 2}\n", "t");
    assert.deepEqual(Object.keys(value as object), ["z", "a", "m"]);
    assert.deepEqual(value, { z: 1, a: ["x", "y"], m: { q: 1, b: 2 } });
  });

  it("keeps a __proto__ key as data", () => {
    const value = parseYaml("__proto__: {polluted: true}\n", "t") as Record<string, unknown>;
    assert.deepEqual(Object.keys(value), ["__proto__"]);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.getPrototypeOf(value), Object.prototype);
  });

  it("accepts bytes with a BOM and refuses invalid UTF-8", () => {
    const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode("a: 1\n")]);
    assert.deepEqual(parseYaml(bom, "t"), { a: 1 });
    assert.throws(() => parseYaml(new Uint8Array([0x61, 0x3a, 0x20, 0xc3, 0x28]), "t"), {
      name: "YamlParseError",
      message: "input is not valid UTF-8",
    });
  });

  it("refuses input over maxBytes, 1 MiB by default", () => {
    assert.throws(() => parseYaml("a: 12345\n", "t", { maxBytes: 8 }), {
      message: "input is 9 bytes, over the 8-byte limit",
    });
    assert.deepEqual(parseYaml("a: 12345\n", "t", { maxBytes: 9 }), { a: 12345 });
    const big = `a: ${"x".repeat(1024 * 1024)}\n`;
    assert.throws(() => parseYaml(big, "t"), {
      message: "input is 1048580 bytes, over the 1048576-byte limit",
    });
  });

  it("classifies strings the way PyYAML's resolver does", () => {
    const cases: [string, string][] = [
      ["yes", "bool"],
      ["y", "str"],
      ["0012", "int"],
      ["1e3", "str"],
      ["1.5", "float"],
      ["2026-01-01", "timestamp"],
      ["", "null"],
      ["<<", "merge"],
      ["=", "value"],
      ["*", "yaml"],
      ["hospital-a", "str"],
    ];
    for (const [text, tag] of cases) assert.equal(yaml11Tag(text), tag, text);
  });

  it("reads every reference YAML file and reproduces it through dumpYaml", () => {
    const files = fixtureFiles((name) => name.endsWith(".yaml") || name.endsWith(".yml"));
    assert.ok(files.length >= 80, `found only ${files.length} YAML fixtures`);
    for (const rel of files) {
      const value = parseYaml(readFileSync(join(FIXTURES, rel)), rel);
      assert.deepEqual(parseYaml(dumpYaml(value), rel), value, rel);
    }
  });

  it("reads the hospital profile with typed ports", () => {
    const profile = parseYaml(readFileSync(join(FIXTURES, "hospital/work/project_profile.yaml")), "profile");
    const server = (profile as { server: Record<string, unknown> }).server;
    assert.equal(typeof server.fed_learn_port, "number");
    assert.equal(typeof server.admin_port, "number");
  });
});
