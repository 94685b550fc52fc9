import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { describe, it } from "node:test";
import fc from "fast-check";
import { fixturePath, readFixture } from "../../../test/helpers/fixtures.ts";
import { buildRawZip, type RawMember, zeroBomb } from "./raw-zip.test-helper.ts";
import {
  containsPrivateKeyMarker,
  readZip,
  type ZipEntry,
  type ZipLimits,
  ZipViolation,
} from "./read-zip.ts";
import { writeZip } from "./write-zip.ts";

const MiB = 1024 * 1024;
const text = (s: string) => new TextEncoder().encode(s);
const decode = (b: Uint8Array) => new TextDecoder().decode(b);

const REQUEST: RawMember[] = [
  { name: "request.json", data: '{\n  "name": "site-1"\n}' },
  { name: "site.yaml", data: "name: site-1\n", method: 0 },
  {
    name: "site-1.csr",
    data: "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n",
  },
];

/** A violation of the given kind about the given member (undefined: not tied to one). */
function violation(kind: ZipViolation["kind"], member?: string) {
  return (e: unknown) => {
    assert.ok(e instanceof ZipViolation, `expected a ZipViolation, got ${String(e)}`);
    assert.equal(e.kind, kind, e.message);
    assert.equal(e.member, member, e.message);
    return true;
  };
}

const summary = (entries: ZipEntry[]) => entries.map((e) => [e.name, decode(e.data)]);

describe("readZip on the reference fixtures", () => {
  const zips = (readdirSync(fixturePath(), { recursive: true }) as string[])
    .map((p) => p.replaceAll("\\", "/"))
    .filter((p) => p.endsWith(".zip"))
    .sort();
  const crafted: Record<string, [ZipViolation["kind"], string]> = {
    "errors/work/cases/request-zip-with-key/site-1.request.zip": ["private-key", "site-1.key"],
    "errors/work/cases/request-zip-path-traversal/site-1.request.zip": ["unsafe-name", "../x"],
  };

  it("finds the reference zips", () => {
    assert.ok(zips.length >= 60, `only ${zips.length} zips found`);
    for (const path of Object.keys(crafted)) assert.ok(zips.includes(path), path);
  });

  for (const path of zips) {
    const expected = crafted[path];
    if (expected) {
      it(`rejects ${path} (${expected[0]} ${expected[1]})`, () => {
        assert.throws(() => readZip(readFixture(path)), violation(...expected));
      });
      continue;
    }
    it(`reads ${path}`, () => {
      const entries = readZip(readFixture(path));
      const names = entries.map((e) => e.name);
      if (path.endsWith(".request.zip")) {
        assert.deepEqual(names.slice(0, 2), ["request.json", "site.yaml"]);
        assert.equal(names.length, 3);
        assert.match(names[2]!, /\.csr$/);
      } else {
        assert.deepEqual(names.slice(0, 3), ["signed.json", "signed.json.sig", "site.yaml"]);
        assert.match(names[3]!, /\.crt$/);
        assert.equal(names[4], "rootCA.pem");
      }
      for (const entry of entries) {
        assert.equal(entry.method, 8);
        assert.equal(entry.unixMode, 0o600);
      }
    });
  }

  it("names ../x in the message for the traversal fixture", () => {
    const bytes = readFixture("errors/work/cases/request-zip-path-traversal/site-1.request.zip");
    assert.throws(() => readZip(bytes), {
      message: 'unsafe zip member name (not at the archive root): "../x"',
    });
  });
});

