import assert from "node:assert/strict";
import { chmodSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { approvedWorld, runAsync, SITE, type World } from "./helpers/harness.ts";

// Loose permissions around private keys are warned about, not refused (docs/security.md
// "Keys"): a `Warning: ...` line like the other consistency warnings, on stdout in text mode
// and on stderr in JSON mode (whose stdout stays one envelope).

let world: World;

before(async () => {
  world = await approvedWorld("flare-perm-");
});
after(() => world.cleanup());

const run = (args: string[], format?: "json") =>
  runAsync([...(format ? ["--format", format] : []), ...args], { cwd: world.work, home: world.home });

/** The lines of `text` that start with `Warning: `. */
const warnings = (text: string) => text.split("\n").filter((line) => line.startsWith("Warning: "));

describe("signing with a rootCA.key that group or others can read", () => {
  const keyPath = () => join(world.work, "ca", "rootCA.key");
  const expected = (mode: string) =>
    `Warning: the root CA key ${keyPath()} is accessible by group or others (mode ${mode}); anyone who can read it can issue certificates for the project. Run 'chmod 600 ${keyPath()}'.`;
  const approve = (out: string) => [
    "cert",
    "approve",
    `${SITE}/${SITE}.request.zip`,
    "-c",
    "ca",
    "--profile",
    "project_profile.yaml",
    "--out",
    out,
  ];

  test("text mode: the warning is on stdout, the approval goes ahead", async () => {
    chmodSync(keyPath(), 0o644);
    try {
      const r = await run(approve("warn-text.signed.zip"));
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.deepEqual(warnings(r.stdout), [expected("0644")]);
      assert.equal(r.stderr, "");
    } finally {
      chmodSync(keyPath(), 0o600);
    }
  });

  test("JSON mode: the warning is on stderr, stdout is the one envelope", async () => {
    chmodSync(keyPath(), 0o640);
    try {
      const r = await run(approve("warn-json.signed.zip"), "json");
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.equal(r.json?.status, "ok");
      assert.deepEqual(warnings(r.stderr), [expected("0640")]);
    } finally {
      chmodSync(keyPath(), 0o600);
    }
  });

  test("a batch (--dry-run) warns once", async () => {
    chmodSync(keyPath(), 0o604);
    try {
      const r = await run([
        "cert",
        "approve",
        `${SITE}/${SITE}.request.zip`,
        `${SITE}/${SITE}.request.zip`,
        "-c",
        "ca",
        "--profile",
        "project_profile.yaml",
        "--dry-run",
        "--force",
      ]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.deepEqual(warnings(r.stdout), [expected("0604")]);
    } finally {
      chmodSync(keyPath(), 0o600);
    }
  });

  test("no warning for a 0600 key", async () => {
    const r = await run(approve("quiet.signed.zip"));
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(warnings(r.stdout), []);
  });
});

describe("writing a private key into a folder other users can write to", () => {
  test("cert request --out into a world-writable folder warns (text: stdout)", async () => {
    const dir = join(world.work, "shared-req");
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    const r = await run(["cert", "request", "-p", "hospital-b.yaml", "--out", "shared-req"]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(warnings(r.stdout), [
      `Warning: hospital-b.key is written into ${dir}, which every user may write to (mode 0777); another user could replace or delete the private key. Use a folder only you can write to.`,
    ]);
  });

  test("cert init -o into a world-writable folder warns (JSON: stderr)", async () => {
    const dir = join(world.work, "shared-ca");
    mkdirSync(dir);
    chmodSync(dir, 0o1777);
    const r = await run(["cert", "init", "--profile", "project_profile.yaml", "-o", "shared-ca"], "json");
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.json?.status, "ok");
    assert.deepEqual(warnings(r.stderr), [
      `Warning: rootCA.key is written into ${dir}, which every user may write to (mode 1777); another user could replace or delete the private key. Use a folder only you can write to.`,
    ]);
  });

  test("a new folder inside a world-writable folder without the sticky bit warns; with it, not", async () => {
    const open = join(world.work, "open");
    mkdirSync(open);
    chmodSync(open, 0o777);
    const r = await run(["cert", "request", "-p", "hospital-b.yaml", "--out", "open/req"]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(warnings(r.stdout), [
      `Warning: hospital-b.key is written into a new folder in ${open}, which every user may write to (mode 0777, no sticky bit); another user could move the folder and its private key away. Use a folder only you can write to.`,
    ]);
    const sticky = join(world.work, "sticky");
    mkdirSync(sticky);
    chmodSync(sticky, 0o1777);
    const quiet = await run(["cert", "request", "-p", "hospital-b.yaml", "--out", "sticky/req"]);
    assert.equal(quiet.code, 0, quiet.stdout + quiet.stderr);
    assert.deepEqual(warnings(quiet.stdout), []);
  });

  test("no warning for a folder only its owner can write to", async () => {
    const r = await run(["cert", "request", "-p", "hospital-b.yaml", "--out", "private-req"]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(warnings(r.stdout), []);
  });
});
