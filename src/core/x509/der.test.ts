import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  DerError,
  derSequence,
  derTlv,
  readSingleTlv,
  readTlv,
  tlvBytes,
  tlvChildren,
  tlvContent,
} from "./der.ts";
import { hex } from "./x509.test-helper.ts";

describe("derTlv and readTlv", () => {
  it("use short and long definite lengths", () => {
    assert.deepEqual(derTlv(0x04, hex("aabb")), hex("0402aabb"));
    assert.deepEqual(derTlv(0x04, new Uint8Array(200)).subarray(0, 3), hex("0481c8"));
    assert.deepEqual(derTlv(0x04, new Uint8Array(300)).subarray(0, 4), hex("0482012c"));
    assert.deepEqual(derTlv(0x04, new Uint8Array(70_000)).subarray(0, 5), hex("0483011170"));
  });

  it("round-trip any content length", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 70_000 }), (n) => {
        const encoded = derTlv(0x04, new Uint8Array(n));
        const tlv = readSingleTlv(encoded);
        assert.equal(tlv.end - tlv.contentStart, n);
      }),
      { numRuns: 50 },
    );
  });

  it("slices children, their full encodings and their contents", () => {
    const seq = derSequence(derTlv(0x02, hex("01")), derTlv(0x04, hex("ff00")));
    const [a, b] = tlvChildren(seq, readTlv(seq));
    assert.deepEqual(tlvBytes(seq, a!), hex("020101"));
    assert.deepEqual(tlvContent(seq, b!), hex("ff00"));
  });

  const bad: [string, string, string][] = [
    ["truncated header", "30", "truncated DER element"],
    ["indefinite length", "3080", "unsupported DER length encoding"],
    ["five length bytes", "30850000000001", "unsupported DER length encoding"],
    ["content past the end", "3003020100ff".slice(0, 8), "DER element runs past its container"],
    ["trailing bytes", "300000", "trailing bytes after DER element"],
    ["multi-byte tag", "1f8100", "unsupported multi-byte DER tag"],
  ];
  for (const [label, input, message] of bad) {
    it(`rejects ${label}`, () => {
      assert.throws(
        () => readSingleTlv(hex(input)),
        (e: unknown) => e instanceof DerError && e.message === message,
      );
    });
  }
});