describe("readZip accepts", () => {
  it("a plain archive, in central-directory order, with method and mode", () => {
    const entries = readZip(buildRawZip(REQUEST));
    assert.deepEqual(summary(entries), [
      ["request.json", '{\n  "name": "site-1"\n}'],
      ["site.yaml", "name: site-1\n"],
      ["site-1.csr", "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n"],
    ]);
    assert.deepEqual(
      entries.map((e) => [e.method, e.unixMode]),
      [
        [8, 0o600],
        [0, 0o600],
        [8, 0o600],
      ],
    );
  });
  it("an empty archive", () => {
    assert.deepEqual(readZip(buildRawZip([])), []);
  });
  it("an archive with a comment", () => {
    assert.equal(readZip(buildRawZip(REQUEST, { comment: text("PK\x05\x06 comment") })).length, 3);
  });
  it("a member written with a data descriptor (zeros in the local header)", () => {
    const member: RawMember = {
      name: "a.txt",
      data: "abc",
      flags: 0x0008,
      localCrc: 0,
      localCompressedSize: 0,
      localUncompressedSize: 0,
    };
    assert.deepEqual(summary(readZip(buildRawZip([member]))), [["a.txt", "abc"]]);
  });
  it("a UTF-8 name with the UTF-8 flag", () => {
    assert.deepEqual(summary(readZip(buildRawZip([{ name: "café.txt", data: "x", flags: 0x0800 }]))), [
      ["café.txt", "x"],
    ]);
  });
  it("regular-file and no-type Unix modes, and a local extra field", () => {
    const entries = readZip(
      buildRawZip([
        { name: "a", data: "1", externalAttr: 0o100644 << 16, localExtra: new Uint8Array(8) },
        { name: "b", data: "2", externalAttr: 0 },
      ]),
    );
    assert.deepEqual(
      entries.map((e) => e.unixMode),
      [0o100644, 0],
    );
  });
  it("empty members, stored and deflated", () => {
    const entries = readZip(buildRawZip([{ name: "a", method: 0 }, { name: "b" }]));
    assert.deepEqual(summary(entries), [
      ["a", ""],
      ["b", ""],
    ]);
  });
  it("a member of exactly maxMemberBytes", () => {
    const data = new Uint8Array(1000).fill(0x61);
    const entries = readZip(buildRawZip([{ name: "a", data }]), { maxMemberBytes: 1000 });
    assert.equal(entries[0]?.data.length, 1000);
  });
});

interface Hostile {
  label: string;
  zip: () => Uint8Array;
  kind: ZipViolation["kind"];
  member?: string;
  limits?: ZipLimits;
  message?: string;
}

const plus = (...extra: RawMember[]) => buildRawZip([...REQUEST, ...extra]);
const bomb200 = (() => {
  let cached: Uint8Array | undefined;
  return () => {
    cached ??= zeroBomb(200 * MiB);
    return cached;
  };
})();
const validZip = () => buildRawZip(REQUEST);
const nested = (() => {
  // A stored member "a" whose data is itself a complete local header + data for "b".
  const inner = buildRawZip([{ name: "b", data: "hi", method: 0 }]).subarray(0, 30 + 1 + 2);
  return () =>
    buildRawZip([
      { name: "a", data: inner, method: 0 },
      { name: "b", data: "hi", method: 0, skipLocal: true, localOffset: 30 + 1 },
    ]);
})();

