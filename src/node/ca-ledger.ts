/**
 * The commands of the issuance ledger: `cert list`, `cert ledger verify`, `cert revoke`
 * (docs/security.md, "The issuance ledger and the CRL"). Reading and writing only; what to
 * list, revoke and sign is decided in src/core/ledger and src/core/crl.
 */
import { join, resolve } from "node:path";
import { type LoadedCa, loadCa, loadCaKey, type MaybeFile } from "../core/approval/approve-request.ts";
import { utf8 } from "../core/bytes/encoding.ts";
import { sha256Hex } from "../core/bytes/hash.ts";
import { isoSeconds } from "../core/bytes/time.ts";
import { crlReasonCode, writeCrl } from "../core/crl/write-crl.ts";
import { FlareError, invalidArgs } from "../core/errors/flare-error.ts";
import { appendEntries } from "../core/ledger/append.ts";
import {
  type CertFilter,
  filterCertificates,
  type IssuedCert,
  issuedCertificates,
  revocableByName,
  revokedSerials,
} from "../core/ledger/cert-status.ts";
import type { LedgerEntry, RevokeFields } from "../core/ledger/entry.ts";
import { assertLedgerOk, type LedgerState } from "../core/ledger/verify-ledger.ts";
import type { LoadedPrivateKey } from "../core/x509/keys.ts";
import { commitFiles } from "./atomic-write.ts";
import { withCaLock } from "./ca-lock.ts";
import { ledgerFilesOf, loadLedger, recoverLedger } from "./ledger-store.ts";
import type { NodeEnv } from "./node-env.ts";
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
): Promise<{ caDir: string; ca: LoadedCa; key: LoadedPrivateKey | undefined }> {
  const caDir = resolve(env.cwd, caDirArg);
  const inputs = {
    caDir: caDirArg,
    caJson: maybeFile(join(caDir, "ca.json"), join(caDirArg, "ca.json")),
    rootCaPem: maybeFile(join(caDir, "rootCA.pem"), join(caDirArg, "rootCA.pem")),
    rootCaKey: withKey
      ? maybeFile(join(caDir, "rootCA.key"), join(caDirArg, "rootCA.key"))
      : { path: "", bytes: undefined },
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
}

/** One certificate a revocation takes (or would take). */
export interface RevokedCert {
  serial: string;
  name: string | null;
  cert_type: string | null;
  not_after: string | null;
  /** False for a serial the ledger does not know (signed before the ledger started). */
  in_ledger: boolean;
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

/** A serial as the ledger writes it: `0x` + lowercase hex without leading zeros. */
export function normalizeSerial(raw: string): string {
  const hex = raw.trim().toLowerCase().replace(/^0x/, "").replace(/[:\s]/g, "");
  if (!/^[0-9a-f]+$/.test(hex) || hex.length > 40) {
    throw invalidArgs(
      `--serial must be a certificate serial in hex (for example 0x3c91...), not '${raw}'`,
      "Copy the serial from 'nvflare cert list' or 'nvflare cert inspect'.",
    );
  }
  return `0x${hex.replace(/^0+(?=.)/, "")}`;
}

function pickTargets(state: LedgerState, options: RevokeOptions, now: Date): RevokedCert[] {
  const certs = issuedCertificates(state.entries, now);
  const describe = (c: IssuedCert): RevokedCert => ({
    serial: c.serial,
    name: c.name,
    cert_type: c.cert_type,
    not_after: c.not_after,
    in_ledger: true,
  });
  if (options.name !== undefined) {
    const targets = revocableByName(certs, options.name);
    if (targets.length === 0) {
      const known = certs.filter((c) => c.name === options.name);
      throw new FlareError("NOTHING_TO_REVOKE", {
        message:
          known.length === 0
            ? `The ledger of ${options.caDir} has no certificate for '${options.name}'.`
            : `No certificate of '${options.name}' is still valid: ${known.map((c) => `${c.serial} ${c.status}`).join(", ")}.`,
        hint:
          known.length === 0
            ? "Check the name with 'nvflare cert list'; a certificate signed before the ledger started can be revoked with --serial."
            : "Nothing to do: the certificates of this name are already revoked or expired.",
      });
    }
    return targets.map(describe);
  }
  const serial = normalizeSerial(options.serial as string);
  const cert = certs.find((c) => c.serial === serial);
  if (cert?.status === "revoked" || (!cert && revokedSerials(state.entries).has(serial))) {
    throw new FlareError("NOTHING_TO_REVOKE", {
      message: `Certificate ${serial} is already revoked.`,
      hint: "Nothing to do; 'nvflare cert list --status revoked' lists the revoked certificates.",
    });
  }
  return [cert ? describe(cert) : { serial, name: null, cert_type: null, not_after: null, in_ledger: false }];
}

/**
 * `cert revoke`: appends one revocation entry and writes the CA's CRL, listing every serial
 * ever revoked, in one commit of the CA folder. `dryRun` computes the same and writes nothing.
 */
export async function revokeCertificates(options: RevokeOptions, env: NodeEnv): Promise<RevokeResult> {
  if ((options.name === undefined) === (options.serial === undefined))
    throw invalidArgs("give either NAME or --serial HEX, not both and not neither");
  if (crlReasonCode(options.reason) === undefined || options.reason === "removeFromCRL")
    throw invalidArgs(`unknown --reason '${options.reason}'`);
  const { caDir, ca, key } = await openCa(options.caDir, env, true);
  const run = async (): Promise<RevokeResult> => {
    if (!options.dryRun) recoverLedger(caDir);
    const { files, state } = await loadLedger(caDir, ca.root.spkiDer, env.deps);
    assertLedgerOk(state, options.caDir);
    const now = env.deps.now();
    const time = isoSeconds(now);
    const targets = pickTargets(state, options, now);
    const previous = state.entries.filter((e): e is LedgerEntry & RevokeFields => e.type === "revoke");
    const crlNumber = (previous[previous.length - 1]?.crl_number ?? 0) + 1;
    const listed = revokedSerials(state.entries);
    for (const t of targets) listed.set(t.serial, { time, reason: options.reason });
    const thisUpdate = new Date(Math.floor(now.getTime() / 1000) * 1000);
    const nextUpdate = new Date(thisUpdate.getTime() + options.crlDays * 86_400_000);
    const crl = await writeCrl(
      {
        crlNumber,
        thisUpdate,
        nextUpdate,
        revoked: [...listed].map(([serial, r]) => ({
          serial,
          revokedAt: new Date(r.time),
          reason: r.reason,
        })),
      },
      ca.root,
      key!.privateKey,
      env.deps,
    );
    const fields: RevokeFields = {
      type: "revoke",
      time,
      serials: targets.map((t) => t.serial),
      reason: options.reason,
      crl_number: crlNumber,
      crl_sha256: await sha256Hex(env.deps, crl.der),
    };
    const append = await appendEntries(
      files.ledger ?? new Uint8Array(),
      state.tip,
      [fields],
      key!.privateKey,
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
      crlRevokedCount: listed.size,
      ledgerSeq: append.tip.seq,
    };
  };
  return options.dryRun ? run() : withCaLock(caDir, run);
}
