import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { randomSerial, serialToHex, unsignedIntegerContent } from "./serial.ts";
import { hex } from "./x509.test-helper.ts";

describe("randomSerial", () => {
  it("shifts 20 random bytes right by one bit", () => {
    const input = hex("ff".repeat(20));
    const serial = randomSerial({ randomBytes: () => input });
    assert.equal(serialToHex(serial), `0x7${"f".repeat(39)}`);
    const odd = hex(`01${"00".repeat(19)}`);
    assert.deepEqual(randomSerial({ randomBytes: () => odd }), hex(`0080${"00".repeat(18)}`));
  });

  it("asks for exactly 20 bytes and always stays below 2^159", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), (random) => {
        let asked = 0;
        const serial = randomSerial({
          randomBytes: (n) => {
            asked = n;
            return random;
          },
        });
        assert.equal(asked, 20);
        assert.equal(serial.length, 20);
        assert.equal(serial[0]! & 0x80, 0);
        const value = BigInt(`0x${Buffer.from(random).toString("hex")}`) >> 1n;
        assert.equal(serialToHex(serial), `0x${value.toString(16)}`);
      }),
    );
  });
});

describe("serialToHex", () => {
  it("writes 0x and lowercase hex without leading zeros, like Python's hex()", () => {
    assert.equal(
      serialToHex(hex("00335a9a50e678d3088c834f7d1c551bb5daf8df2f")),
      "0x335a9a50e678d3088c834f7d1c551bb5daf8df2f",
    );
    assert.equal(serialToHex(hex("000abc")), "0xabc");
    assert.equal(serialToHex(hex("0000")), "0x0");
  });
});

describe("unsignedIntegerContent", () => {
  it("drops leading zeros and keeps the number positive", () => {
    assert.deepEqual(unsignedIntegerContent(hex("00007f01")), hex("7f01"));
    assert.deepEqual(unsignedIntegerContent(hex("000080")), hex("0080"));
    assert.deepEqual(unsignedIntegerContent(hex("0000")), hex("00"));
    assert.deepEqual(unsignedIntegerContent(new Uint8Array(0)), hex("00"));
  });
});
