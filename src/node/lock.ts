import { linkSync, lstatSync, type Stats, unlinkSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { FlareError } from "../core/errors/flare-error.ts";
import {
  discard,
  makeDirs,
  type RecoveryReport,
  recoverStale,
  tempSibling,
  writeNewFile,
} from "./atomic-write.ts";
import { errnoCode, notWritable } from "./fs-errors.ts";
import { breakStaleLock, isStaleLock, lockBytes, readLock } from "./stale-lock.ts";
import { thisWriter, type Writer } from "./writer-id.ts";

/**
 * Output locks: a check and the write it allows are one step. `package` holds the lock of its
 * `prod_NN` folder from the one-root check to the kit's rename; `cert approve` holds the lock
 * of its signed zip while it writes the zip and then the audit record. The lock of `X` is the
 * file `.X.flare-lock` beside it, created by an atomic exclusive `link` of a complete temp file
 * (so it is never seen half-written) holding its writer (host, pid, start time). A lock whose
 * writer is a process of this host and this user that no longer runs is stale and broken; any
 * other is waited for, and after {@link LOCK_WAIT_MS} the command fails with `OUTPUT_LOCKED`
 * naming the lock file (docs/security.md "Running commands at once").
 */

/** How long a command waits for another one's lock before giving up. */
export const LOCK_WAIT_MS = 30_000;

/** A lock held by this process. */
export interface HeldLock {
  /** The lock file. */
  path: string;
  /** Folders created to hold it, outermost first (removed again by a caller that fails). */
  created: string[];
  /** Removes the lock file if it is still ours. Never throws. */
  release(): void;
}

/** The lock file of `target`: `.<name>.flare-lock` in the same folder. */
export function lockPathOf(target: string): string {
  return join(dirname(target), `.${basename(target)}.flare-lock`);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Takes the lock of `target`, creating its folder (and missing ancestors, `dirMode`) if needed.
 * Waits while another command holds it; a stale one is broken. Throws `OUTPUT_LOCKED` after
 * {@link LOCK_WAIT_MS}, `OUTPUT_DIR_NOT_WRITABLE` when the lock cannot be created at all.
 */
export async function acquireLock(
  target: string,
  options: { dirMode: number; report?: RecoveryReport; waitMs?: number },
): Promise<HeldLock> {
  const path = lockPathOf(target);
  const dir = dirname(path);
  const created: string[] = [];
  const deadline = Date.now() + (options.waitMs ?? LOCK_WAIT_MS);
  let pause = 10;
  for (;;) {
    let mine: Stats | undefined;
    const temp = tempSibling(path);
    try {
      // Another command may have removed a folder it made between two attempts: make it again.
      created.push(...makeDirs(dir, options.dirMode));
      recoverStale(dir, options.report);
      writeNewFile(temp, lockBytes(thisWriter()), 0o644);
      linkSync(temp, path);
      mine = lstatSync(path);
    } catch (error) {
      const code = errnoCode(error);
      if (code !== "EEXIST" && code !== "ENOENT") {
        discard(temp);
        throw notWritable(dir, error);
      }
    }
    discard(temp);
    if (mine) {
      const ino = mine.ino;
      return {
        path,
        created,
        release: () => {
          try {
            if (lstatSync(path).ino === ino) unlinkSync(path);
          } catch {
            // Already gone.
          }
        },
      };
    }
    const held = readLock(path);
    if (held && isStaleLock(held)) {
      breakStaleLock(path, held.stat, tempSibling(path));
      continue;
    }
    if (Date.now() >= deadline) throw lockedError(target, path, held?.writer);
    await sleep(pause);
    pause = Math.min(pause * 2, 200);
  }
}

function lockedError(target: string, path: string, writer: Writer | undefined): FlareError {
  const holder = writer
    ? `held by pid ${writer.pid} on host '${writer.host}'`
    : "held (its content is not a lock of this program)";
  return new FlareError("OUTPUT_LOCKED", {
    message: `Another command is writing ${target}: ${path} is ${holder}.`,
    hint: `Wait for it to finish and run the command again; if no command is running, remove ${path}.`,
  });
}
