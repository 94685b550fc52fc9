import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { FlareError } from "../core/errors/flare-error.ts";
import { tryReadFile } from "./read-input.ts";

const PACKAGE_NAME = "flare-provision";

/** This module's own file: dist/ is CommonJS (scripts/build.mjs), tests run the source as ES modules. */
function thisFile(): string {
  return typeof __filename === "string" ? __filename : fileURLToPath(import.meta.url);
}

/**
 * The root of the installed package (the folder whose package.json is ours), found by walking up
 * from this module, so the bundled CLI in dist/ and the sources under src/ both find it.
 */
export function packageRoot(): string {
  for (let dir = dirname(thisFile()); ; dir = dirname(dir)) {
    const manifest = tryReadFile(join(dir, "package.json"));
    if (manifest.ok) {
      try {
        if (JSON.parse(new TextDecoder().decode(manifest.bytes)).name === PACKAGE_NAME) return dir;
      } catch {
        // Not JSON: not ours; keep walking up (dist/package.json is JSON but only says "commonjs").
      }
    }
    if (dirname(dir) === dir) break;
  }
  throw new FlareError("INTERNAL_ERROR", {
    message: `Cannot find the ${PACKAGE_NAME} package folder above ${thisFile()}.`,
    hint: "Reinstall flare-provision; its package files are incomplete.",
  });
}

/** The bytes of a file shipped with the package (`files` in package.json), by its package-relative path. */
export function readPackageAsset(relativePath: string): Uint8Array {
  const path = join(packageRoot(), relativePath);
  const read = tryReadFile(path);
  if (!read.ok) {
    throw new FlareError("INTERNAL_ERROR", {
      message: `The package file ${relativePath} cannot be read: ${read.detail}.`,
      hint: "Reinstall flare-provision; its package files are incomplete.",
    });
  }
  return read.bytes;
}
