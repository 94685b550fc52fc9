import { readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { type CaKeyCache, planApproval } from "../core/approval/approve-request.ts";
import { requestNameOfZip } from "../core/approval/request-name.ts";
import { isoSeconds } from "../core/bytes/time.ts";
import { ERROR_CODES } from "../core/errors/codes.ts";
import { FlareError, invalidArgs } from "../core/errors/flare-error.ts";
import { missingFromRoster, type RosterEntry, rosterEntry } from "../core/roster/roster.ts";
import {
  type ApproveCertOptions,
  approvalRecord,
  approveCert,
  caKeyUnlockerFor,
  checkSignedZipTarget,
  readApprovalInputs,
  readRoster,
  signedZipPath,
} from "./approve-cert.ts";
import type { NodeEnv } from "./node-env.ts";
import { caKeyModeWarning } from "./permission-warnings.ts";
import { isDirectory, MAX_INPUT_BYTES, tryReadFile } from "./read-input.ts";

/** One request zip of a batch: its absolute path and the path as the user would write it. */
export interface BatchEntry {
  path: string;
  shown: string;
}

/** The request zips named on the command line, folders expanded. */
export interface BatchInputs {
  entries: BatchEntry[];
  /** True when a folder was named (the batch output shape applies even for one zip). */
  fromFolder: boolean;
}

/**
 * Expands the `REQUEST_ZIP` arguments: a folder stands for every regular `*.request.zip` file
 * directly in it (name order; not recursive, symlinks skipped), anything else for itself (a
 * missing file is reported by the approval). A path named twice counts once. Throws
 * `INVALID_ARGS` for a folder without request zips and for an empty or whitespace-only path.
 */
export function expandRequestZips(paths: readonly string[], cwd: string): BatchInputs {
  const entries: BatchEntry[] = [];
  const seen = new Set<string>();
  let fromFolder = false;
  const add = (path: string, shown: string) => {
    if (seen.has(path)) return;
    seen.add(path);
    entries.push({ path, shown });
  };
  for (const given of paths) {
    // A folder approves everything in it, so it must be one the caller named: "" (or "  ")
    // would resolve to the current folder (docs/security.md "Arguments"; the CLI refuses it first).
    if (given.trim() === "")
      throw invalidArgs("REQUEST_ZIP must name a request zip or a folder, not an empty string");
    const path = resolve(cwd, given);
    if (!isDirectory(path)) {
      add(path, given);
      continue;
    }
    fromFolder = true;
    const zips = readdirSync(path, { withFileTypes: true })
      .filter((e) => e.isFile() && e.name.toLowerCase().endsWith(".request.zip"))
      .map((e) => e.name)
      .sort();
    if (zips.length === 0) throw invalidArgs(`no *.request.zip file in the folder ${path}`);
    for (const name of zips) add(join(path, name), join(given, name));
  }
  return { entries, fromFolder };
}

/** Options of {@link approveBatch}: those of `cert approve` for several zips, plus `dryRun`. */
export interface ApproveBatchOptions extends Omit<ApproveCertOptions, "requestZip"> {
  requestZips: readonly BatchEntry[];
  /** Verify everything and report what would be signed; write nothing (no zip, no audit). */
  dryRun?: boolean;
}

/** One zip's outcome; `status` is `approved`, `would-approve` or `failed`. */
export type BatchRecord = Record<string, string | number | boolean | null | readonly string[]>;

/** What a batch did: one record per zip, in order, and the counts. */
export interface ApproveBatchResult {
  /** With a roster: its participants no zip of the batch is for (who has not sent a request). */
  rosterMissing: RosterEntry[] | undefined;
  dryRun: boolean;
  results: BatchRecord[];
  /** Zips approved (or, in a dry run, that would be). */
  succeeded: number;
  failed: number;
  /** The highest exit status among the failures (1, 4 or 5); 0 when none failed. */
  worstExit: number;
}

/**
 * Approves several request zips one after the other (library API of `cert approve` with several
 * zips, a folder, or `--dry-run`). A zip that fails is recorded and the batch goes on. In a dry
 * run each zip gets every check of a real approval (`planApproval`, the signed zip's target)
 * but nothing is signed or written. `onRecord` sees each record as soon as it is known.
 */
export async function approveBatch(
  options: ApproveBatchOptions,
  env: NodeEnv,
  onRecord: (record: BatchRecord, entry: BatchEntry) => void = () => {},
): Promise<ApproveBatchResult> {
  if (options.out !== undefined && options.requestZips.length > 1) {
    throw invalidArgs("--out names one signed zip; it cannot be used with several REQUEST_ZIP arguments");
  }
  // One warning for the whole batch, before the first record (docs/security.md "Keys").
  const keyWarning = caKeyModeWarning(join(resolve(env.cwd, options.caDir), "rootCA.key"));
  if (keyWarning) env.note(keyWarning);
  // One prompt and one decryption of an encrypted rootCA.key for the whole batch.
  const unlockCaKey = options.unlockCaKey ?? caKeyUnlockerFor(options, env);
  // And one WebCrypto import of the CA key for the whole batch.
  const caKeyCache: CaKeyCache = options.caKeyCache ?? {};
  const roster =
    options.loadedRoster ?? (options.roster !== undefined ? readRoster(options.roster, env) : undefined);
  // Who each zip is for, read before anything is signed: with a roster, two zips for one
  // participant whose code the roster does not list cannot be told apart, so neither is signed.
  const names = options.requestZips.map((entry) => {
    const read = tryReadFile(entry.path, MAX_INPUT_BYTES);
    return read.ok ? requestNameOfZip(read.bytes) : undefined;
  });
  const duplicated = (name: string | undefined): string[] => {
    if (!roster || name === undefined || rosterEntry(roster, name)?.requestCode !== undefined) return [];
    const zips = options.requestZips.filter((_, i) => names[i] === name);
    return zips.length > 1 ? zips.map((zip) => zip.shown) : [];
  };
  const results: BatchRecord[] = [];
  let failed = 0;
  let worstExit = 0;
  for (const [i, entry] of options.requestZips.entries()) {
    const single: ApproveCertOptions = {
      ...options,
      requestZip: entry.path,
      warnKeyMode: false,
      loadedRoster: roster,
      unlockCaKey,
      caKeyCache,
    };
    let record: BatchRecord;
    try {
      const twins = duplicated(names[i]);
      if (twins.length > 0) {
        throw new FlareError("ROSTER_DUPLICATE_REQUEST", {
          message: `${twins.length} request zips are for '${names[i]}' (${twins.join(", ")}) and the roster ${roster?.path} lists no request code to tell them apart: none was signed.`,
        });
      }
      record = options.dryRun ? await planOne(single, env) : await approveOne(single, env);
    } catch (error) {
      record = failureRecord(entry.path, error);
      failed++;
      worstExit = Math.max(worstExit, record.exit_code as number);
    }
    results.push(record);
    onRecord(record, entry);
  }
  return {
    dryRun: options.dryRun === true,
    results,
    succeeded: results.length - failed,
    failed,
    worstExit,
    rosterMissing: roster
      ? missingFromRoster(
          roster,
          names.filter((n) => n !== undefined),
        )
      : undefined,
  };
}

async function approveOne(options: ApproveCertOptions, env: NodeEnv): Promise<BatchRecord> {
  const result = await approveCert(options, env);
  // cli.md §3 `cert approve` keys, after the zip and its status.
  return { request_zip: options.requestZip, status: "approved", ...approvalRecord(result) };
}

async function planOne(options: ApproveCertOptions, env: NodeEnv): Promise<BatchRecord> {
  const { zipPath, inputs } = readApprovalInputs(options, env);
  const plan = await planApproval(inputs, env.deps);
  const { verified } = plan;
  const signedZip = signedZipPath(options, env, zipPath, verified.name);
  checkSignedZipTarget(signedZip, options.force === true);
  return {
    request_zip: options.requestZip,
    status: "would-approve",
    name: verified.name,
    project: verified.project,
    org: verified.org,
    kind: verified.kind,
    cert_role: verified.certRole,
    cert_type: verified.certType,
    subject: `CN = ${plan.commonName}, O = ${verified.org}, unstructuredName = ${verified.certType}`,
    sans: plan.subjectAltNames.map((san) => `${san.type === "ip" ? "IP" : "DNS"}:${san.value}`),
    not_before: isoSeconds(plan.notBefore),
    valid_until: isoSeconds(plan.notAfter),
    valid_days: Math.floor((plan.notAfter.getTime() - plan.notBefore.getTime()) / 86_400_000),
    provision_version: plan.ca.provisionVersion,
    signed_zip: signedZip,
    request_id: String(verified.request.request_id),
    request_code: verified.requestCode,
    rootca_fingerprint_sha256: plan.ca.fingerprint,
  };
}

function failureRecord(path: string, error: unknown): BatchRecord {
  if (error instanceof FlareError) {
    return {
      request_zip: path,
      status: "failed",
      error_code: error.code,
      exit_code: error.exitCode,
      message: error.message,
      hint: error.hint,
    };
  }
  // A bug on one zip must not hide the others' results; it is still reported as one.
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return {
    request_zip: path,
    status: "failed",
    error_code: "INTERNAL_ERROR",
    exit_code: 5,
    message: `${ERROR_CODES.INTERNAL_ERROR.message} \u2014 ${(text.split(/\r?\n/, 1)[0] ?? "").slice(0, 500)}`,
    hint: ERROR_CODES.INTERNAL_ERROR.hint,
  };
}
