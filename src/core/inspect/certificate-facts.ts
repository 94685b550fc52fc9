import { AsnConvert } from "@peculiar/asn1-schema";
import { id_ce_subjectAltName, SubjectAlternativeName } from "@peculiar/asn1-x509";
import { isoSeconds } from "../bytes/time.ts";
import type { CoreDeps } from "../deps.ts";
import { checkExpectedFingerprint, checkNotExpired } from "../package/verify-signed-zip.ts";
import type { ParsedCertificate } from "../x509/certificate.ts";
import { spkiSha256 } from "../x509/fingerprint.ts";
import { parsePrivateKeyPem } from "../x509/keys.ts";
import { findPemBlocks } from "../x509/pem.ts";
import { CheckFailure, type CheckStep } from "./check-steps.ts";
import type { CheckResult, Facts, FactValue } from "./types.ts";

const DAY_MS = 86_400_000;

const USER_TYPES = ["org_admin", "lead", "member"];

/** Sets `facts[key]` unless `value` is undefined (facts keep insertion order). */
export function addFact(facts: Facts, key: string, value: FactValue | undefined): void {
  if (value !== undefined) facts[key] = value;
}

/** A JSON value as a fact: strings, numbers, booleans and null as they are, anything else as JSON text. */
export function factOf(value: unknown): FactValue | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value === "string" || typeof value === "number" || typeof value === "boolean")
    return value;
  return JSON.stringify(value);
}

/** The SubjectAltName entries of a certificate as `DNS:<name>` / `IP:<address>`, in order. */
export function certificateSans(cert: ParsedCertificate): string[] {
  const extension = cert.extensions.find((e) => e.oid === id_ce_subjectAltName);
  if (!extension) return [];
  try {
    // Array.from: mapping the asn1-schema array would produce another SubjectAlternativeName.
    return Array.from(AsnConvert.parse(extension.value, SubjectAlternativeName), (name) => {
      if (name.dNSName !== undefined) return `DNS:${name.dNSName}`;
      if (name.iPAddress !== undefined) return `IP:${name.iPAddress}`;
      if (name.rfc822Name !== undefined) return `email:${name.rfc822Name}`;
      if (name.uniformResourceIdentifier !== undefined) return `URI:${name.uniformResourceIdentifier}`;
      return "other";
    });
  } catch {
    return ["(unreadable SubjectAltName)"];
  }
}

/** Whole days from `now` until `notAfter`, rounded down; negative once expired. */
export function daysLeft(notAfter: Date, now: Date): number {
  return Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS);
}

/**
 * The identity a participant certificate states (certificates.md §4): name (CN), type
 * (unstructuredName), role (the type for users, else null) and org (O).
 */
export function certificateIdentity(cert: ParsedCertificate): Facts {
  const type = cert.subject.unstructuredName ?? null;
  return {
    name: cert.subject.commonName ?? null,
    type,
    role: type !== null && USER_TYPES.includes(type) ? type : null,
    org: cert.subject.organization ?? null,
  };
}

/**
 * The facts of a certificate an operator asks about: subject, issuer, serial, validity with
 * days left at `now`, SANs and whether it is a CA.
 */
export function certificateFacts(cert: ParsedCertificate, now: Date): Facts {
  return {
    subject: cert.subject.toString(),
    issuer: cert.issuer.toString(),
    serial: cert.serialHex,
    not_before: isoSeconds(cert.notBefore),
    valid_until: isoSeconds(cert.notAfter),
    days_left: daysLeft(cert.notAfter, now),
    sans: certificateSans(cert),
    is_ca: cert.isCa ?? false,
  };
}

/** What a private key is, without its contents: PEM form, algorithm and size, public-key hash. */
export interface KeyDescription {
  /** e.g. `RSA 2048-bit, PKCS#1 (RSA PRIVATE KEY), unencrypted`. */
  keyType: string;
  /** SHA-256 of the DER SubjectPublicKeyInfo (certificates.md §6); undefined when unreadable. */
  publicKeySha256: string | undefined;
  /** Why the key could not be loaded, if it could not. */
  problem: string | undefined;
}

const KEY_FORMS: Record<string, string> = {
  "RSA PRIVATE KEY": "PKCS#1 (RSA PRIVATE KEY)",
  "PRIVATE KEY": "PKCS#8 (PRIVATE KEY)",
  "ENCRYPTED PRIVATE KEY": "encrypted PKCS#8 (ENCRYPTED PRIVATE KEY)",
  "EC PRIVATE KEY": "EC (EC PRIVATE KEY)",
  "DSA PRIVATE KEY": "DSA (DSA PRIVATE KEY)",
  "OPENSSH PRIVATE KEY": "OpenSSH (OPENSSH PRIVATE KEY)",
};

/**
 * Describes a PEM private key without revealing it: its PEM form, and for a loadable
 * (unencrypted RSA) key the modulus size and the public-key hash. Never throws.
 */
export async function describePrivateKey(keyPem: Uint8Array, deps: CoreDeps): Promise<KeyDescription> {
  let form = "unknown form";
  try {
    const block = findPemBlocks(keyPem).find((b) => b.label in KEY_FORMS);
    if (block) form = KEY_FORMS[block.label] as string;
  } catch {
    form = "malformed PEM";
  }
  try {
    const key = await parsePrivateKeyPem(keyPem, deps);
    const bits = (key.privateKey.algorithm as RsaHashedKeyAlgorithm).modulusLength;
    return {
      keyType: `RSA ${bits}-bit, ${form}, unencrypted`,
      publicKeySha256: await spkiSha256(key.spkiDer, deps),
      problem: undefined,
    };
  } catch (error) {
    return { keyType: form, publicKeySha256: undefined, problem: (error as Error).message };
  }
}

/**
 * The `valid-now` step: the certificate `get` returns is inside its validity period at `now`;
 * expired is `CERT_EXPIRED` as in `package` (validation.md §4.4 row 27).
 */
export function validNowStep<S>(
  get: (state: S) => ParsedCertificate,
  label: (state: S) => string,
  now: Date,
  needs: readonly string[],
): CheckStep<S> {
  return {
    id: "valid-now",
    needs,
    pass: (s) =>
      `${label(s)} is valid until ${isoSeconds(get(s).notAfter)} (${daysLeft(get(s).notAfter, now)} days left)`,
    run: (s) => {
      const cert = get(s);
      if (cert.notBefore > now) {
        throw new CheckFailure(`Certificate ${label(s)} is not valid before ${isoSeconds(cert.notBefore)}.`);
      }
      checkNotExpired(cert, label(s), now);
    },
  };
}

/**
 * A step comparing a root fingerprint with `--fingerprint` (validation.md §4.4 row 21 messages).
 * `get` returns the canonical fingerprint of the artifact's root.
 */
export function expectedFingerprintStep<S>(
  expected: string,
  get: (state: S) => string,
  needs: readonly string[],
): CheckStep<S> {
  return {
    id: "expected-fingerprint",
    needs,
    pass: "the root CA has the expected out-of-band fingerprint",
    run: (s) => checkExpectedFingerprint(expected, get(s)),
  };
}

/** The failed `expected-fingerprint` check of an artifact that holds no root CA to compare. */
export function noRootToCompare(artifact: string): CheckResult {
  return {
    id: "expected-fingerprint",
    ok: false,
    detail: `--fingerprint was given but ${artifact} holds no root CA certificate to compare it with`,
  };
}
