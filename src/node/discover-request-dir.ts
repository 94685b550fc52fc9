import { lstatSync, realpathSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { FlareError } from "../core/errors/flare-error.ts";
import { isMapping } from "../core/inputs/structured.ts";
import { parseJson } from "../core/json/parse-json.ts";
import { type RecoveryReport, recoverStale } from "./atomic-write.ts";
import { nvflareHome } from "./audit.ts";
import { isDirectory, pathKind, tryReadFile } from "./read-input.ts";

/** What package needs to find: the participant name and the signed request id. */
export interface DiscoveryTarget {
  name: string;
  requestId: string;
}

/** How a candidate folder measures up (cli.md §6). */
interface CandidateCheck {
  dir: string;
  exists: boolean;
  /** Required files that are absent or not regular files. */
  missing: string[];
  /** Those of `missing` that exist as something else, with what they are (`a FIFO`). */
  notFiles: { name: string; kind: string }[];
  /** Absolute path equals real path and request.json carries the signed request_id. */
  validated: boolean;
  /** Why it is not validated, naming the folder (for `REQUEST_DIR_MISMATCH`). */
  problem?: string;
}

// cli.md §6: "has the signed request_id", exactly; approve copies the id verbatim, so another
// case or dash form is another request.
function sameRequestId(a: unknown, b: string): boolean {
  return typeof a === "string" && a === b;
}

function checkCandidate(dir: string, target: DiscoveryTarget, report?: RecoveryReport): CandidateCheck {
  const exists = isDirectory(dir);
  // A request folder that a killed `cert request --force` left mid-commit is rolled back
  // before it is judged (docs/security.md); nothing else in it is touched.
  if (exists) recoverStale(dir, report);
  const missing = [`${target.name}.key`, "request.json"].filter(
    (file) => pathKind(join(dir, file)) !== "file",
  );
  const notFiles = missing.flatMap((name) => {
    const kind = entryKind(join(dir, name));
    return kind === undefined ? [] : [{ name, kind }];
  });
  let validated = false;
  let problem: string | undefined;
  if (exists) {
    let real: string | undefined;
    try {
      real = realpathSync(dir);
    } catch {
      real = undefined;
    }
    const read = tryReadFile(join(dir, "request.json"));
    if (real !== dir) problem = `${dir} is reached through a symbolic link (real path ${real ?? "unknown"})`;
    else if (!read.ok) problem = `cannot read ${join(dir, "request.json")}: ${read.detail}`;
    else {
      try {
        const request = parseJson(read.bytes, "request.json");
        validated = isMapping(request) && sameRequestId(request.request_id, target.requestId);
        if (!validated) {
          const found = isMapping(request) ? request.request_id : undefined;
          problem = `${join(dir, "request.json")} has request_id ${typeof found === "string" ? `'${found}'` : "(none)"}; the signed zip has '${target.requestId}'`;
        }
      } catch (error) {
        problem = `${join(dir, "request.json")} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`;
      }
    }
  }
  return problem === undefined
    ? { dir, exists, missing, notFiles, validated }
    : { dir, exists, missing, notFiles, validated, problem };
}

/** What a non-regular entry is, for messages (`a FIFO`); `undefined` when absent or a file. */
function entryKind(path: string): string | undefined {
  let stat: import("node:fs").Stats;
  try {
    stat = lstatSync(path);
  } catch {
    return undefined;
  }
  if (stat.isFile()) return undefined;
  if (stat.isSymbolicLink()) return "a symbolic link";
  if (stat.isDirectory()) return "a folder";
  if (stat.isFIFO()) return "a FIFO";
  if (stat.isSocket()) return "a socket";
  return "a device";
}

/**
 * `REQUEST_DIR_INCOMPLETE` for an explicit `--request-dir`: absent files are "missing"
 * (validation.md §6 message and hint); one that exists as a FIFO, folder or symlink is named as
 * such, never called missing.
 */
function incomplete(check: CandidateCheck): FlareError {
  const absent = check.missing.filter((name) => !check.notFiles.some((n) => n.name === name));
  const others = check.notFiles.map((n) => `${n.name} is ${n.kind}, not a regular file`).join("; ");
  if (absent.length === 0) {
    return new FlareError("REQUEST_DIR_INCOMPLETE", {
      message: "The specified --request-dir holds local request material that is not a regular file.",
      detail: others,
      hint: `Expected regular file(s): ${check.missing.join(", ")}.`,
    });
  }
  return new FlareError("REQUEST_DIR_INCOMPLETE", {
    ...(others ? { detail: others } : {}),
    hint: `Expected file(s): ${check.missing.join(", ")}.`,
  });
}

/** Request-folder hints from the request audit record, in the reference's order (cli.md §6 step 2). */
function auditCandidates(home: string, requestId: string): string[] {
  const base = join(nvflareHome(home), "cert_requests");
  const out: string[] = [];
  for (const path of [
    join(base, requestId, "audit.json"),
    join(base, requestId, "request.json"),
    join(base, `${requestId}.json`),
  ]) {
    const read = tryReadFile(path);
    if (!read.ok) continue;
    let record: unknown;
    try {
      record = parseJson(read.bytes, path);
    } catch {
      continue;
    }
    if (!isMapping(record)) continue;
    const scopes = [record, isMapping(record.request) ? record.request : {}];
    for (const scope of scopes) {
      for (const key of ["request_dir", "request_folder", "output_dir"]) {
        const value = scope[key];
        if (typeof value === "string" && value) out.push(value);
      }
    }
    for (const scope of scopes) {
      for (const key of ["private_key_path", "key_path"]) {
        const value = scope[key];
        if (typeof value === "string" && value) out.push(dirname(value));
      }
    }
  }
  return out;
}

/**
 * Finds the local request folder for a signed zip (cli.md §6): the explicit `--request-dir`
 * (no fallback), else the audit record under `<home>/.nvflare`, else next to the zip.
 * Every candidate must hold `<name>.key` and `request.json` with the signed request id and
 * be reached without symlinks.
 */
export function discoverRequestDir(
  target: DiscoveryTarget,
  where: {
    explicit?: string | undefined;
    zipPath: string;
    cwd: string;
    home: string;
    /** Where recovery of a candidate reports what it left alone. */
    report?: RecoveryReport;
  },
): string {
  if (where.explicit !== undefined) {
    const dir = resolve(where.cwd, where.explicit);
    const check = checkCandidate(dir, target, where.report);
    if (!check.exists) {
      throw new FlareError("REQUEST_DIR_NOT_FOUND", {
        message: `Request directory not found: ${dir}.`,
        hint: "Use --request-dir to point to the folder created by 'nvflare cert request'.",
        exit: 4,
      });
    }
    if (check.missing.length > 0) throw incomplete(check);
    if (!check.validated) {
      throw new FlareError(
        "REQUEST_DIR_MISMATCH",
        check.problem === undefined ? {} : { detail: check.problem },
      );
    }
    return dir;
  }
  const zipDir = dirname(where.zipPath);
  const candidates = [
    ...auditCandidates(where.home, target.requestId),
    zipDir,
    join(zipDir, target.name),
    join(dirname(zipDir), target.name),
  ];
  for (const candidate of candidates) {
    const check = checkCandidate(resolve(where.cwd, candidate), target, where.report);
    if (check.validated && check.missing.length === 0) return check.dir;
  }
  throw new FlareError("REQUEST_DIR_NOT_FOUND", {
    // validation.md §6 / errors/expected/package-without-key: the reference's hint, verbatim.
    hint: "Use --request-dir to point to the original request folder created by 'nvflare cert request'.",
  });
}
