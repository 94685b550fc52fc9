/**
 * Whether a parsed CRL may be trusted for a federation: it uses only what we understand, it
 * is issued and signed by the federation's root CA, and it is current. The same rules as the
 * server-side guard (python/flare_provision_revocation.py), so what `kit crl install` accepts
 * the running server accepts too.
 */
import { bytesEqual, toHex } from "../bytes/encoding.ts";
import type { CoreDeps } from "../deps.ts";
import { FlareError } from "../errors/flare-error.ts";
import type { ParsedCertificate } from "../x509/certificate.ts";
import { sequenceChildren, tlvContent } from "../x509/der.ts";
import { pkcs1HashFor, verifyPkcs1 } from "../x509/signature.ts";
import { CRL_OID, type ParsedCrl } from "./parse-crl.ts";

/** Clock skew tolerated before a CRL's thisUpdate counts as "in the future". */
export const CRL_CLOCK_SKEW_MS = 5 * 60 * 1000;

/** CRL extensions we read or may safely ignore (RFC 5280 §5.2); all non-critical in practice. */
const UNDERSTOOD_CRL_EXTENSIONS = new Set<string>([
  CRL_OID.authorityKeyIdentifier,
  CRL_OID.issuerAltName,
  CRL_OID.crlNumber,
  CRL_OID.freshestCrl,
  CRL_OID.authorityInfoAccess,
]);

/** CRL entry extensions we read or may safely ignore (RFC 5280 §5.3). */
const UNDERSTOOD_ENTRY_EXTENSIONS = new Set<string>([
  CRL_OID.reasonCode,
  CRL_OID.invalidityDate,
  CRL_OID.holdInstructionCode,
]);

/**
 * Why a CRL cannot be used whoever signed it, or `undefined`. A delta CRL, a partitioned CRL
 * (issuingDistributionPoint) and an indirect CRL (certificateIssuer entries) each list only
 * part of the revocations, so reading one as complete would silently un-revoke; an unknown
 * critical extension must make the CRL unusable (RFC 5280 §5.2, §5.3); without a cRLNumber
 * (which RFC 5280 §5.2.3 makes mandatory) a newer list cannot be told from a replayed older one.
 */
export function crlUsabilityProblem(crl: ParsedCrl): string | undefined {
  if (crl.tbsSignatureAlgorithm !== crl.signatureAlgorithm)
    return "its two signature algorithm fields differ (RFC 5280 §5.1.1.2)";
  for (const extension of crl.extensions) {
    if (extension.oid === CRL_OID.deltaCrlIndicator) return "it is a delta CRL, which is not supported";
    if (extension.oid === CRL_OID.issuingDistributionPoint)
      return "it has an issuingDistributionPoint (a partitioned CRL), which is not supported";
    if (extension.critical && !UNDERSTOOD_CRL_EXTENSIONS.has(extension.oid))
      return `it has the unknown critical extension ${extension.oid}`;
  }
  for (const entry of crl.revoked) {
    for (const extension of entry.extensions) {
      if (extension.oid === CRL_OID.certificateIssuer)
        return `entry ${entry.serialHex} names another certificate issuer (an indirect CRL), which is not supported`;
      if (extension.critical && !UNDERSTOOD_ENTRY_EXTENSIONS.has(extension.oid))
        return `entry ${entry.serialHex} has the unknown critical extension ${extension.oid}`;
    }
  }
  if (crl.crlNumber === undefined) return "it has no cRLNumber extension (RFC 5280 §5.2.3)";
  if (!pkcs1HashFor(crl.signatureAlgorithm))
    return `its signature algorithm ${crl.signatureAlgorithm} is not RSA PKCS#1 v1.5 with SHA-1/256/384/512`;
  return undefined;
}

/** Options of {@link verifyCrl}. */
export interface VerifyCrlOptions {
  /** How the CRL is named in messages (its path). */
  label: string;
  /** How the root is named in messages (`<kit>/startup/rootCA.pem`). */
  rootLabel: string;
  /**
   * Accept a CRL past its nextUpdate or whose thisUpdate is in the future, with a warning
   * instead of `CRL_NOT_CURRENT` (`kit crl install --force`).
   */
  allowStale?: boolean;
}