const HOSTILE: Hostile[] = [
  // validation.md §3 rules 1-2
  {
    label: "an absolute path",
    zip: () => plus({ name: "/etc/passwd", data: "x" }),
    kind: "unsafe-name",
    member: "/etc/passwd",
  },
  {
    label: "a member named ../x",
    zip: () => plus({ name: "../x", data: "x\n" }),
    kind: "unsafe-name",
    member: "../x",
    message: 'unsafe zip member name (not at the archive root): "../x"',
  },
  { label: "a bare ..", zip: () => plus({ name: "..", data: "x" }), kind: "unsafe-name", member: ".." },
  {
    label: "a member in a folder (a/b)",
    zip: () => plus({ name: "a/b", data: "x" }),
    kind: "unsafe-name",
    member: "a/b",
  },
  {
    label: "a backslash path",
    zip: () => plus({ name: "..\\x", data: "x" }),
    kind: "unsafe-name",
    member: "..\\x",
    message: 'unsafe zip member name (backslash): "..\\\\x"',
  },
  {
    label: "a drive letter",
    zip: () => plus({ name: "C:x", data: "x" }),
    kind: "unsafe-name",
    member: "C:x",
  },
  {
    label: "a control character",
    zip: () => plus({ name: "a\nb", data: "x" }),
    kind: "unsafe-name",
    member: "a\nb",
    message: 'unsafe zip member name (control character): "a\\nb"',
  },
  { label: "an empty name", zip: () => plus({ name: "", data: "x" }), kind: "unsafe-name", member: "" },
  { label: "a name of .", zip: () => plus({ name: ".", data: "x" }), kind: "unsafe-name", member: "." },
  {
    label: "a non-UTF-8 name without the UTF-8 flag (latin-1 é)",
    zip: () => plus({ name: new Uint8Array([0x63, 0x61, 0x66, 0xe9]), data: "x" }),
    kind: "unsafe-name",
    member: "caf\ufffd",
  },
  {
    label: "a UTF-8 name without the UTF-8 flag",
    zip: () => plus({ name: "café", data: "x" }),
    kind: "unsafe-name",
    member: "café",
    message: 'zip member name is not ASCII and not flagged UTF-8: "café"',
  },
  {
    label: "invalid UTF-8 in a name with the UTF-8 flag",
    zip: () => plus({ name: new Uint8Array([0x61, 0xc3, 0x28]), data: "x", flags: 0x0800 }),
    kind: "unsafe-name",
    member: "a\ufffd(",
  },
  // rule 3
  {
    label: "a duplicate name",
    zip: () => plus({ name: "site.yaml", data: "x" }),
    kind: "duplicate",
    member: "site.yaml",
  },
  {
    label: "a duplicate differing only in case",
    zip: () => plus({ name: "Site.YAML", data: "x" }),
    kind: "duplicate",
    member: "Site.YAML",
  },
  {
    label: "a duplicate differing only in Unicode normalization",
    zip: () =>
      buildRawZip([
        { name: "caf\u00e9", data: "1", flags: 0x0800 },
        { name: "cafe\u0301", data: "2", flags: 0x0800 },
      ]),
    kind: "duplicate",
    member: "cafe\u0301",
  },
  {
    label: "a directory entry",
    zip: () => plus({ name: "dir/", externalAttr: ((0o40755 << 16) | 0x10) >>> 0 }),
    kind: "not-a-file",
    member: "dir/",
  },
  {
    label: "a directory mode on a name without a slash",
    zip: () => plus({ name: "dir", externalAttr: (0o40755 << 16) >>> 0 }),
    kind: "not-a-file",
    member: "dir",
  },
  {
    label: "the MS-DOS directory attribute",
    zip: () => plus({ name: "dir", externalAttr: 0x10 }),
    kind: "not-a-file",
    member: "dir",
  },
  {
    label: "a symlink mode",
    zip: () => plus({ name: "rootCA.pem", data: "/etc/shadow", externalAttr: (0o120777 << 16) >>> 0 }),
    kind: "not-a-file",
    member: "rootCA.pem",
    message: 'zip member is not a regular file: "rootCA.pem"',
  },
  {
    label: "a FIFO mode",
    zip: () => plus({ name: "fifo", externalAttr: (0o10644 << 16) >>> 0 }),
    kind: "not-a-file",
    member: "fifo",
  },
  // rule 4
  {
    label: "a 200 MiB zero bomb declared honestly",
    zip: () => plus({ name: "zeros.bin", payload: bomb200(), uncompressedSize: 200 * MiB, crc: 0 }),
    kind: "too-large",
    member: "zeros.bin",
    message: 'zip member exceeds size limit: "zeros.bin"',
  },
  {
    label: "a 200 MiB zero bomb declared as 1000 bytes",
    zip: () => plus({ name: "zeros.bin", payload: bomb200(), uncompressedSize: 1000, crc: 0 }),
    kind: "corrupt",
    member: "zeros.bin",
    message: 'zip member size differs from its declared size: "zeros.bin"',
  },
  {
    label: "a 200 MiB zero bomb declared as exactly 10 MiB",
    zip: () => plus({ name: "zeros.bin", payload: bomb200(), uncompressedSize: 10 * MiB, crc: 0 }),
    kind: "corrupt",
    member: "zeros.bin",
  },
  {
    label: "a member over a custom size limit",
    zip: () => plus({ name: "big.txt", data: "x".repeat(101) }),
    limits: { maxMemberBytes: 100 },
    kind: "too-large",
    member: "big.txt",
  },
  // rules 5-6
  {
    label: "a *.key member",
    zip: () => plus({ name: "site-1.key", data: "not even a key" }),
    kind: "private-key",
    member: "site-1.key",
    message: 'zip member is a private key: "site-1.key"',
  },
  {
    label: "an upper-case *.KEY member",
    zip: () => plus({ name: "SITE-1.KEY", data: "x" }),
    kind: "private-key",
    member: "SITE-1.KEY",
  },
  {
    label: "a PEM key marker in a .pem member",
    zip: () =>
      plus({
        name: "rootCA.pem",
        data: "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n",
      }),
    kind: "private-key",
    member: "rootCA.pem",
    message: 'zip member contains a private key: "rootCA.pem"',
  },
  {
    label: "a PEM key marker in site.yaml",
    zip: () =>
      buildRawZip([
        REQUEST[0]!,
        { name: "site.yaml", data: "name: x\nkey: |\n  -----BEGIN PRIVATE KEY-----\n  MIIE\n" },
        REQUEST[2]!,
      ]),
    kind: "private-key",
    member: "site.yaml",
  },
  {
    label: "a PEM key marker in a stored member",
    zip: () => plus({ name: "notes.txt", data: "-----BEGIN OPENSSH PRIVATE KEY-----", method: 0 }),
    kind: "private-key",
    member: "notes.txt",
  },
  // container format
  {
    label: "an encrypted member",
    zip: () => plus({ name: "a", data: "x", flags: 0x0001 }),
    kind: "unsupported",
    member: "a",
  },
  {
    label: "a strongly encrypted member",
    zip: () => plus({ name: "a", data: "x", flags: 0x0040 }),
    kind: "unsupported",
    member: "a",
  },
  {
    label: "compression method 12 (bzip2)",
    zip: () => plus({ name: "a", data: "x", method: 12 }),
    kind: "unsupported",
    member: "a",
    message: 'unsupported compression method 12 for zip member "a"',
  },
  {
    label: "a declared size smaller than the data (deflated)",
    zip: () => plus({ name: "a", data: "hello", uncompressedSize: 4 }),
    kind: "corrupt",
    member: "a",
  },
  {
    label: "a declared size larger than the data (deflated)",
    zip: () => plus({ name: "a", data: "hello", uncompressedSize: 6 }),
    kind: "corrupt",
    member: "a",
  },
  {
    label: "a declared size larger than the data (stored)",
    zip: () => plus({ name: "a", data: "hello", method: 0, uncompressedSize: 6 }),
    kind: "corrupt",
    member: "a",
  },
  {
    label: "a compressed size running into the central directory",
    zip: () => plus({ name: "a", data: "hello", compressedSize: 5000 }),
    kind: "corrupt",
    member: "a",
  },
  {
    label: "a CRC-32 mismatch",
    zip: () => plus({ name: "a", data: "hello", crc: 0x12345678 }),
    kind: "corrupt",
    member: "a",
    message: 'zip member CRC-32 mismatch: "a"',
  },
  {
    label: "an empty DEFLATE stream",
    zip: () => plus({ name: "a", payload: new Uint8Array(0) }),
    kind: "corrupt",
    member: "a",
  },
  {
    label: "more than 64 members",
    zip: () => buildRawZip(Array.from({ length: 65 }, (_, i) => ({ name: `m${i}`, data: "x" }))),
    kind: "too-many-entries",
    message: "zip archive has 65 members, more than the limit of 64",
  },
  {
    label: "more members than a custom limit",
    zip: validZip,
    limits: { maxEntries: 2 },
    kind: "too-many-entries",
  },
  {
    label: "declared sizes summing past 64 MiB (checked before reading)",
    zip: () =>
      buildRawZip(
        Array.from({ length: 7 }, (_, i) => ({ name: `m${i}`, data: "x", uncompressedSize: 10 * MiB })),
      ),
    kind: "too-large",
    member: "m6",
  },
  {
    label: "members summing past a custom total",
    zip: () => plus({ name: "a", data: "x".repeat(60) }, { name: "b", data: "y".repeat(60) }),
    limits: { maxTotalBytes: 200 },
    kind: "too-large",
    member: "b",
  },
  {
    label: "a local header name that differs from the central one",
    zip: () => plus({ name: "a.txt", localName: "b.txt", data: "x" }),
    kind: "corrupt",
    member: "a.txt",
    message: 'zip local header name does not match the central directory: "a.txt"',
  },
  {
    label: "a local header hiding ../x behind a safe central name",
    zip: () => plus({ name: "x", localName: "../x", data: "x" }),
    kind: "corrupt",
    member: "x",
  },
  {
    label: "a local header with another method",
    zip: () => plus({ name: "a", data: "x", localMethod: 0 }),
    kind: "corrupt",
    member: "a",
  },
  {
    label: "a local header with the encryption flag",
    zip: () => plus({ name: "a", data: "x", localFlags: 0x0001 }),
    kind: "corrupt",
    member: "a",
  },
  {
    label: "a local header whose sizes disagree without a data descriptor",
    zip: () => plus({ name: "a", data: "x", localUncompressedSize: 0 }),
    kind: "corrupt",
    member: "a",
  },
  {
    label: "a local header offset pointing at nothing",
    zip: () => plus({ name: "a", data: "x", localOffset: 5 }),
    kind: "corrupt",
    member: "a",
  },
  {
    label: "a local header offset past the central directory",
    zip: () => plus({ name: "a", data: "x", localOffset: 0x00ffffff }),
    kind: "corrupt",
    member: "a",
  },
  {
    label: "two entries sharing one local header",
    zip: () =>
      buildRawZip([
        { name: "a", data: "x", method: 0 },
        { name: "a", data: "x", method: 0, skipLocal: true, localOffset: 0 },
      ]),
    kind: "duplicate",
    member: "a",
  },
  {
    label: "a local header inside another member's data",
    zip: nested,
    kind: "corrupt",
    member: "b",
    message: 'zip member overlaps another member: "b"',
  },
  {
    label: "an archive truncated by one byte",
    zip: () => validZip().subarray(0, validZip().length - 1),
    kind: "corrupt",
    message: "not a zip archive: no end of central directory record",
  },
  {
    label: "an archive cut in half",
    zip: () => validZip().subarray(0, validZip().length >> 1),
    kind: "corrupt",
  },
  {
    label: "an empty file",
    zip: () => new Uint8Array(0),
    kind: "corrupt",
    message: "not a zip archive: too short",
  },
  {
    label: "garbage",
    zip: () => Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) & 0xff),
    kind: "corrupt",
  },
  {
    label: "garbage ending in PK\\x05\\x06",
    zip: () => text(`${"x".repeat(50)}PK\x05\x06`),
    kind: "corrupt",
  },
  {
    label: "data before the first entry",
    zip: () => buildRawZip(REQUEST, { prefix: text("MZ stub") }),
    kind: "corrupt",
  },
  {
    label: "a central directory offset off by one",
    zip: () => buildRawZip(REQUEST, { cdOffset: 1 }),
    kind: "corrupt",
  },
  {
    label: "an end record whose counts disagree",
    zip: () => buildRawZip(REQUEST, { countOnDisk: 2 }),
    kind: "corrupt",
    message: "zip end record has inconsistent entry counts",
  },
  {
    label: "an end record counting fewer entries than the directory holds",
    zip: () => buildRawZip(REQUEST, { count: 2 }),
    kind: "corrupt",
    message: "zip central directory size disagrees with its entries",
  },
  {
    label: "an end record counting more entries",
    zip: () => buildRawZip(REQUEST, { count: 4 }),
    kind: "corrupt",
  },
  {
    label: "a multi-disk archive",
    zip: () => buildRawZip(REQUEST, { disk: 1, cdDisk: 1 }),
    kind: "unsupported",
  },
  {
    label: "a member starting on another disk",
    zip: () => plus({ name: "a", data: "x", diskStart: 1 }),
    kind: "unsupported",
    member: "a",
  },
  {
    label: "a ZIP64 locator",
    zip: () => buildRawZip(REQUEST, { zip64Locator: true }),
    kind: "unsupported",
    message: "ZIP64 archives are not supported",
  },
  {
    label: "a ZIP64 size sentinel",
    zip: () => plus({ name: "a", data: "x", uncompressedSize: 0xffffffff }),
    kind: "unsupported",
    member: "a",
  },
];

