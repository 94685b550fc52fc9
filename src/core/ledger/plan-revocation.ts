/**
 * What `cert revoke` revokes and the CRL it signs, decided from the verified ledger (docs/
 * security.md, "The issuance ledger and the CRL"). Pure: the caller commits the returned
 * ledger, head and CRL bytes in one go.
 */
import { sha256Hex } from "../bytes/hash.ts";
import { isoSeconds } from "../bytes/time.ts";
import { crlReasonCode, writeCrl } from "../crl/write-crl.ts";
import type { CoreDeps, WebCryptoKey } from "../deps.ts";
import { FlareError, invalidArgs } from "../errors/flare-error.ts";
import type { ParsedCertificate } from "../x509/certificate.ts";
import { appendEntries, type LedgerAppend } from "./append.ts";
import { type IssuedCert, issuedCertificates, revocableByName, revokedSerials } from "./cert-status.ts";
import type { LedgerEntry, RevokeFields } from "./entry.ts";
import type { LedgerState } from "./verify-ledger.ts";

/** What to revoke: a name, or one serial. */
export interface RevocationRequest {
  /** The CA folder as given, for messages. */
  caDir: string;
  name?: string | undefined;
  serial?: string | undefined;
  reason: string;
  /** Days from thisUpdate to nextUpdate. */
  crlDays: number;
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

/** The outcome of {@link planRevocation}. */
export interface RevocationPlan {
  targets: RevokedCert[];
  crl: { der: Uint8Array; pem: string };
  crlNumber: number;
  thisUpdate: Date;
  nextUpdate: Date;
  /** How many serials the new CRL lists (every one ever revoked). */
  listedCount: number;
  append: LedgerAppend;
}

/** Exactly one of name and serial, and a reason a CRL may carry (`INVALID_ARGS` otherwise). */
export function checkRevocationRequest(request: Pick<RevocationRequest, "name" | "serial" | "reason">): void {
  if ((request.name === undefined) === (request.serial === undefined))
    throw invalidArgs("give either NAME or --serial HEX, not both and not neither");
  if (crlReasonCode(request.reason) === undefined || request.reason === "removeFromCRL")
    throw invalidArgs(`unknown --reason '${request.reason}'`);
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

function pickTargets(state: LedgerState, options: RevocationRequest, now: Date): RevokedCert[] {
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
 * Picks the certificates (`NOTHING_TO_REVOKE` when none still works), then signs the CRL
 * listing every serial ever revoked, with the next CRL number, and the ledger's revocation
 * entry recording the CRL's hash. `state` is the verified ledger whose bytes are `current`.
 */
export async function planRevocation(
  current: Uint8Array,
  state: LedgerState,
  request: RevocationRequest,
  signer: { root: ParsedCertificate; privateKey: WebCryptoKey },
  deps: Pick<CoreDeps, "crypto" | "now">,
): Promise<RevocationPlan> {
  checkRevocationRequest(request);
  const now = deps.now();
  const time = isoSeconds(now);
  const targets = pickTargets(state, request, now);
  const previous = state.entries.filter((e): e is LedgerEntry & RevokeFields => e.type === "revoke");
  const crlNumber = (previous[previous.length - 1]?.crl_number ?? 0) + 1;
  const listed = revokedSerials(state.entries);
  for (const t of targets) listed.set(t.serial, { time, reason: request.reason });
  const thisUpdate = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const nextUpdate = new Date(thisUpdate.getTime() + request.crlDays * 86_400_000);
  const crl = await writeCrl(
    {
      crlNumber,
      thisUpdate,
      nextUpdate,
      revoked: [...listed].map(([serial, r]) => ({ serial, revokedAt: new Date(r.time), reason: r.reason })),
    },
    signer.root,
    signer.privateKey,
    deps,
  );
  const fields: RevokeFields = {
    type: "revoke",
    time,
    serials: targets.map((t) => t.serial),
    reason: request.reason,
    crl_number: crlNumber,
    crl_sha256: await sha256Hex(deps, crl.der),
  };
  const append = await appendEntries(current, state.tip, [fields], signer.privateKey, deps);
  return { targets, crl, crlNumber, thisUpdate, nextUpdate, listedCount: listed.size, append };
}