/** What a successful {@link verifyCrl} found worth telling the user. */
export interface CrlVerification {
  /** Human warning lines (a stale CRL accepted with `allowStale`). */
  warnings: string[];
  /** True when the CRL is past its nextUpdate. */
  expired: boolean;
}

/**
 * Checks `crl` against the federation root `root`: usable ({@link crlUsabilityProblem}:
 * `CRL_INVALID`), issued by the root (issuer Name byte-equal to the root's subject and, when
 * both are present, authorityKeyIdentifier equal to the root's subjectKeyIdentifier:
 * `CRL_ISSUER_MISMATCH`), signed by the root's key (`CRL_SIGNATURE_INVALID`), and current at
 * `deps.now()` (thisUpdate not beyond the clock skew, nextUpdate not passed: `CRL_NOT_CURRENT`,
 * or a warning with `allowStale`).
 */
export async function verifyCrl(
  crl: ParsedCrl,
  root: ParsedCertificate,
  options: VerifyCrlOptions,
  deps: Pick<CoreDeps, "crypto" | "now">,
): Promise<CrlVerification> {
  const problem = crlUsabilityProblem(crl);
  if (problem)
    throw new FlareError("CRL_INVALID", { message: `Cannot use the CRL ${options.label}: ${problem}.` });
  if (!bytesEqual(crl.issuerDer, root.subjectDer)) {
    throw new FlareError("CRL_ISSUER_MISMATCH", {
      message: `The CRL ${options.label} was not issued by the root CA in ${options.rootLabel}.`,
      detail: `CRL issuer ${crl.issuer.toString()}; root subject ${root.subject.toString()}`,
    });
  }
  const aki = crl.extensions.find((e) => e.oid === CRL_OID.authorityKeyIdentifier);
  const akiKeyId = aki ? authorityKeyId(aki.value) : undefined;
  if (akiKeyId && root.skiHex && akiKeyId !== root.skiHex) {
    throw new FlareError("CRL_ISSUER_MISMATCH", {
      message: `The CRL ${options.label} names another key of a CA with the same name as the root in ${options.rootLabel}.`,
      detail: `CRL authority key id ${akiKeyId}; root subject key id ${root.skiHex}`,
    });
  }
  if (!(await verifyPkcs1(crl.signatureAlgorithm, crl.signature, crl.tbsDer, root.spkiDer, deps))) {
    throw new FlareError("CRL_SIGNATURE_INVALID", {
      message: `The signature of the CRL ${options.label} does not verify with the root CA key of ${options.rootLabel}.`,
    });
  }
  const now = deps.now();
  const warnings: string[] = [];
  const expired = crl.nextUpdate !== undefined && crl.nextUpdate.getTime() < now.getTime();
  const future = crl.thisUpdate.getTime() > now.getTime() + CRL_CLOCK_SKEW_MS;
  const stale = expired
    ? `its nextUpdate ${iso(crl.nextUpdate!)} has passed`
    : future
      ? `its thisUpdate ${iso(crl.thisUpdate)} is in the future (check this machine's clock)`
      : undefined;
  if (stale) {
    if (!options.allowStale) {
      throw new FlareError("CRL_NOT_CURRENT", {
        message: `The CRL ${options.label} is not current: ${stale}.`,
      });
    }
    warnings.push(
      `Warning: the CRL ${options.label} is not current: ${stale}; installed because of --force.`,
    );
  }
  return { warnings, expired };
}

/** `YYYY-MM-DDTHH:MM:SSZ`. */
export function iso(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** AuthorityKeyIdentifier `[0] keyIdentifier` as lowercase hex (RFC 5280 §4.2.1.1), if present and readable. */
function authorityKeyId(value: Uint8Array): string | undefined {
  try {
    const [first] = sequenceChildren(value, 0, "AuthorityKeyIdentifier");
    return first?.tag === 0x80 ? toHex(tlvContent(value, first)) : undefined;
  } catch {
    return undefined;
  }
}
