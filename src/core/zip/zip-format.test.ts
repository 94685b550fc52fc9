import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { deflateSync, inflateSync } from "fflate";
import { zeroBomb } from "./raw-zip.test-helper.ts";
import {
  checkMemberName,
  containsPrivateKeyMarker,
  crc32,
  dosDateTime,
  inflateRawCapped,
  isKeyFileName,
  ZipViolation,
} from "./zip-format.ts";

const text = (s: string) => new TextEncoder().encode(s);
const MiB = 1024 * 1024;

describe("crc32", () => {
  it("computes the standard check value of 123456789", () => {
    assert.equal(crc32(text("123456789")), 0xcbf43926);
  });
  it("is 0 for no bytes and agrees with zlib on other input", () => {
    assert.equal(crc32(new Uint8Array(0)), 0);
    assert.equal(crc32(text("x\n")), 0x46ea081f); // python3 -c "import zlib; print(hex(zlib.crc32(b'x\n')))"
  });
});

describe("containsPrivateKeyMarker", () => {
  const markers = [
    "-----BEGIN PRIVATE KEY-----",
    "-----BEGIN ENCRYPTED PRIVATE KEY-----",
    "-----BEGIN RSA PRIVATE KEY-----",
    "-----BEGIN EC PRIVATE KEY-----",
    "-----BEGIN DSA PRIVATE KEY-----",
    "-----BEGIN OPENSSH PRIVATE KEY-----",
  ];
  for (const marker of markers) {
    it(`finds ${marker} anywhere in the bytes`, () => {
      assert.equal(containsPrivateKeyMarker(text(marker)), true);
      assert.equal(containsPrivateKeyMarker(text(`key: |\n  ${marker}\n  MIIE...\n`)), true);
      const binary = new Uint8Array([0, 255, 0x2d, ...text(marker), 0]);
      assert.equal(containsPrivateKeyMarker(binary), true);
    });
  }
  const clean = [
    "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
    "-----BEGIN CERTIFICATE REQUEST-----",
    "-----BEGIN PUBLIC KEY-----",
    "-----BEGIN RSA PRIVATE KEY----", // one dash short
    "-----begin private key-----", // the reference matches case-sensitively
    "-----BEGIN  PRIVATE KEY-----",
    "-----BEGIN ",
    "",
  ];
  for (const value of clean) {
    it(`does not flag ${JSON.stringify(value)}`, () => {
      assert.equal(containsPrivateKeyMarker(text(value)), false);
    });
  }
});

describe("checkMemberName", () => {
  const ok = [
    "request.json",
    "site.yaml",
    "site-1.csr",
    "admin@example.com.crt",
    "a..b",
    "...",
    "café.txt",
    "日本.pem",
  ];
  for (const name of ok) {
    it(`accepts ${JSON.stringify(name)}`, () => checkMemberName(name));
  }
  const bad: [string, string][] = [
    ["", "unsafe-name"],
    [".", "unsafe-name"],
    ["..", "unsafe-name"],
    ["../x", "unsafe-name"],
    ["/etc/passwd", "unsafe-name"],
    ["a/b", "unsafe-name"],
    ["./a", "unsafe-name"],
    ["a//b", "unsafe-name"],
    ["a\\b", "unsafe-name"],
    ["..\\x", "unsafe-name"],
    ["C:x", "unsafe-name"],
    ["c:", "unsafe-name"],
    ["a\u0000b", "unsafe-name"],
    ["a\nb", "unsafe-name"],
    ["a\u001fb", "unsafe-name"],
    ["a\u007fb", "unsafe-name"],
    ["a\u0085b", "unsafe-name"],
    ["a\ud800b", "unsafe-name"],
    ["dir/", "not-a-file"],
  ];
  for (const [name, kind] of bad) {
    it(`rejects ${JSON.stringify(name)} as ${kind}`, () => {
      assert.throws(
        () => checkMemberName(name),
        (e: unknown) => e instanceof ZipViolation && e.kind === kind && e.member === name,
      );
    });
  }
  it("names the member in the message", () => {
    assert.throws(() => checkMemberName("../x"), {
      message: 'unsafe zip member name (not at the archive root): "../x"',
    });
  });
});

describe("isKeyFileName", () => {
  it("matches .key case-insensitively and nothing else", () => {
    assert.deepEqual(
      ["site-1.key", "A.KEY", "x.Key", "key", "x.keys", "x.key.pem", ".key"].map(isKeyFileName),
      [true, true, true, false, false, false, true],
    );
  });
});

describe("dosDateTime", () => {
  it("packs the local-time fields, halving seconds", () => {
    // 2026-11-27 15:25:26 local time, the stamp of the reference request zips.
    assert.deepEqual(dosDateTime(new Date(2026, 10, 27, 15, 25, 26)), { time: 0x7b2d, date: 0x5d7b });
    assert.deepEqual(dosDateTime(new Date(2026, 10, 27, 15, 25, 27)), { time: 0x7b2d, date: 0x5d7b });
  });
  it("clamps dates outside the DOS range", () => {
    assert.deepEqual(dosDateTime(new Date(1970, 0, 1)), { time: 0, date: 0x21 });
    assert.deepEqual(dosDateTime(new Date(2200, 0, 1)), { time: 0xbf7d, date: 0xff9f });
  });
  it("rejects an invalid date", () => {
    assert.throws(() => dosDateTime(new Date(Number.NaN)), RangeError);
  });
});

describe("zeroBomb (test helper)", () => {
  it("inflates to exactly the requested number of zeros", () => {
    for (const size of [1, 2, 258, 259, 1000, 70_000]) {
      const out = inflateSync(zeroBomb(size));
      assert.equal(out.length, size);
      assert.ok(out.every((b) => b === 0));
    }
  });
});

describe("inflateRawCapped", () => {
  const data = text("hello world, ".repeat(5000));
  const compressed = deflateSync(data, { level: 6 });

  it("inflates a stream that fits the limit exactly", () => {
    assert.deepEqual(inflateRawCapped(compressed, data.length), data);
  });
  it("returns limit + 1 bytes when the stream holds more than the limit", () => {
    assert.equal(inflateRawCapped(compressed, 100).length, 101);
  });
  it("stops a 200 MiB bomb after about its limit, without inflating it all", () => {
    const bomb = zeroBomb(200 * MiB);
    let produced = 0;
    const out = inflateRawCapped(bomb, 1000, "bomb", (n) => {
      produced += n;
    });
    assert.equal(out.length, 1001);
    // One push of at most 256 input bytes expands to at most ~264 KiB.
    assert.ok(produced < 512 * 1024, `inflated ${produced} bytes`);
  });
  it("bounds the work on a bomb by the limit, not by the bomb", () => {
    let produced = 0;
    inflateRawCapped(zeroBomb(200 * MiB), 10 * MiB, "bomb", (n) => {
      produced += n;
    });
    assert.ok(produced <= 11 * MiB, `inflated ${produced} bytes`);
  });
  const broken: [string, Uint8Array][] = [
    ["empty", new Uint8Array(0)],
    ["truncated", compressed.subarray(0, compressed.length - 3)],
    ["garbage", new Uint8Array([0xff, 0xff, 0xff, 0xff])],
    ["a non-final block at the end", new Uint8Array([0x02, 0x00])],
  ];
  for (const [label, input] of broken) {
    it(`rejects ${label} data as corrupt`, () => {
      assert.throws(
        () => inflateRawCapped(input, 1 << 20, "m"),
        (e: unknown) => e instanceof ZipViolation && e.kind === "corrupt" && e.member === "m",
      );
    });
  }
});
