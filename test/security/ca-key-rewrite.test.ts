import assert from "node:assert/strict";
import { lstatSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  cloneWorld,
  FAULT_HOOK,
  initWorldCa,
  newWorld,
  type RunOptions,
  runAsync,
  type World,
} from "./helpers/harness.ts";

// `cert key encrypt|decrypt` rewrite rootCA.key in place: a kill at any write leaves the old
// key or the new one (never a mix, never a file others may read), and the next run recovers.

const PASS = "crash test passphrase";
const modeOf = (path: string) => lstatSync(path).mode & 0o777;

describe("cert key encrypt / decrypt: 0600 from the first byte, and a kill at any point is recoverable", () => {
  let world: World;
  let plainKey = "";
  before(async () => {
    world = newWorld("flare-keyrw-");
    await initWorldCa(world);
    writeFileSync(join(world.work, "pass.txt"), `${PASS}\n`);
    plainKey = readFileSync(join(world.work, "ca", "rootCA.key"), "utf8");
  });
  after(() => world.cleanup());

  const run = (root: { work: string; home: string }, args: string[], extra: Partial<RunOptions> = {}) =>
    runAsync(["--format", "json", ...args], { cwd: root.work, home: root.home, ...extra });

  test("under umask 000 the rewritten key is 0600, encrypted and decrypted", async () => {
    const copy = cloneWorld(world);
    try {
      const enc = await run(copy, ["cert", "key", "encrypt", "-c", "ca", "--passphrase-file", "pass.txt"], {
        umask: "000",
      });
      assert.equal(enc.code, 0, enc.stdout);
      assert.equal(modeOf(join(copy.work, "ca", "rootCA.key")), 0o600);
      const dec = await run(copy, ["cert", "key", "decrypt", "-c", "ca", "--passphrase-file", "pass.txt"], {
        umask: "000",
      });
      assert.equal(dec.code, 0, dec.stdout);
      assert.equal(modeOf(join(copy.work, "ca", "rootCA.key")), 0o600);
      assert.equal(
        readFileSync(join(copy.work, "ca", "rootCA.key"), "utf8"),
        plainKey,
        "the same PKCS#1 bytes back",
      );
      const init = await run(
        copy,
        [
          "cert",
          "init",
          "--profile",
          "project_profile.yaml",
          "-o",
          "ca2",
          "--encrypt-key",
          "--passphrase-file",
          "pass.txt",
        ],
        { umask: "000" },
      );
      assert.equal(init.code, 0, init.stdout);
      assert.equal(modeOf(join(copy.work, "ca2", "rootCA.key")), 0o600);
    } finally {
      copy.cleanup();
    }
  });

  test("a kill at every mutating call of cert key encrypt leaves the old or the new key", async () => {
    const counting = cloneWorld(world);
    let total = 0;
    try {
      const countFile = join(counting.root, "count");
      const r = await run(counting, ["cert", "key", "encrypt", "-c", "ca", "--passphrase-file", "pass.txt"], {
        imports: [FAULT_HOOK],
        env: { FLARE_FAULT_COUNT_FILE: countFile },
      });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      total = JSON.parse(readFileSync(countFile, "utf8")).mutating as number;
    } finally {
      counting.cleanup();
    }
    assert.ok(total >= 3, `only ${total} mutating calls`);
    let sawOld = 0;
    let sawNew = 0;
    for (let at = 1; at <= total; at++) {
      const copy = cloneWorld(world);
      try {
        const crashed = await run(
          copy,
          ["cert", "key", "encrypt", "-c", "ca", "--passphrase-file", "pass.txt"],
          {
            imports: [FAULT_HOOK],
            env: { FLARE_FAULT_CRASH_AT: String(at) },
          },
        );
        assert.equal(crashed.signal, "SIGKILL", `crash point ${at}: ${crashed.stdout}`);
        const ca = join(copy.work, "ca");
        // Whatever is there, nothing holding key bytes is readable by others.
        for (const name of readdirSync(ca)) {
          if (name.includes("rootCA.key")) assert.equal(modeOf(join(ca, name)), 0o600, `${at}: ${name}`);
        }
        const key = readFileSync(join(ca, "rootCA.key"), "utf8");
        if (key === plainKey) sawOld++;
        else {
          assert.match(
            key,
            /^-----BEGIN ENCRYPTED PRIVATE KEY-----\n[\s\S]*-----END ENCRYPTED PRIVATE KEY-----\n$/,
            `${at}: a partial key`,
          );
          sawNew++;
        }
        // The next run first recovers what the kill left: a commit cut short before its journal
        // was removed is rolled back (the old key), a finished one kept. Then it encrypts, or
        // finds the key already encrypted.
        const again = await run(copy, [
          "cert",
          "key",
          "encrypt",
          "-c",
          "ca",
          "--passphrase-file",
          "pass.txt",
        ]);
        if (key === plainKey || again.code === 0) assert.equal(again.code, 0, `${at}: ${again.stdout}`);
        else assert.match(String(again.json?.message), /already encrypted/, `${at}: ${again.stdout}`);
        assert.deepEqual(readdirSync(ca).sort(), ["ca.json", "rootCA.key", "rootCA.pem"], `${at}: leftovers`);
        const dec = await run(copy, ["cert", "key", "decrypt", "-c", "ca", "--passphrase-file", "pass.txt"]);
        assert.equal(dec.code, 0, `${at}: ${dec.stdout}`);
        assert.equal(readFileSync(join(ca, "rootCA.key"), "utf8"), plainKey, `${at}: not the same key`);
      } finally {
        copy.cleanup();
      }
    }
    assert.ok(sawOld > 0 && sawNew > 0, `old ${sawOld}, new ${sawNew}`);
  });
});
