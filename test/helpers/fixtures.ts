import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (this file lives in test/helpers/). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * The NVFlare reference vectors, kept in the repository (test/vectors/nvflare/CATALOGUE.md):
 * artifacts NVFlare's own CLI wrote, with the reference tree's relative layout.
 */
export const FIXTURES = resolve(REPO_ROOT, "test", "vectors", "nvflare");

/** Absolute path of a fixture file or folder, relative to the reference root. */
export function fixturePath(...parts: string[]): string {
  return join(FIXTURES, ...parts);
}

/** Bytes of a fixture file. */
export function readFixture(...parts: string[]): Uint8Array {
  return new Uint8Array(readFileSync(fixturePath(...parts)));
}

/** A fresh temp directory removed by the returned cleanup function. */
export function makeTempDir(prefix = "flare-test-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

interface ModeRow {
  mode: number;
  type: "f" | "d";
  path: string;
  empty: boolean;
}

let modeRows: ModeRow[] | undefined;

/** The rows of `file-modes.tsv` (git drops 0600/0700 modes and empty folders). */
export function fixtureModes(): ModeRow[] {
  if (!modeRows) {
    modeRows = readFileSync(fixturePath("file-modes.tsv"), "utf8")
      .split("\n")
      .filter((line) => line && !line.startsWith("#"))
      .map((line) => {
        const [mode, type, path, note] = line.split("\t");
        return {
          mode: Number.parseInt(mode ?? "", 8),
          type: type as "f" | "d",
          path: path ?? "",
          empty: note === "empty",
        };
      });
  }
  return modeRows;
}

/**
 * Copies a fixture folder (e.g. `hospital`) to `dest`, then restores modes and empty
 * folders from `file-modes.tsv`. Returns `dest`.
 */
export function copyScenario(scenario: string, dest: string): string {
  cpSync(fixturePath(scenario), dest, { recursive: true });
  const prefix = `${scenario.replace(/\/$/, "")}/`;
  for (const row of fixtureModes()) {
    if (!row.path.startsWith(prefix)) continue;
    const target = join(dest, row.path.slice(prefix.length));
    if (row.type === "d" && row.empty) mkdirSync(target, { recursive: true });
    try {
      chmodSync(target, row.mode);
    } catch {
      // Paths listed but absent from the copy (none expected) are left alone.
    }
  }
  return dest;
}
