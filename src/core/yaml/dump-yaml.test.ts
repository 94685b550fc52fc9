import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import fc from "fast-check";
import { FIXTURES } from "../../../test/helpers/fixtures.ts";
import { PyFloat } from "../data/py-float.ts";
import { dumpYaml } from "./dump-yaml.ts";
import { parseYaml, YamlTimestamp } from "./parse-yaml.ts";

/** Every file called `name` under the reference fixtures, as paths relative to the root. */
function fixtureFiles(name: string): string[] {
  return (readdirSync(FIXTURES, { recursive: true }) as string[])
    .filter((rel) => rel.split(/[\\/]/).pop() === name)
    .sort();
}

// Expected output of PyYAML 6.0.3 `yaml.safe_dump({"k": value}, sort_keys=False)`, captured by
// running it (the inputs cover the emitter's style choice, escaping and folding rules).
const SCALARS: [string, string][] = [
  ["plain", "k: plain\n"],
  ["yes", "k: 'yes'\n"],
  ["Yes", "k: 'Yes'\n"],
  ["y", "k: y\n"],
  ["n", "k: n\n"],
  ["on", "k: 'on'\n"],
  ["OFF", "k: 'OFF'\n"],
  ["0012", "k: '0012'\n"],
  ["08", "k: 08\n"],
  ["1_000", "k: '1_000'\n"],
  ["1:20", "k: '1:20'\n"],
  ["1e3", "k: 1e3\n"],
  ["1.5", "k: '1.5'\n"],
  ["6.8e+5", "k: '6.8e+5'\n"],
  [".inf", "k: '.inf'\n"],
  ["2026-01-01", "k: '2026-01-01'\n"],
  ["2001-12-14 21:59:43.10 -5", "k: '2001-12-14 21:59:43.10 -5'\n"],
  ["null", "k: 'null'\n"],
  ["Null", "k: 'Null'\n"],
  ["~", "k: '~'\n"],
  ["", "k: ''\n"],
  ["=", "k: '='\n"],
  ["<<", "k: '<<'\n"],
  ["-x", "k: -x\n"],
  ["- x", "k: '- x'\n"],
  ["-", "k: '-'\n"],
  ["?x", "k: ?x\n"],
  ["? x", "k: '? x'\n"],
  [":x", "k: :x\n"],
  ["x: y", "k: 'x: y'\n"],
  ["x:y", "k: x:y\n"],
  ["#x", "k: '#x'\n"],
  ["a #b", "k: 'a #b'\n"],
  ["a#b", "k: a#b\n"],
  ["x ", "k: 'x '\n"],
  [" x", "k: ' x'\n"],
  ["it's", "k: it's\n"],
  ["'q'", "k: '''q'''\n"],
  ['"dq"', "k: '\"dq\"'\n"],
  ["@at", "k: '@at'\n"],
  ["`tick", "k: '`tick'\n"],
  ["%pct", "k: '%pct'\n"],
  ["&amp", "k: '&amp'\n"],
  ["*star", "k: '*star'\n"],
  ["!bang", "k: '!bang'\n"],
  ["|pipe", "k: '|pipe'\n"],
  [">gt", "k: '>gt'\n"],
  ["[a]", "k: '[a]'\n"],
  ["a,b", "k: a,b\n"],
  ["{a}", "k: '{a}'\n"],
  ["---", "k: '---'\n"],
  ["--- x", "k: '--- x'\n"],
  ["...", "k: '...'\n"],
  ["a\nb", "k: 'a\n\n  b'\n"],
  ["a\n\nb", "k: 'a\n\n\n  b'\n"],
  ["a \nb", 'k: "a \\nb"\n'],
  ["a\n b", 'k: "a\\n b"\n'],
  ["line\n", "k: 'line\n\n  '\n"],
  ["\ttab", 'k: "\\ttab"\n'],
  ["caf\u00e9", 'k: "caf\\xE9"\n'],
  ["\u00a0nbsp", 'k: "\\_nbsp"\n'],
  ["\u2028", 'k: "\\L"\n'],
  ["\ufeff", 'k: "\\uFEFF"\n'],
  ["\ud83d\ude00", 'k: "\\U0001F600"\n'],
  ["\u007f", 'k: "\\x7F"\n'],
  ["\u0000", 'k: "\\0"\n'],
  ["10.0.1.50", "k: 10.0.1.50\n"],
  ["alice@hospital-alpha.org", "k: alice@hospital-alpha.org\n"],
  [
    "nvflare.lighter.impl.static_file.StaticFileBuilder",
    "k: nvflare.lighter.impl.static_file.StaticFileBuilder\n",
  ],
  ["https://download.example.org/", "k: https://download.example.org/\n"],
  [
    "word ".repeat(25),
    "k: 'word word word word word word word word word word word word word word word word\n  word word word word word word word word word '\n",
  ],
  [
    "word ".repeat(25).trim(),
    "k: word word word word word word word word word word word word word word word word\n  word word word word word word word word word\n",
  ],
  [
    "x".repeat(100),
    "k: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
  ],
  [
    `a ${"y".repeat(90)} b`,
    "k: a yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\n  b\n",
  ],
  [
    "It's ".repeat(20),
    "k: 'It''s It''s It''s It''s It''s It''s It''s It''s It''s It''s It''s It''s It''s\n  It''s It''s It''s It''s It''s It''s It''s '\n",
  ],
  [
    "caf\u00e9 ".repeat(20),
    'k: "caf\\xE9 caf\\xE9 caf\\xE9 caf\\xE9 caf\\xE9 caf\\xE9 caf\\xE9 caf\\xE9 caf\\xE9 caf\\xE9\\\n  \\ caf\\xE9 caf\\xE9 caf\\xE9 caf\\xE9 caf\\xE9 caf\\xE9 caf\\xE9 caf\\xE9 caf\\xE9 caf\\xE9\\\n  \\ "\n',
  ],
  [
    "\u00e9".repeat(40),
    'k: "\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\\n  \\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9"\n',
  ],
  [
    "ab  cd ".repeat(15),
    "k: 'ab  cd ab  cd ab  cd ab  cd ab  cd ab  cd ab  cd ab  cd ab  cd ab  cd ab  cd ab  cd\n  ab  cd ab  cd ab  cd '\n",
  ],
  [
    `${"x".repeat(79)} y`,
    "k: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n  y\n",
  ],
  [
    `${"x".repeat(78)} yyyyy z`,
    "k: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n  yyyyy z\n",
  ],
];

