import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { makeTempDir, readFixture } from "../../../test/helpers/fixtures.ts";
import { inspectZip } from "./raw-zip.test-helper.ts";
import { readZip, ZipViolation } from "./read-zip.ts";
import { writeZip, type ZipMemberInput } from "./write-zip.ts";

const MiB = 1024 * 1024;
const text = (s: string) => new TextEncoder().encode(s);
// The reference request zips were written at 2026-11-27 15:01:02 (local time = UTC there).
const REFERENCE_TIME = new Date(2026, 10, 27, 15, 1, 2);
const REFERENCE_ZIP = "hospital/work/hospital-a/hospital-a.request.zip";

const referenceMembers = (): ZipMemberInput[] =>
  readZip(readFixture(REFERENCE_ZIP)).map(({ name, data }) => ({ name, data }));

const MEMBERS: ZipMemberInput[] = [
  { name: "request.json", data: text('{\n  "name": "site-1"\n}') },
  { name: "site.yaml", data: text("name: site-1\n") },
  {
    name: "site-1.csr",
    data: text("-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n"),
  },
];

describe("writeZip", () => {
  it("round-trips through readZip in the given order", () => {
    const entries = readZip(writeZip(MEMBERS, { date: REFERENCE_TIME }));
    assert.deepEqual(
      entries.map((e) => [e.name, e.data, e.method, e.unixMode]),
      MEMBERS.map((m) => [m.name, m.data, 8, 0o600]),
    );
  });

  it("lays out members like the reference writer (artifacts.md §12.3)", () => {
    const ours = inspectZip(writeZip(referenceMembers(), { date: REFERENCE_TIME }));
    const theirs = inspectZip(readFixture(REFERENCE_ZIP));
    assert.equal(ours.commentLength, 0);
    // Same fields everywhere except the compressed sizes and offsets (zlib vs fflate streams).
    const comparable = (m: (typeof ours.members)[number]) => {
      const { compressedSize: _size, localOffset: _offset, local, ...rest } = m;
      return { ...rest, local: [...local.slice(0, 6), local[7], local[8]] };
    };
    assert.deepEqual(ours.members.map(comparable), theirs.members.map(comparable));
    assert.deepEqual(ours.members[0], {
      ...ours.members[0],
      versionMadeBy: 0x0314,
      versionNeeded: 20,
      flags: 0,
      method: 8,
      time: 0x7821,
      date: 0x5d7b,
      centralExtraLength: 0,
      commentLength: 0,
      internalAttr: 0,
      externalAttr: 0o600 << 16,
      localOffset: 0,
    });
    for (const m of ours.members) assert.equal(m.local[6], m.compressedSize);
  });

  it("writes a fixture request zip's members with the same order, methods, modes and bytes", () => {
    const theirs = readZip(readFixture(REFERENCE_ZIP));
    const ours = readZip(writeZip(referenceMembers(), { date: REFERENCE_TIME }));
    assert.deepEqual(
      ours.map((e) => [e.name, e.method, e.unixMode, e.data]),
      theirs.map((e) => [e.name, e.method, e.unixMode, e.data]),
    );
  });

  it("is deterministic for a fixed date and stamps the date's local time", () => {
    const a = writeZip(MEMBERS, { date: REFERENCE_TIME });
    assert.deepEqual(writeZip(MEMBERS, { date: new Date(REFERENCE_TIME) }), a);
    const later = inspectZip(writeZip(MEMBERS, { date: new Date(2030, 0, 2, 3, 4, 6) }));
    assert.deepEqual(
      later.members.map((m) => [m.time, m.date]),
      MEMBERS.map(() => [(3 << 11) | (4 << 5) | 3, (50 << 9) | (1 << 5) | 2]),
    );
  });

  it("flags a non-ASCII name as UTF-8 and reads it back", () => {
    const zip = writeZip([{ name: "café.pem", data: text("x") }, ...MEMBERS], { date: REFERENCE_TIME });
    assert.deepEqual(
      inspectZip(zip).members.map((m) => [m.name, m.flags, m.local[1]]),
      [
        ["café.pem", 0x0800, 0x0800],
        ["request.json", 0, 0],
        ["site.yaml", 0, 0],
        ["site-1.csr", 0, 0],
      ],
    );
    assert.equal(readZip(zip)[0]?.name, "café.pem");
  });

  it("writes an empty member and an empty archive", () => {
    assert.deepEqual(
      readZip(writeZip([{ name: "empty", data: new Uint8Array(0) }], { date: REFERENCE_TIME }))[0]?.data,
      new Uint8Array(0),
    );
    assert.deepEqual(readZip(writeZip([], { date: REFERENCE_TIME })), []);
  });

  it("writes a member of exactly 10 MiB", () => {
    const data = new Uint8Array(10 * MiB).fill(0x41);
    assert.equal(
      readZip(writeZip([{ name: "big", data }], { date: REFERENCE_TIME }))[0]?.data.length,
      10 * MiB,
    );
  });

  it("is readable by python3's zipfile", (t) => {
    const probe = spawnSync("python3", ["--version"]);
    if (probe.error || probe.status !== 0) {
      t.skip("python3 is not available: zipfile interop not checked");
      return;
    }
    const members = [...referenceMembers(), { name: "naïve.txt", data: text("é\n") }];
    const { dir, cleanup } = makeTempDir();
    try {
      const path = join(dir, "ours.zip");
      writeFileSync(path, writeZip(members, { date: REFERENCE_TIME }));
      const script = [
        "import hashlib, json, sys, zipfile",
        "z = zipfile.ZipFile(sys.argv[1])",
        "assert z.testzip() is None",
        "print(json.dumps([[i.filename, i.compress_type, i.external_attr, i.flag_bits, i.create_system,",
        "  i.create_version, i.extract_version, list(i.date_time), hashlib.sha256(z.read(i)).hexdigest()]",
        "  for i in z.infolist()]))",
      ].join("\n");
      const run = spawnSync("python3", ["-c", script, path], { encoding: "utf8" });
      assert.equal(run.status, 0, run.stderr);
      assert.deepEqual(
        JSON.parse(run.stdout),
        members.map((m) => [
          m.name,
          8,
          0o600 << 16,
          m.name === "naïve.txt" ? 0x0800 : 0,
          3,
          20,
          20,
          [2026, 11, 27, 15, 1, 2],
          createHash("sha256").update(m.data).digest("hex"),
        ]),
      );
    } finally {
      cleanup();
    }
  });
});

