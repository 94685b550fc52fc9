import { mkdirSync, renameSync } from "node:fs";
import { dirname, join } from "node:path";
import { FlareError } from "../core/errors/flare-error.ts";
import type { KitTree } from "../core/kit/types.ts";
import {
  discard,
  makeDirs,
  recoverStale,
  removeDirs,
  syncDir,
  tempSibling,
  writeNewFile,
} from "./atomic-write.ts";
import { errnoCode, notWritable } from "./fs-errors.ts";

/** Options of {@link writeTreeAtomic}. */
export interface WriteTreeOptions {
  /** Replace an existing `dest` (`package --force`); otherwise an existing one is an error. */
  replace: boolean;
  /** The coded error for an existing `dest` (`OUTPUT_DIR_EXISTS`). */
  exists: () => FlareError;
  /**
   * Runs once the new tree is in place, before the old one is dropped (package copies files into
   * the request folder here). If it throws, the new tree is removed, the old one comes back, and
   * the error propagates, so the command leaves nothing behind.
   */
  afterPlaced?: () => void;
}

/**
 * Writes a virtual tree to `dest` all at once: assembled in a hidden temp sibling (missing
 * ancestors created 0755 and removed again on failure), fsynced, then renamed into place. With
 * `replace`, an existing `dest` is first moved aside as `.<name>.old-<host>-<pid>-<start>-<hex>` and removed only
 * after the new tree is in place and `afterPlaced` succeeded. A kill between the two renames leaves the
 * old tree aside; {@link recoverStale} on the parent puts it back (docs/security.md).
 */
export function writeTreeAtomic(dest: string, tree: KitTree, options: WriteTreeOptions): void {
  const parent = dirname(dest);
  const staging = tempSibling(dest);
  let created: string[] = [];
  try {
    created = makeDirs(parent, 0o755);
    recoverStale(parent);
    mkdirSync(staging, { mode: 0o755 });
    for (const dir of [...tree.dirs].sort()) mkdirSync(join(staging, dir), { recursive: true, mode: 0o755 });
    for (const [path, file] of tree.files) {
      mkdirSync(dirname(join(staging, path)), { recursive: true, mode: 0o755 });
      writeNewFile(join(staging, path), file.bytes, file.mode);
    }
    syncDir(staging);
  } catch (error) {
    discard(staging);
    removeDirs(created);
    throw notWritable(parent, error);
  }
  let aside: string | undefined;
  let placed = false;
  try {
    if (options.replace) {
      aside = tempSibling(dest, "old");
      try {
        renameSync(dest, aside);
      } catch (error) {
        aside = undefined;
        if (errnoCode(error) !== "ENOENT") throw error;
      }
    }
    try {
      renameSync(staging, dest);
    } catch (error) {
      const code = errnoCode(error);
      if (code === "ENOTEMPTY" || code === "EEXIST") throw options.exists();
      throw error;
    }
    placed = true;
    syncDir(parent);
    options.afterPlaced?.();
  } catch (error) {
    try {
      if (placed) {
        // Move the new tree out of the way in one step, so a kill here still leaves a state
        // recoverStale understands (old tree aside, new one a temp).
        const unwanted = tempSibling(dest);
        renameSync(dest, unwanted);
        discard(unwanted);
      }
      if (aside) renameSync(aside, dest);
    } catch {
      // The next recoverStale of the parent finishes the job.
    }
    discard(staging);
    if (!aside) removeDirs(created);
    throw error instanceof FlareError ? error : notWritable(parent, error);
  }
  if (aside) discard(aside);
}
