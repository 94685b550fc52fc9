import { mkdirSync, renameSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { FlareError } from "../core/errors/flare-error.ts";
import type { KitTree } from "../core/kit/types.ts";
import { syncDir, tempSibling, writeNewFile } from "./atomic-write.ts";
import { notWritable } from "./fs-errors.ts";

/**
 * Writes a virtual tree to `dest` all at once: assembled in a hidden temp sibling, fsynced,
 * then renamed into place. With `replace`, an existing `dest` is moved aside first and removed
 * only after the new tree is in place, so a failure leaves the old kit intact.
 */
export function writeTreeAtomic(
  dest: string,
  tree: KitTree,
  options: { replace: boolean; exists: () => FlareError },
): void {
  const parent = dirname(dest);
  const staging = tempSibling(dest);
  try {
    mkdirSync(parent, { recursive: true });
    mkdirSync(staging, { mode: 0o755 });
    for (const dir of [...tree.dirs].sort()) mkdirSync(join(staging, dir), { recursive: true, mode: 0o755 });
    for (const [path, file] of tree.files) {
      mkdirSync(dirname(join(staging, path)), { recursive: true, mode: 0o755 });
      writeNewFile(join(staging, path), file.bytes, file.mode);
    }
    syncDir(staging);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw notWritable(parent, error);
  }
  let aside: string | undefined;
  try {
    if (options.replace) {
      aside = tempSibling(dest, "old");
      try {
        renameSync(dest, aside);
      } catch (error) {
        aside = undefined;
        if ((error as { code?: string }).code !== "ENOENT") throw error;
      }
    }
    try {
      renameSync(staging, dest);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === "ENOTEMPTY" || code === "EEXIST") throw options.exists();
      throw error;
    }
    syncDir(parent);
  } catch (error) {
    if (aside) renameSync(aside, dest);
    rmSync(staging, { recursive: true, force: true });
    throw error instanceof FlareError ? error : notWritable(parent, error);
  }
  if (aside) rmSync(aside, { recursive: true, force: true });
}