describe("writeZip refuses", () => {
  const cases: [string, ZipMemberInput[], ZipViolation["kind"], string | undefined, string?][] = [
    [
      "a *.key member",
      [{ name: "site-1.key", data: text("x") }],
      "private-key",
      "site-1.key",
      'refusing to zip a private key: "site-1.key"',
    ],
    ["an upper-case *.KEY member", [{ name: "A.KEY", data: text("x") }], "private-key", "A.KEY"],
    [
      "private key material in the data",
      [{ name: "rootCA.pem", data: text("-----BEGIN PRIVATE KEY-----\nMIIE\n") }],
      "private-key",
      "rootCA.pem",
      'refusing to zip private key material: "rootCA.pem"',
    ],
    ["a member named ../x", [{ name: "../x", data: text("x") }], "unsafe-name", "../x"],
    ["a member in a folder", [{ name: "a/b", data: text("x") }], "unsafe-name", "a/b"],
    ["an absolute path", [{ name: "/x", data: text("x") }], "unsafe-name", "/x"],
    ["a backslash", [{ name: "a\\b", data: text("x") }], "unsafe-name", "a\\b"],
    ["a drive letter", [{ name: "C:x", data: text("x") }], "unsafe-name", "C:x"],
    ["a control character", [{ name: "a\tb", data: text("x") }], "unsafe-name", "a\tb"],
    ["an empty name", [{ name: "", data: text("x") }], "unsafe-name", ""],
    ["a lone surrogate", [{ name: "a\udc00", data: text("x") }], "unsafe-name", "a\udc00"],
    ["a directory name", [{ name: "dir/", data: new Uint8Array(0) }], "not-a-file", "dir/"],
    [
      "a duplicate name",
      [
        { name: "site.yaml", data: text("a") },
        { name: "site.yaml", data: text("b") },
      ],
      "duplicate",
      "site.yaml",
    ],
    [
      "names differing only in case",
      [
        { name: "site.yaml", data: text("a") },
        { name: "SITE.yaml", data: text("b") },
      ],
      "duplicate",
      "SITE.yaml",
    ],
    [
      "a member over 10 MiB",
      [{ name: "big", data: new Uint8Array(10 * MiB + 1) }],
      "too-large",
      "big",
      'zip member exceeds size limit: "big"',
    ],
    [
      "more than 64 members",
      Array.from({ length: 65 }, (_, i) => ({ name: `m${i}`, data: text("x") })),
      "too-many-entries",
      undefined,
    ],
  ];
  for (const [label, members, kind, member, message] of cases) {
    it(label, () => {
      assert.throws(
        () => writeZip(members, { date: REFERENCE_TIME }),
        (e: unknown) => {
          assert.ok(e instanceof ZipViolation, String(e));
          assert.equal(e.kind, kind);
          assert.equal(e.member, member);
          if (message) assert.equal(e.message, message);
          return true;
        },
      );
    });
  }

  it("an invalid date", () => {
    assert.throws(() => writeZip(MEMBERS, { date: new Date(Number.NaN) }), RangeError);
  });
});
