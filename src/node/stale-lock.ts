import { linkSync, lstatSync, renameSync, rmSync, type Stats } from "node:fs";
import { tryReadFile } from "./read-input.ts";
import { thisWriter, type Writer, writerAlive } from "./writer-id.ts";

/**
 * Lock files (`.<name>.flare-lock`, see lock.ts) as recovery sees them: what one says, whether
 * its writer is gone, and how to remove a stale one without ever removing a fresh one. Kept
 * apart from lock.ts so that recovery (atomic-write.ts) can clear stale locks too.
 */

/** The name of a lock file: `.<name>.flare-lock`. */
export const LOCK_NAME = /^\..+\.flare-lock$/s;

/** The bytes of a lock file held by `writer`. */
export function lockBytes(writer: Writer): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify({ flare_lock: 1, writer })}\n`);
}

/** An existing lock file and the writer it names, if it is exactly a lock of ours. */
export interface LockFile {
  stat: Stats;
  writer: Writer | undefined;
}

/** Reads a lock file without trusting it; `undefined` when there is none. */
export function readLock(path: string): LockFile | undefined {
  let stat: Stats;
  try {
    stat = lstatSync(path);
  } catch {
    return undefined;
  }
  if (!stat.isFile()) return { stat, writer: undefined };
  const read = tryReadFile(path, 4096);
  if (!read.ok) return { stat, writer: undefined };
  try {
    const value = JSON.parse(new TextDecoder().decode(read.bytes));
    const w = value?.writer;
    const exact =
      typeof value === "object" &&
      Object.keys(value).length === 2 &&
      value.flare_lock === 1 &&
      typeof w === "object" &&
      w !== null &&
      Object.keys(w).length === 3 &&
      typeof w.host === "string" &&
      Number.isSafeInteger(w.pid) &&
      typeof w.started === "string" &&
      /^\d{1,20}$/.test(w.started);
    return { stat, writer: exact ? (w as Writer) : undefined };
  } catch {
    return { stat, writer: undefined };
  }
}

/**
 * True when the lock is exactly one of ours, owned by the effective uid, and was left by a
 * process of this host that no longer runs (the rules of recovery, docs/security.md).
 */
export function isStaleLock(lock: LockFile): boolean {
  const { stat, writer } = lock;
  const me = typeof process.geteuid === "function" ? process.geteuid() : undefined;
  if (!writer || (me !== undefined && stat.uid !== me) || stat.nlink !== 1) return false;
  return writer.host === thisWriter().host && !writerAlive(writer.pid, writer.started);
}

/**
 * Removes the stale lock `path` (judged from `stale`) by renaming it to `aside` first and
 * putting it back when what was renamed is another file (someone broke it and took the lock
 * in between). Never throws.
 */
export function breakStaleLock(path: string, stale: Stats, aside: string): void {
  try {
    renameSync(path, aside);
  } catch {
    return;
  }
  try {
    const moved = lstatSync(aside);
    if (moved.ino !== stale.ino || moved.dev !== stale.dev) linkSync(aside, path);
  } catch {
    // Someone else holds it now (EEXIST): theirs stays.
  }
  try {
    rmSync(aside, { force: true });
  } catch {
    // Our temp name: the next recovery removes it.
  }
}