describe("dumpYaml", () => {
  it("re-serializes every reference site.yaml byte for byte", () => {
    const files = fixtureFiles("site.yaml");
    assert.ok(files.length >= 33, `found only ${files.length} site.yaml fixtures`);
    for (const rel of files) {
      const text = readFileSync(join(FIXTURES, rel), "utf8");
      assert.equal(dumpYaml(parseYaml(new TextEncoder().encode(text), rel)), text, rel);
    }
  });

  it("chooses the scalar style PyYAML chooses", () => {
    for (const [value, expected] of SCALARS) {
      assert.equal(dumpYaml({ k: value }), expected, JSON.stringify(value));
    }
  });

  it("writes floats as PyYAML's represent_float does", () => {
    const floats = {
      a: new PyFloat(1),
      b: new PyFloat(0.5),
      c: new PyFloat(Number.POSITIVE_INFINITY),
      d: new PyFloat(Number.NEGATIVE_INFINITY),
      e: new PyFloat(Number.NaN),
      f: new PyFloat(1e20),
      g: new PyFloat(1e-5),
      h: new PyFloat(1e16),
      i: new PyFloat(1e15),
      j: new PyFloat(-0),
      k: new PyFloat(123456789.123),
      l: new PyFloat(0.0001),
    };
    assert.equal(
      dumpYaml(floats),
      "a: 1.0\nb: 0.5\nc: .inf\nd: -.inf\ne: .nan\nf: 1.0e+20\ng: 1.0e-05\nh: 1.0e+16\ni: 1000000000000000.0\nj: -0.0\nk: 123456789.123\nl: 0.0001\n",
    );
  });

  it("writes ints, booleans, null and timestamps plain", () => {
    const value = {
      int: 8002,
      neg: -5,
      big: 12345678901234567890n,
      t: true,
      f: false,
      n: null,
      ts: new YamlTimestamp("2026-01-01"),
    };
    assert.equal(
      dumpYaml(value),
      "int: 8002\nneg: -5\nbig: 12345678901234567890\nt: true\nf: false\nn: null\nts: 2026-01-01\n",
    );
  });

  it("writes empty collections in flow style and does not indent sequences under keys", () => {
    assert.equal(dumpYaml({ m: {}, l: [], nested: [{}, []] }), "m: {}\nl: []\nnested:\n- {}\n- []\n");
    assert.equal(
      dumpYaml({
        name: "x",
        participants: [{ name: "site-a", type: "client", host_names: ["10.0.1.50", "fl.internal"] }],
        after: 1,
      }),
      "name: x\nparticipants:\n- name: site-a\n  type: client\n  host_names:\n  - 10.0.1.50\n  - fl.internal\nafter: 1\n",
    );
    assert.equal(dumpYaml([[1, [2, 3]], [], "a"]), "- - 1\n  - - 2\n    - 3\n- []\n- a\n");
  });

  it("uses the explicit key form for empty, multi-line and long keys", () => {
    const value = { "": 1, yes: 2, "a\nb": 3, ["k".repeat(123)]: 4, ["k".repeat(122)]: 5, "\u00e9": 6 };
    assert.equal(
      dumpYaml(value),
      `? ''\n: 1\n'yes': 2\n? 'a\n\n  b'\n: 3\n? ${"k".repeat(123)}\n: 4\n${"k".repeat(122)}: 5\n"\\xE9": 6\n`,
    );
  });

  it("folds long scalars with the continuation indented under their key", () => {
    assert.equal(
      dumpYaml({ a: { b: { c: "word ".repeat(30) } } }),
      "a:\n  b:\n    c: 'word word word word word word word word word word word word word word word\n      word word word word word word word word word word word word word word word '\n",
    );
  });

  it("ends a plain scalar document with the ... marker as PyYAML does", () => {
    assert.equal(dumpYaml("abc"), "abc\n...\n");
    assert.equal(dumpYaml(5), "5\n...\n");
    assert.equal(dumpYaml(null), "null\n...\n");
    assert.equal(dumpYaml(""), "''\n");
    assert.equal(dumpYaml("yes"), "'yes'\n");
    assert.equal(dumpYaml([]), "[]\n");
    assert.equal(dumpYaml({}), "{}\n");
  });

  it("skips undefined-valued keys and writes a shared object twice", () => {
    const shared = { host: "h" };
    assert.equal(dumpYaml({ a: undefined, b: shared, c: shared }), "b:\n  host: h\nc:\n  host: h\n");
  });

  it("refuses cycles and values outside the YAML data model", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.throws(() => dumpYaml(cyclic), /cyclic/);
    assert.throws(() => dumpYaml({ d: new Date(0) }), TypeError);
    assert.throws(() => dumpYaml([undefined]), TypeError);
    assert.throws(() => dumpYaml(undefined), TypeError);
  });

  it("round-trips any string through parseYaml", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 200 }), (s) => {
        assert.deepEqual(parseYaml(dumpYaml({ k: s }), "prop"), { k: s });
      }),
      { numRuns: 2000 },
    );
  });

  it("round-trips strings built from YAML-significant pieces", () => {
    const piece = fc.constantFrom(
      ..."yes no on ~ null 0012 1_000 1:20 1e3 .inf 2026-01-01 = << - ? : # ' \" ! & * | > % @ ` [ ] { } , --- ...".split(
        " ",
      ),
      " ",
      "  ",
      "\n",
      "\t",
      "\u00e9",
      "\u{1F600}",
      "x",
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (parts) => {
        const s = parts.join("");
        assert.deepEqual(
          parseYaml(dumpYaml({ k: s, [s]: 1 }), "prop"),
          s === "k" ? { k: 1 } : { k: s, [s]: 1 },
        );
      }),
      { numRuns: 2000 },
    );
  });
});
