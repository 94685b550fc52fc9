import { statSync } from "node:fs";
import { dirname } from "node:path";

// Warnings, not refusals: a shared folder or a loose mode can be deliberate (a group of Project
// Admins), and the reference says nothing at all. Printed as `Warning: ...` lines through
// `NodeEnv.note` (stdout in text mode, stderr in JSON mode, cli.md §3).

function modeOf(path: string): number | undefined {
  try {
    return statSync(path).mode & 0o7777;
  } catch {
    return undefined;
  }
}

const octal = (mode: number) => mode.toString(8).padStart(4, "0");

/**
 * The warning for signing with a `rootCA.key` that group or others may access (any of the
 * 0o077 bits): whoever can read it can issue certificates for the whole project. Undefined when
 * the mode is 0600 or stricter, or the file cannot be stat'ed (the load reports that).
 */
export function caKeyModeWarning(keyPath: string): string | undefined {
  const mode = modeOf(keyPath);
  if (mode === undefined || (mode & 0o077) === 0) return undefined;
  return `Warning: the root CA key ${keyPath} is accessible by group or others (mode ${octal(mode)}); anyone who can read it can issue certificates for the project. Run 'chmod 600 ${keyPath}'.`;
}

/**
 * The warning for writing a private key into `dir` when other users could swap or remove it:
 * `dir` exists and is world-writable, or it does not exist yet and the folder it will be created
 * in is world-writable without the sticky bit (anyone may rename the new folder away). Measure
 * before writing (a new folder is created 0700); undefined when there is nothing to say.
 */
export function worldWritableKeyDirWarning(dir: string, keyName: string): string | undefined {
  const mode = modeOf(dir);
  if (mode !== undefined) {
    if ((mode & 0o002) === 0) return undefined;
    return `Warning: ${keyName} is written into ${dir}, which every user may write to (mode ${octal(mode)}); another user could replace or delete the private key. Use a folder only you can write to.`;
  }
  let parent = dirname(dir);
  let parentMode = modeOf(parent);
  while (parentMode === undefined && dirname(parent) !== parent) {
    parent = dirname(parent);
    parentMode = modeOf(parent);
  }
  if (parentMode === undefined || (parentMode & 0o002) === 0 || (parentMode & 0o1000) !== 0) return undefined;
  return `Warning: ${keyName} is written into a new folder in ${parent}, which every user may write to (mode ${octal(parentMode)}, no sticky bit); another user could move the folder and its private key away. Use a folder only you can write to.`;
}
