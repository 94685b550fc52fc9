import { dirname, join, resolve } from "node:path";
import {
  type Approval,
  type ApprovalInputs,
  approveRequest,
  type CaKeyCache,
  type MaybeFile,
} from "../core/approval/approve-request.ts";
import { sha256Hex } from "../core/bytes/hash.ts";
import { FlareError, invalidArgs } from "../core/errors/flare-error.ts";
import { parseYamlMapping } from "../core/inputs/structured.ts";
import { appendEntries } from "../core/ledger/append.ts";
import { LEDGER_FILE } from "../core/ledger/entry.ts";
import { issueFieldsOf } from "../core/ledger/issue-entry.ts";
import { assertLedgerOk } from "../core/ledger/verify-ledger.ts";
import { parseRoster, type Roster } from "../core/roster/roster.ts";
import { checkWritableDir, makeDirs, recoverStale, removeDirs } from "./atomic-write.ts";
import { approvalAuditPath, recoverAuditDirs, writeAuditRecord } from "./audit.ts";
import { withCaLock } from "./ca-lock.ts";
import { type EarlierApproval, findEarlierApproval } from "./earlier-approvals.ts";
import { commitApproval, loadLedger, recoverLedger } from "./ledger-store.ts";
import { acquireLock } from "./lock.ts";
import type { NodeEnv } from "./node-env.ts";
import { caKeyUnlocker, type PassphraseSource } from "./passphrase.ts";
import { caKeyModeWarning } from "./permission-warnings.ts";
import { MAX_INPUT_BYTES, pathKind, tryReadFile } from "./read-input.ts";

/** Options of {@link approveCert}. */
export interface ApproveCertOptions {
  requestZip: string;
  caDir: string;
  profile: string;
  /** Signed zip path; default `<dir of requestZip>/<name>.signed.zip`. */
  out?: string | undefined;
  /** Leaf validity in days; default 1095. */
  validDays?: number;
  force?: boolean;
  /** `--expect-code`: the request code read out by the participant (docs/security.md). */
  expectedCode?: string | undefined;
  /** `--roster`: the expected-participants file (docs/security.md "Roster"). */
  roster?: string | undefined;
  /** The roster already read and parsed (a batch reads it once); wins over `roster`. */
  loadedRoster?: Roster | undefined;
  /** Where the passphrase of an encrypted `rootCA.key` comes from (asked only if it is encrypted). */
  passphrase?: PassphraseSource | undefined;
  /** An unlock hook shared by a batch (one prompt, one decryption); wins over `passphrase`. */
  unlockCaKey?: ((encryptedPem: Uint8Array) => Promise<Uint8Array>) | undefined;
  /** The CA key imported once for a whole batch (reused while `rootCA.key` is unchanged). */
  caKeyCache?: CaKeyCache | undefined;
  /**
   * Whether to warn about a `rootCA.key` that group or others can access (default true); a
   * batch warns once for all its zips instead.
   */
  warnKeyMode?: boolean;
}

/** What `cert approve` reports (cli.md §3). */
export interface ApproveCertResult {
  name: string;
  project: string;
  org: string;
  kind: string;
  certRole: string | null;
  certType: string;
  csrSha256: string;
  provisionVersion: string;
  signedZip: string;
  requestId: string;
  fingerprint: string;
  audit: string;
  /** The seq of this approval's ledger entry, and whether it started the ledger. */
  ledgerSeq: number;
  ledgerStarted: boolean;
  approval: Approval;
  /** The certificate of the same participant this CA issued before, when it knows one (renewal). */
  renews: EarlierApproval | undefined;
}

