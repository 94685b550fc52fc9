import { lstatSync, mkdirSync, renameSync } from "node:fs";
import { dirname, join } from "node:path";
import type { KitFile } from "../core/kit/types.ts";
import { discard, syncDir, tempSibling, writeFileAtomic, writeNewFile } from "./atomic-write.ts";
import { errnoCode } from "./fs-errors.ts";

/**
 * Places builder files beside the kit, in the `prod_<NN>` folder (startup-kits.md §1): each
 * top-level entry (`compose.yaml`, `.env`, the `nvflare_compose/` folder) is written whole, a
 * file exclusively and a folder assembled in a temp sibling and renamed, and only where no
 * entry of that name exists yet (an earlier kit's compose.yaml stays, as with the reference).
 * Returns the paths it created, for {@link removePlaced} if a later step fails.
 */
export function placeProdFiles(prodDir: string, files: ReadonlyMap<string, KitFile>): string[] {
  const groups = new Map<string, [string, KitFile][]>();
  for (const [path, file] of files) {
    const top = path.split("/")[0] as string;
    groups.set(top, [...(groups.get(top) ?? []), [path, file]]);
  }
  const placed: string[] = [];
  try {
    for (const [top, entries] of groups) {
      const dest = join(prodDir, top);
      if (exists(dest)) continue;
      if (entries.length === 1 && entries[0]?.[0] === top) {
        const file = entries[0][1];
        try {
          writeFileAtomic(dest, file.bytes, file.mode, true);
        } catch (error) {
          if (errnoCode(error) === "EEXIST") continue;
          throw error;
        }
        placed.push(dest);
        continue;
      }
      const staging = tempSibling(dest);
      try {
        mkdirSync(staging, { mode: 0o755 });
        for (const [path, file] of entries) {
          const target = join(staging, path.slice(top.length + 1));
          mkdirSync(dirname(target), { recursive: true, mode: 0o755 });
          writeNewFile(target, file.bytes, file.mode);
        }
        syncDir(staging);
        // Created meanwhile by someone else: theirs wins, as an existing entry does.
        if (exists(dest)) {
          discard(staging);
          continue;
        }
        renameSync(staging, dest);
      } catch (error) {
        discard(staging);
        throw error;
      }
      placed.push(dest);
    }
    syncDir(prodDir);
  } catch (error) {
    removePlaced(placed);
    throw error;
  }
  return placed;
}

/** Takes back what {@link placeProdFiles} created; best effort. */
export function removePlaced(placed: readonly string[]): void {
  for (const path of placed) discard(path);
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
