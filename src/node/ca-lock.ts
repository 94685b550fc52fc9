/**
 * The CA folder's lock: every command that appends to the issuance ledger (approve, revoke)
 * holds it from reading the ledger's tip to committing the new entry, so two approvals can
 * never both chain to the same entry. A lock file of a process that no longer runs is taken
 * over. Readers take it too when they can, so they recover a killed writer's commit first.
 */
import { randomBytes } from "node:crypto";
import { linkSync, renameSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { FlareError } from "../core/errors/flare-error.ts";
import { discard, processAlive, tempSibling, writeNewFile } from "./atomic-write.ts";
import { errnoCode, notWritable } from "./fs-errors.ts";
import { tryReadFile } from "./read-input.ts";

/** The lock file, relative to the CA folder. */
export const CA_LOCK_FILE = ".ledger.lock";

/** How long a command waits for another one's lock before giving up (CA_LOCKED). */
const WAIT_MS = 120_000;

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

function holderOf(text: string): number {
  return Number(/^(\d+) /.exec(text)?.[1] ?? 0);
}

function readLock(path: string): string | undefined {
  const read = tryReadFile(path, 256);
  return read.ok ? new TextDecoder().decode(read.bytes) : undefined;
}

/**
 * Moves a dead holder's lock aside and removes it. The file moved is checked to be the dead
 * one: a live lock that replaced it in between is put back.
 */
function breakStale(path: string, stale: string): void {
  const aside = tempSibling(path);
  try {
    renameSync(path, aside);
  } catch {
    return;
  }
  if (readLock(aside) !== stale) {
    try {
      linkSync(aside, path);
    } catch {
      // Someone holds a newer lock already; theirs stands.
    }
  }
  discard(aside);
}

/** Options of {@link withCaLock}. */
export interface CaLockOptions {
  /** A reader: when the folder cannot be written (read-only copy), run without the lock. */
  readOnly?: boolean;
}

/** Runs `body` while holding the lock of `caDir`; waits for a live holder, takes over a dead one's. */
export async function withCaLock<T>(
  caDir: string,
  body: () => Promise<T>,
  options: CaLockOptions = {},
): Promise<T> {
  const path = join(caDir, CA_LOCK_FILE);
  const mine = `${process.pid} ${randomBytes(8).toString("hex")}\n`;
  const deadline = Date.now() + WAIT_MS;
  let held = false;
  for (let pause = 20; !held; pause = Math.min(pause * 2, 250)) {
    try {
      // Written whole beside it, then linked into place: a lock is never seen half-written.
      const temp = tempSibling(path);
      try {
        writeNewFile(temp, new TextEncoder().encode(mine), 0o600);
        linkSync(temp, path);
      } finally {
        discard(temp);
      }
      held = true;
      break;
    } catch (error) {
      const code = errnoCode(error);
      if (code !== "EEXIST") {
        if (
          options.readOnly &&
          (code === "EACCES" || code === "EROFS" || code === "EPERM" || code === "ENOENT")
        )
          return body();
        throw notWritable(caDir, error);
      }
    }
    const holder = readLock(path);
    if (holder === undefined) continue; // released just now
    if (!processAlive(holderOf(holder))) {
      breakStale(path, holder);
      continue;
    }
    if (Date.now() > deadline) {
      throw new FlareError("CA_LOCKED", {
        message: `The CA folder ${caDir} is locked by another command (process ${holderOf(holder)}).`,
      });
    }
    await sleep(pause);
  }
  try {
    return await body();
  } finally {
    if (readLock(path) === mine) {
      try {
        unlinkSync(path);
      } catch {
        // Left for the next command, which takes over a dead holder's lock.
      }
    }
  }
}
