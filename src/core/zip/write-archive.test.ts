import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { makeTempDir } from "../../../test/helpers/fixtures.ts";
import { buildRawZip } from "./raw-zip.test-helper.ts";
import { readArchive } from "./read-archive.ts";
import { type ArchiveEntry, checkArchivePath, writeArchive } from "./write-archive.ts";
import { ZipViolation } from "./zip-format.ts";

const text = (s: string) => new TextEncoder().encode(s);
const DATE = new Date(2026, 10, 27, 15, 1, 2);
const HAVE_UNZIP = spawnSync("unzip", ["-v"]).status === 0;
const KEY = "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n";

const KIT: ArchiveEntry[] = [
  { path: "site-1", mode: 0o755 },
  { path: "site-1/startup", mode: 0o755 },
  { path: "site-1/startup/client.key", mode: 0o600, data: text(KEY) },
  {
    path: "site-1/startup/start.sh",
    mode: 0o755,
    data: text("#!/usr/bin/env bash\necho start\n".repeat(20)),
  },
  { path: "site-1/startup/empty.txt", mode: 0o644, data: new Uint8Array(0) },
  { path: "site-1/transfer", mode: 0o755 },
];

const violation = (kind: string) => (error: unknown) => error instanceof ZipViolation && error.kind === kind;

describe("writeArchive", () => {
  it("round-trips nested files with their modes through readArchive", () => {
    const files = readArchive(writeArchive(KIT, { date: DATE }));
    assert.deepEqual(
      files.map((f) => [f.path, f.mode, new TextDecoder().decode(f.data)]),
      KIT.filter((e) => e.data).map((e) => [e.path, e.mode, new TextDecoder().decode(e.data)]),
    );
  });

  it("is deterministic for fixed inputs", () => {
    assert.deepEqual(writeArchive(KIT, { date: DATE }), writeArchive(KIT, { date: DATE }));
  });

  it("stores private keys, which the traveling-zip writer refuses", () => {
    const [file] = readArchive(
      writeArchive([{ path: "a/a.key", mode: 0o600, data: text(KEY) }], { date: DATE }),
    );
    assert.equal(file?.path, "a/a.key");
  });

  it("writes modes that unzip restores (0600 key, 0755 script and folders, empty folder kept)", {
    skip: !HAVE_UNZIP && "unzip is not installed",
  }, () => {
    const { dir, cleanup } = makeTempDir("flare-archive-");
    try {
      const zip = join(dir, "kit.zip");
      writeFileSync(zip, writeArchive(KIT, { date: DATE }));
      const out = join(dir, "out");
      mkdirSync(out);
      const run = spawnSync("unzip", ["-q", zip, "-d", out], { encoding: "utf8" });
      assert.equal(run.status, 0, run.stderr);
      const mode = (p: string) => statSync(join(out, p)).mode & 0o777;
      assert.equal(mode("site-1/startup/client.key"), 0o600);
      assert.equal(mode("site-1/startup/start.sh"), 0o755);
      assert.equal(mode("site-1/startup/empty.txt"), 0o644);
      assert.equal(mode("site-1/transfer"), 0o755);
      assert.ok(statSync(join(out, "site-1/transfer")).isDirectory());
      assert.equal(readFileSync(join(out, "site-1/startup/client.key"), "utf8"), KEY);
    } finally {
      cleanup();
    }
  });

  for (const bad of ["", "/abs", "a/../b", "a//b", "./a", "a\\b", "C:/x", "a/\u0001", "a/"]) {
    it(`refuses the unsafe path ${JSON.stringify(bad)}`, () => {
      assert.throws(
        () => writeArchive([{ path: bad, mode: 0o644, data: text("x") }], { date: DATE }),
        violation("unsafe-name"),
      );
    });
  }

  it("refuses duplicate paths, also differing only in case", () => {
    const entries = [
      { path: "a/B.txt", mode: 0o644, data: text("1") },
      { path: "a/b.txt", mode: 0o644, data: text("2") },
    ];
    assert.throws(() => writeArchive(entries, { date: DATE }), violation("duplicate"));
  });

  it("refuses a mode outside the permission bits", () => {
    assert.throws(
      () => writeArchive([{ path: "a", mode: 0o4755, data: text("x") }], { date: DATE }),
      violation("unsupported"),
    );
  });
});

describe("readArchive", () => {
  it("reads what Info-ZIP's zip writes", {
    skip: spawnSync("zip", ["-v"]).status !== 0 && "zip is not installed",
  }, () => {
    const { dir, cleanup } = makeTempDir("flare-archive-");
    try {
      mkdirSync(join(dir, "ca"));
      writeFileSync(join(dir, "ca", "rootCA.key"), KEY, { mode: 0o600 });
      const run = spawnSync("zip", ["-qr", "ca.zip", "ca"], { cwd: dir });
      assert.equal(run.status, 0);
      const files = readArchive(new Uint8Array(readFileSync(join(dir, "ca.zip"))));
      assert.deepEqual(
        files.map((f) => [f.path, f.mode]),
        [["ca/rootCA.key", 0o600]],
      );
    } finally {
      cleanup();
    }
  });

  it("refuses a symlink entry", () => {
    const zip = buildRawZip([
      { name: "a/link", data: "target", externalAttr: 0o120777 << 16, versionMadeBy: 0x0314 },
    ]);
    assert.throws(() => readArchive(zip), violation("not-a-file"));
  });

  it("refuses a path that climbs out of the folder", () => {
    const zip = buildRawZip([{ name: "a/../../etc/passwd", data: "x" }]);
    assert.throws(() => readArchive(zip), violation("unsafe-name"));
  });

  it("refuses a member whose CRC does not match", () => {
    const zip = buildRawZip([{ name: "a/b", data: "hello", crc: 1234 }]);
    assert.throws(() => readArchive(zip), violation("corrupt"));
  });

  it("refuses a member that inflates past its declared size", () => {
    const zip = buildRawZip([{ name: "a/b", data: "x".repeat(5000), uncompressedSize: 10 }]);
    assert.throws(() => readArchive(zip), violation("corrupt"));
  });

  it("refuses an encrypted member", () => {
    const zip = buildRawZip([{ name: "a/b", data: "x", flags: 1 }]);
    assert.throws(() => readArchive(zip), violation("unsupported"));
  });

  it("refuses bytes that are not a zip", () => {
    assert.throws(() => readArchive(text("not a zip at all, just text")), violation("corrupt"));
  });

  it("checks archive paths with the writer's rules", () => {
    assert.doesNotThrow(() => checkArchivePath("site-1/startup/fed_client.json"));
    assert.throws(() => checkArchivePath("site-1/./x"), violation("unsafe-name"));
  });
});