/** The `cert approve` result as cli.md §3 orders its keys (without `next_step`). */
export function approvalRecord(result: ApproveCertResult): Record<string, string | null> {
  // A renewal says which certificate it renews; otherwise the keys are exactly the reference's.
  const renews: Record<string, string> = result.renews
    ? { renews_serial: result.renews.serial, renews_valid_until: result.renews.validUntil }
    : {};
  return {
    name: result.name,
    project: result.project,
    org: result.org,
    kind: result.kind,
    cert_role: result.certRole,
    cert_type: result.certType,
    csr_sha256: result.csrSha256,
    provision_version: result.provisionVersion,
    signed_zip: result.signedZip,
    request_id: result.requestId,
    rootca_fingerprint_sha256: result.fingerprint,
    audit: result.audit,
    ...renews,
  };
}

/**
 * A CA or profile file for the core. An unreadable one (a folder, a FIFO, too large) throws
 * only when the core first looks at it, so the error comes at its place in the check order
 * (validation.md §4.3 rows 20-30), not before the request zip is verified.
 */
function maybeFile(path: string, shown: string): MaybeFile {
  const read = tryReadFile(path);
  if (read.ok) return { path: shown, bytes: read.bytes };
  if (read.reason === "missing") return { path: shown, bytes: undefined };
  return {
    path: shown,
    get bytes(): Uint8Array {
      throw invalidArgs(`cannot read ${shown}: ${read.detail}`);
    },
  };
}

/**
 * Verifies a request zip and signs it with the CA in `caDir` (validation.md §4.3). Library
 * API of `cert approve`. Everything is computed in memory; the only outputs are the signed
 * zip (atomic, exclusive unless `force`) and the approval audit record.
 */
