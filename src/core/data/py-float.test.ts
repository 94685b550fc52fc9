import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { PyFloat, pythonFloatRepr } from "./py-float.ts";

// repr() of the same doubles in CPython 3.11.
const REPRS: [number, string][] = [
  [1.0, "1.0"],
  [0.5, "0.5"],
  [-0, "-0.0"],
  [0, "0.0"],
  [1e16, "1e+16"],
  [1e15, "1000000000000000.0"],
  [9999999999999998.0, "9999999999999998.0"],
  [1e-4, "0.0001"],
  [1e-5, "1e-05"],
  [0.00012345, "0.00012345"],
  [1.5e300, "1.5e+300"],
  [5e-324, "5e-324"],
  [1.7976931348623157e308, "1.7976931348623157e+308"],
  [123456789.123, "123456789.123"],
  [0.1 + 0.2, "0.30000000000000004"],
  [100, "100.0"],
  [1e22, "1e+22"],
  [-2.5e-7, "-2.5e-07"],
  [2 ** 53, "9007199254740992.0"],
  [1234567890123456.8, "1234567890123456.8"],
  [Number.NaN, "nan"],
  [Number.POSITIVE_INFINITY, "inf"],
  [Number.NEGATIVE_INFINITY, "-inf"],
];

describe("PyFloat", () => {
  it("is not an integer to a typeof/isInteger check, unlike a plain number", () => {
    const isInt = (v: unknown) => typeof v === "number" && Number.isInteger(v);
    assert.equal(isInt(new PyFloat(8002)), false);
    assert.equal(isInt(8002), true);
  });

  it("serializes to its number through JSON.stringify", () => {
    assert.equal(JSON.stringify({ a: new PyFloat(1.5) }), '{"a":1.5}');
    assert.equal(new PyFloat(2).toJSON(), 2);
  });
});

describe("pythonFloatRepr", () => {
  it("spells floats as CPython's repr()", () => {
    for (const [value, repr] of REPRS) assert.equal(pythonFloatRepr(value), repr, String(value));
  });

  it("always reads back as the same double", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (value) => {
        assert.ok(Object.is(Number(pythonFloatRepr(value)), value));
      }),
      { numRuns: 5000 },
    );
  });
});
