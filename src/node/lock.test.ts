import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { makeTempDir } from "../../test/helpers/fixtures.ts";
import { FlareError } from "../core/errors/flare-error.ts";
import { acquireLock, lockPathOf } from "./lock.ts";
import { thisWriter } from "./writer-id.ts";

const { dir: root, cleanup } = makeTempDir("flare-lock-");
after(cleanup);
let n = 0;
const fresh = () => {
  n += 1;
  const dir = join(root, `case-${n}`);
  mkdirSync(dir);
  return dir;
};
const deadPid = spawnSync(process.execPath, ["-e", ""]).pid as number;
const lockText = (writer: object) => `${JSON.stringify({ flare_lock: 1, writer })}\n`;

describe("acquireLock", () => {
  test("takes a free lock, creating the folder, and release removes it", async () => {
    const target = join(fresh(), "new", "prod_00");
    const lock = await acquireLock(target, { dirMode: 0o755 });
    assert.equal(lock.path, join(target, "..", ".prod_00.flare-lock"));
    assert.deepEqual(lock.created, [join(target, "..")]);
    assert.deepEqual(readdirSync(join(target, "..")), [".prod_00.flare-lock"]);
    lock.release();
    assert.deepEqual(readdirSync(join(target, "..")), []);
  });

  test("breaks the lock of a dead process of this host and user", async () => {
    const target = join(fresh(), "prod_00");
    writeFileSync(lockPathOf(target), lockText({ host: hostname(), pid: deadPid, started: "9" }));
    const lock = await acquireLock(target, { dirMode: 0o755, waitMs: 0 });
    lock.release();
    assert.equal(existsSync(lockPathOf(target)), false);
  });

  for (const [label, text] of [
    ["a live process", lockText(thisWriter())],
    ["another host", lockText({ host: "elsewhere", pid: deadPid, started: "9" })],
    ["content that is not a lock of ours", lockText({ host: hostname(), pid: deadPid })],
  ] as const) {
    test(`waits for, and never breaks, the lock of ${label}`, async () => {
      const target = join(fresh(), "prod_00");
      writeFileSync(lockPathOf(target), text);
      await assert.rejects(
        acquireLock(target, { dirMode: 0o755, waitMs: 50 }),
        (error) =>
          error instanceof FlareError &&
          error.code === "OUTPUT_LOCKED" &&
          error.message.startsWith(`Another command is writing ${target}: ${lockPathOf(target)} is held`),
      );
      assert.equal(existsSync(lockPathOf(target)), true);
    });
  }
});