export async function approveCert(options: ApproveCertOptions, env: NodeEnv): Promise<ApproveCertResult> {
  const { zipPath, zipBytes, inputs } = readApprovalInputs(options, env);
  const caDir = resolve(env.cwd, options.caDir);
  inputs.crlPem = readCaCrl(caDir);
  let approval = await approveRequest(inputs, env.deps);
  if (options.warnKeyMode !== false) {
    const warning = caKeyModeWarning(join(caDir, "rootCA.key"));
    if (warning) env.note(warning);
  }
  const { verified } = approval;
  const signedZip = signedZipPath(options, env, zipPath, verified.name);
  // Leftovers of a killed earlier run beside the signed zip go first (docs/security.md).
  recoverStale(dirname(signedZip), env.note);
  recoverAuditDirs(env.home, env.note);
  checkSignedZipTarget(signedZip, options.force === true);
  // validation.md §4.3 row 34: the folder must be creatable/writable, said before writing.
  checkWritableDir(dirname(signedZip));
  const requestId = String(verified.request.request_id);
  // Looked up before this approval's own record exists.
  const renews = findEarlierApproval(env.home, {
    name: verified.name,
    project: verified.project,
    fingerprint: approval.fingerprint,
    requestId,
  });
  const existsError = () =>
    new FlareError("CERT_ALREADY_EXISTS", { message: `Signed certificate already exists at ${signedZip}.` });
  // The zip and its audit record are written under the zip's lock, so two approvals of one
  // request at once (`--force`) never leave a record that describes the other's certificate;
  // inside it, the CA lock orders approvals: each one chains to the entry the one before
  // committed. Always in this order (revoke takes only the CA lock), so no two wait on each other.
  const lock = await acquireLock(signedZip, { dirMode: 0o700, report: env.note });
  let audit: string;
  let ledger: { seq: number; started: boolean };
  try {
    ledger = await withCaLock(caDir, async () => {
      recoverLedger(caDir);
      // A revocation committed since the CRL was read: sign with the CRL that is current now.
      const crlNow = readCaCrl(caDir);
      if (!sameBytes(crlNow, inputs.crlPem)) {
        inputs.crlPem = crlNow;
        approval = await approveRequest(inputs, env.deps);
      }
      // Again under the locks: another approval may have written the zip meanwhile.
      checkSignedZipTarget(signedZip, options.force === true);
      const { files, state } = await loadLedger(caDir, approval.signer.root.spkiDer, env.deps);
      assertLedgerOk(state, options.caDir);
      const fields = await issueFieldsOf(approval, env.deps);
      const append = await appendEntries(
        files.ledger ?? new Uint8Array(),
        state.tip,
        [fields],
        approval.signer.privateKey,
        env.deps,
      );
      const created = makeDirs(dirname(signedZip), 0o700);
      try {
        commitApproval(caDir, files, append, {
          path: signedZip,
          bytes: approval.signedZip,
          exclusive: !options.force,
          existsError,
        });
      } catch (error) {
        removeDirs(created);
        throw error;
      }
      return { seq: append.tip.seq, started: state.absent };
    });

    const deps = env.deps;
    audit = writeAuditRecord(
      approvalAuditPath(env.home, requestId),
      {
        schema_version: "1",
        approval: approval.signedJson,
        request: verified.request,
        request_zip_path: zipPath,
        signed_zip_path: signedZip,
        ca: {
          ca_dir: caDir,
          metadata: approval.caMetadata,
          project_profile: {
            name: approval.profile.name,
            scheme: approval.profile.scheme,
            default_connection_security: approval.profile.connectionSecurity,
            server: {
              host: approval.profile.server.host,
              fed_learn_port: approval.profile.server.fedLearnPort,
              admin_port: approval.profile.server.adminPort,
            },
          },
          rootca_path: join(caDir, "rootCA.pem"),
        },
        hashes: {
          request_zip_sha256: await sha256Hex(deps, zipBytes),
          request_json_sha256: approval.hashes.requestJson,
          site_yaml_sha256: approval.hashes.requestSiteYaml,
          csr_sha256: verified.csrSha256,
          certificate_sha256: approval.hashes.certificate,
          rootca_sha256: approval.hashes.rootCa,
          signed_zip_sha256: await sha256Hex(deps, approval.signedZip),
          public_key_sha256: verified.publicKeySha256,
        },
      },
      "approval",
      env,
    );
  } catch (error) {
    lock.release();
    removeDirs(lock.created);
    throw error;
  }
  lock.release();
  if (ledger.started) {
    env.note(
      `Note: started the issuance ledger ${join(options.caDir, LEDGER_FILE)}: this CA folder had none (made by the reference nvflare or an older version); certificates it signed before are not in it.`,
    );
  }
  return {
    name: verified.name,
    project: verified.project,
    org: verified.org,
    kind: verified.kind,
    certRole: verified.certRole,
    certType: verified.certType,
    csrSha256: verified.csrSha256,
    provisionVersion: approval.provisionVersion,
    signedZip,
    requestId,
    fingerprint: approval.fingerprint,
    audit,
    ledgerSeq: ledger.seq,
    ledgerStarted: ledger.started,
    approval,
    renews,
  };
}