describe("readZip rejects", () => {
  for (const c of HOSTILE) {
    it(`${c.label} (${c.kind})`, () => {
      const bytes = c.zip();
      assert.throws(() => readZip(bytes, c.limits), violation(c.kind, c.member));
      if (c.message) assert.throws(() => readZip(bytes, c.limits), { message: c.message });
    });
  }

  it("reports the first violation in central-directory order", () => {
    const zip = buildRawZip([
      { name: "a", data: "x", crc: 1 },
      { name: "../b", data: "x" },
      { name: "c.key", data: "x" },
    ]);
    // Names, types and sizes of all entries are checked before any data is read.
    assert.throws(() => readZip(zip), violation("unsafe-name", "../b"));
  });

  it("rejects the honest 200 MiB bomb before inflating anything", () => {
    // Its payload is not even a DEFLATE stream: reading it would fail as corrupt instead.
    const zip = plus({
      name: "zeros.bin",
      payload: new Uint8Array(1000).fill(0xff),
      uncompressedSize: 200 * MiB,
    });
    assert.throws(() => readZip(zip), violation("too-large", "zeros.bin"));
  });
});

describe("containsPrivateKeyMarker (re-exported)", () => {
  it("is the same scan readZip applies", () => {
    assert.equal(containsPrivateKeyMarker(text("-----BEGIN EC PRIVATE KEY-----")), true);
  });
});

