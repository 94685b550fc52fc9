import { basename, dirname, join } from "node:path";
import { utf8 } from "../core/bytes/encoding.ts";
import { dumpJson } from "../core/json/dump-json.ts";
import { commitFiles, makeDirs, type RecoveryReport, recoverStale } from "./atomic-write.ts";
import type { NodeEnv } from "./node-env.ts";

/** `<home>/.nvflare`, shared with the reference so both tools can be mixed (cli.md §6). */
export function nvflareHome(home: string): string {
  return join(home, ".nvflare");
}

/** `<home>/.nvflare/cert_requests/<request_id>/audit.json` (artifacts.md §11). */
export function requestAuditPath(home: string, requestId: string): string {
  return join(nvflareHome(home), "cert_requests", requestId, "audit.json");
}

/** `<home>/.nvflare/cert_approves/<request_id>.json` (artifacts.md §11). */
export function approvalAuditPath(home: string, requestId: string): string {
  return join(nvflareHome(home), "cert_approves", `${requestId}.json`);
}

/**
 * Writes an audit record (0600, leaf dir 0700). Audit is best effort as in the reference:
 * a failure prints `Warning: could not write <what> audit record: <err>` and returns
 * `(not written)` instead of the path. Callers never put key material in `record`.
 */
export function writeAuditRecord(
  path: string,
  record: Record<string, unknown>,
  what: "request" | "approval",
  env: NodeEnv,
): string {
  try {
    // Ancestors 0755 and the record's own folder 0700, as the reference leaves them; a new
    // folder is assembled beside its name and renamed in, so a kill leaves nothing half-made.
    makeDirs(dirname(dirname(path)), 0o755);
    commitFiles(
      dirname(path),
      [{ name: basename(path), bytes: utf8(dumpJson(record, { indent: 2 })), mode: 0o600 }],
      {
        dirMode: 0o700,
      },
    );
    return path;
  } catch (error) {
    env.note(
      `Warning: could not write ${what} audit record: ${error instanceof Error ? error.message : String(error)}`,
    );
    return "(not written)";
  }
}

/**
 * Removes what killed runs left among the audit records (temp files and folders of a dead
 * writer, see {@link recoverStale}); commands that write audit records call it first.
 */
export function recoverAuditDirs(home: string, report?: RecoveryReport): void {
  recoverStale(nvflareHome(home), report);
  recoverStale(join(nvflareHome(home), "cert_requests"), report);
  recoverStale(join(nvflareHome(home), "cert_approves"), report);
}