/** The CA folder's `crl.pem` (written by `cert revoke`), or undefined when it has none. */
function readCaCrl(caDir: string): Uint8Array | undefined {
  const read = tryReadFile(join(caDir, "crl.pem"));
  if (read.ok) return read.bytes;
  if (read.reason === "missing") return undefined;
  throw new FlareError("CRL_INVALID", {
    message: `Cannot read ${join(caDir, "crl.pem")}.`,
    detail: read.detail,
  });
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Reads what one approval needs (validation.md §4.3 rows 2-3, 20, 26): the request zip
 * (`REQUEST_ZIP_NOT_FOUND`, or `INVALID_ARGS` for a folder or unreadable file), the CA files and
 * the profile, after recovering the CA folder. Shared by `cert approve` and its `--dry-run`.
 */
export function readApprovalInputs(
  options: ApproveCertOptions,
  env: NodeEnv,
): { zipPath: string; zipBytes: Uint8Array; inputs: ApprovalInputs } {
  const zipPath = resolve(env.cwd, options.requestZip);
  const zipRead = tryReadFile(zipPath, MAX_INPUT_BYTES);
  if (!zipRead.ok) {
    if (zipRead.reason === "missing")
      throw new FlareError("REQUEST_ZIP_NOT_FOUND", { message: `Request zip not found: ${zipPath}.` });
    if (zipRead.reason === "not-a-file") throw invalidArgs(`request zip must be a file path: ${zipPath}`);
    throw invalidArgs(`invalid request zip: ${zipRead.detail}`);
  }
  const caDir = resolve(env.cwd, options.caDir);
  // A `cert init --force` killed mid-commit is rolled back before the CA is read, as every
  // command recovers a folder it reads (docs/security.md "Crashes"), dry runs included:
  // recovery restores the state before the interrupted write, it writes no output.
  recoverStale(caDir, env.note);
  const inputs: ApprovalInputs = {
    requestZip: zipRead.bytes,
    caDir: options.caDir,
    caJson: maybeFile(join(caDir, "ca.json"), join(options.caDir, "ca.json")),
    rootCaPem: maybeFile(join(caDir, "rootCA.pem"), join(options.caDir, "rootCA.pem")),
    rootCaKey: maybeFile(join(caDir, "rootCA.key"), join(options.caDir, "rootCA.key")),
    profile: maybeFile(resolve(env.cwd, options.profile), options.profile),
    validDays: options.validDays ?? 1095,
    expectedCode: options.expectedCode,
    roster:
      options.loadedRoster ?? (options.roster !== undefined ? readRoster(options.roster, env) : undefined),
    unlockCaKey: options.unlockCaKey ?? caKeyUnlockerFor(options, env),
    caKeyCache: options.caKeyCache,
  };
  return { zipPath, zipBytes: zipRead.bytes, inputs };
}

/**
 * Reads and parses `--roster` (docs/security.md "Roster"): `INVALID_ARGS` when the file is
 * missing or not a YAML mapping, `ROSTER_INVALID` naming the field otherwise.
 */
export function readRoster(path: string, env: NodeEnv): Roster {
  const read = tryReadFile(resolve(env.cwd, path));
  if (!read.ok) {
    if (read.reason === "missing") throw invalidArgs(`roster file not found: ${path}`);
    throw invalidArgs(`cannot read roster ${path}: ${read.detail}`);
  }
  return parseRoster(parseYamlMapping(read.bytes, path), path);
}

/** The unlock hook for `options.passphrase`, or undefined (an encrypted key then fails). */
export function caKeyUnlockerFor(
  options: Pick<ApproveCertOptions, "passphrase" | "caDir">,
  env: NodeEnv,
): ((encryptedPem: Uint8Array) => Promise<Uint8Array>) | undefined {
  return options.passphrase
    ? caKeyUnlocker(options.passphrase, join(options.caDir, "rootCA.key"), env.deps)
    : undefined;
}

/** The signed zip's path: `--out`, else `<dir of the request zip>/<name>.signed.zip` (cli.md §2). */
export function signedZipPath(
  options: ApproveCertOptions,
  env: NodeEnv,
  zipPath: string,
  name: string,
): string {
  return options.out ? resolve(env.cwd, options.out) : join(dirname(zipPath), `${name}.signed.zip`);
}

/**
 * validation.md §4.3 row 34: the signed zip may not be a folder, FIFO or device (not even with
 * `force`), nor an existing file without `force` (`CERT_ALREADY_EXISTS`).
 */
export function checkSignedZipTarget(signedZip: string, force: boolean): void {
  const kind = pathKind(signedZip);
  // A folder, FIFO or device is never replaced, not even with --force.
  if (kind === "dir" || kind === "other") throw invalidArgs(`--out must be a file path: ${signedZip}`);
  if (!force && kind !== "missing") {
    throw new FlareError("CERT_ALREADY_EXISTS", {
      message: `Signed certificate already exists at ${signedZip}.`,
    });
  }
}