describe("readZip on mutated archives", () => {
  const members = [
    { name: "request.json", data: text('{\n  "name": "site-1",\n  "org": "org_a"\n}') },
    { name: "site.yaml", data: text("name: site-1\norg: org_a\ntype: client\n".repeat(20)) },
    {
      name: "site-1.csr",
      data: text("-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n"),
    },
  ];
  const ours = writeZip(members, { date: new Date(2026, 10, 27, 15, 25, 26) });
  const stored = buildRawZip(members.map((m) => ({ ...m, method: 0 })));
  const reference = readFixture("hospital/work/hospital-a/hospital-a.request.zip");

  const mutation = (size: number) =>
    fc.oneof(
      fc.record({
        kind: fc.constant("flips" as const),
        flips: fc.array(fc.tuple(fc.nat({ max: size - 1 }), fc.integer({ min: 1, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
      }),
      fc.record({ kind: fc.constant("truncate" as const), keep: fc.nat({ max: size - 1 }) }),
      fc.record({
        kind: fc.constant("byte" as const),
        at: fc.nat({ max: size - 1 }),
        value: fc.constantFrom(0x00, 0xff, 0x2f, 0x5c, 0x08, 0x0c),
      }),
    );

  for (const [label, zip] of [
    ["writeZip output", ours],
    ["a stored archive", stored],
    ["a reference request zip", reference],
  ] as const) {
    it(`either reads ${label} unchanged or throws ZipViolation`, () => {
      const original = summary(readZip(zip));
      const outcomes = { same: 0, rejected: 0 };
      fc.assert(
        fc.property(mutation(zip.length), (m) => {
          const bytes = zip.slice(0, m.kind === "truncate" ? m.keep : zip.length);
          if (m.kind === "flips") for (const [at, xor] of m.flips) bytes[at] = (bytes[at] as number) ^ xor;
          if (m.kind === "byte") bytes[m.at] = m.value;
          let entries: ZipEntry[];
          try {
            entries = readZip(bytes);
          } catch (e) {
            if (!(e instanceof ZipViolation)) throw e;
            outcomes.rejected++;
            return;
          }
          assert.deepEqual(summary(entries), original);
          outcomes.same++;
        }),
        { numRuns: 1500, seed: 20261127 },
      );
      // Both outcomes occur (e.g. a flipped timestamp is harmless, a flipped CRC is not).
      assert.ok(outcomes.same > 0 && outcomes.rejected > 0, JSON.stringify(outcomes));
    });
  }
});
