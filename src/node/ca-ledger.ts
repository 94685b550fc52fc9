/**
 * The commands of the issuance ledger: `cert list`, `cert ledger verify`, `cert revoke`
 * (docs/security.md, "The issuance ledger and the CRL"). Reading and writing only; what to
 * list, revoke and sign is decided in src/core/ledger and src/core/crl.
 */
import { join, resolve } from "node:path";
import { type LoadedCa, loadCa, loadCaKey, type MaybeFile } from "../core/approval/approve-request.ts";
import { utf8 } from "../core/bytes/encoding.ts";
import { isoSeconds } from "../core/bytes/time.ts";
import { invalidArgs } from "../core/errors/flare-error.ts";
import {
  type CertFilter,
  filterCertificates,
  type IssuedCert,
  issuedCertificates,
} from "../core/ledger/cert-status.ts";
import { checkRevocationRequest, planRevocation, type RevokedCert } from "../core/ledger/plan-revocation.ts";
import { assertLedgerOk, type LedgerState } from "../core/ledger/verify-ledger.ts";
import type { LoadedPrivateKey } from "../core/x509/keys.ts";
import { commitFiles } from "./atomic-write.ts";
import { withCaLock } from "./ca-lock.ts";
import { ledgerFilesOf, loadLedger, recoverLedger } from "./ledger-store.ts";
import type { NodeEnv } from "./node-env.ts";
import { caKeyUnlocker, type PassphraseSource } from "./passphrase.ts";
import { tryReadFile } from "./read-input.ts";

/** The CRL `cert revoke` writes, relative to the CA folder. */
export const CA_CRL_FILE = "crl.pem";

/** Default lifetime of a CRL (`nextUpdate - thisUpdate`); `cert revoke --crl-days` changes it. */
export const DEFAULT_CRL_DAYS = 30;

function maybeFile(path: string, shown: string): MaybeFile {
  const read = tryReadFile(path);
  if (read.ok) return { path: shown, bytes: read.bytes };
  if (read.reason === "missing") return { path: shown, bytes: undefined };
  throw invalidArgs(`cannot read ${shown}: ${read.detail}`);
}

/** The CA folder's root (and key, when asked), checked as `cert approve` checks them. */
async function openCa(
  caDirArg: string,
  env: NodeEnv,
  withKey: boolean,
  passphrase?: PassphraseSource,
): Promise<{ caDir: string; ca: LoadedCa; key: LoadedPrivateKey | undefined }> {
  const caDir = resolve(env.cwd, caDirArg);
  const inputs = {
    caDir: caDirArg,
    caJson: maybeFile(join(caDir, "ca.json"), join(caDirArg, "ca.json")),
    rootCaPem: maybeFile(join(caDir, "rootCA.pem"), join(caDirArg, "rootCA.pem")),
    rootCaKey: withKey
      ? maybeFile(join(caDir, "rootCA.key"), join(caDirArg, "rootCA.key"))
      : { path: "", bytes: undefined },
    // An encrypted rootCA.key is opened as `cert approve` opens it (asked only if encrypted).
    unlockCaKey: passphrase ? caKeyUnlocker(passphrase, join(caDirArg, "rootCA.key"), env.deps) : undefined,
  };
  const ca = await loadCa(inputs, undefined, env.deps);
  const key = withKey ? await loadCaKey(inputs, ca.root, env.deps) : undefined;
  return { caDir, ca, key };
}

/**
 * The ledger of a CA folder, read under the CA lock after recovering a killed writer's commit
 * (without the lock, as it is, when the folder is read-only).
 */
async function readCaLedger(caDir: string, ca: LoadedCa, env: NodeEnv): Promise<LedgerState> {
  return withCaLock(
    caDir,
    async () => {
      recoverLedger(caDir);
      return (await loadLedger(caDir, ca.root.spkiDer, env.deps)).state;
    },
    { readOnly: true },
  );
}

/** What `cert ledger verify` reports for a ledger that verified. */
export interface LedgerSummary {
  caDir: string;
  absent: boolean;
  entries: number;
  issued: number;
  revocations: number;
  headSeq: number;
  headHash: string;
  lastEntryTime: string | null;
}

/** `cert ledger verify`: throws `LEDGER_INVALID` naming the first bad entry (exit 4). */
export async function verifyCaLedger(options: { caDir: string }, env: NodeEnv): Promise<LedgerSummary> {
  const { caDir, ca } = await openCa(options.caDir, env, false);
  const state = await readCaLedger(caDir, ca, env);
  assertLedgerOk(state, options.caDir);
  const last = state.entries[state.entries.length - 1];
  return {
    caDir,
    absent: state.absent,
    entries: state.entries.length,
    issued: state.entries.filter((e) => e.type === "issue").length,
    revocations: state.entries.filter((e) => e.type === "revoke").length,
    headSeq: state.tip.seq,
    headHash: state.tip.hash,
    lastEntryTime: last?.time ?? null,
  };
}

/** `cert list`: every certificate in the ledger with its status, filtered. */
export async function listCaCertificates(
  options: { caDir: string; filter: CertFilter },
  env: NodeEnv,
): Promise<{ caDir: string; absent: boolean; total: number; certificates: IssuedCert[] }> {
  const { caDir, ca } = await openCa(options.caDir, env, false);
  const state = await readCaLedger(caDir, ca, env);
  assertLedgerOk(state, options.caDir);
  const now = env.deps.now();
  const all = issuedCertificates(state.entries, now);
  return {
    caDir,
    absent: state.absent,
    total: all.length,
    certificates: filterCertificates(all, options.filter, now),
  };
}

/** Options of {@link revokeCertificates}. */
export interface RevokeOptions {
  caDir: string;
  name?: string | undefined;
  serial?: string | undefined;
  reason: string;
  crlDays: number;
  dryRun: boolean;
  /** Where the passphrase of an encrypted `rootCA.key` comes from (the CRL is signed with it). */
  passphrase?: PassphraseSource | undefined;
}

/** What `cert revoke` did or would do. */
export interface RevokeResult {
  caDir: string;
  dryRun: boolean;
  reason: string;
  revoked: RevokedCert[];
  crlFile: string;
  crlNumber: number;
  thisUpdate: string;
  nextUpdate: string;
  /** Every serial the new CRL lists. */
  crlRevokedCount: number;
  ledgerSeq: number;
}

/**
 * `cert revoke`: appends one revocation entry and writes the CA's CRL, listing every serial
 * ever revoked, in one commit of the CA folder. `dryRun` computes the same and writes nothing.
 */
export async function revokeCertificates(options: RevokeOptions, env: NodeEnv): Promise<RevokeResult> {
  checkRevocationRequest(options);
  const { caDir, ca, key } = await openCa(options.caDir, env, true, options.passphrase);
  const run = async (): Promise<RevokeResult> => {
    if (!options.dryRun) recoverLedger(caDir);
    const { files, state } = await loadLedger(caDir, ca.root.spkiDer, env.deps);
    assertLedgerOk(state, options.caDir);
    const { targets, crl, crlNumber, thisUpdate, nextUpdate, listedCount, append } = await planRevocation(
      files.ledger ?? new Uint8Array(),
      state,
      {
        caDir: options.caDir,
        name: options.name,
        serial: options.serial,
        reason: options.reason,
        crlDays: options.crlDays,
      },
      { root: ca.root, privateKey: key!.privateKey },
      env.deps,
    );
    if (!options.dryRun) {
      const [ledger, head] = ledgerFilesOf(append);
      // The head last: it is what marks the revocation complete.
      commitFiles(caDir, [ledger!, { name: CA_CRL_FILE, bytes: utf8(crl.pem), mode: 0o644 }, head!]);
    }
    return {
      caDir,
      dryRun: options.dryRun,
      reason: options.reason,
      revoked: targets,
      crlFile: join(caDir, CA_CRL_FILE),
      crlNumber,
      thisUpdate: isoSeconds(thisUpdate),
      nextUpdate: isoSeconds(nextUpdate),
      crlRevokedCount: listedCount,
      ledgerSeq: append.tip.seq,
    };
  };
  return options.dryRun ? run() : withCaLock(caDir, run);
}
