import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import {
  AuthorityKeyIdentifier,
  BasicConstraints,
  ExtendedKeyUsage,
  Extension,
  GeneralName,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
  id_kp_clientAuth,
  id_kp_serverAuth,
  KeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
  Validity,
} from "@peculiar/asn1-x509";
import { fromHex, toArrayBuffer } from "../bytes/encoding.ts";
import { isoSeconds } from "../bytes/time.ts";
import type { CoreDeps, WebCryptoKey } from "../deps.ts";
import type { ParsedCertificate } from "./certificate.ts";
import { derSequence, derTlv, sequenceChildren } from "./der.ts";
import type { SigningKey } from "./keys.ts";
import { encodeUtf8Name, OID, type SubjectAttribute } from "./names.ts";
import { encodePem } from "./pem.ts";
import { unsignedIntegerContent } from "./serial.ts";
import { bitStringBytes, SHA256_WITH_RSA_DER, signEnvelope } from "./signature.ts";

/** The five certificate types, carried in the subject's unstructuredName (certificates.md §4). */
export const CERT_TYPES = ["server", "client", "org_admin", "lead", "member"] as const;

/** One of {@link CERT_TYPES}. */
export type CertType = (typeof CERT_TYPES)[number];

/** One SubjectAltName entry. */
export interface SubjectAltName {
  type: "dns" | "ip";
  value: string;
}

/** Inputs of {@link issueRootCertificate}. */
export interface RootCertificateParams {
  /** The project name: subject CN and SAN `DNS:<project>` (may contain `_`). */
  project: string;
  /** `cert init --org`: a second RDN `O=<org>` in the subject (and, here, the issuer). */
  org?: string;
  /** Validity in days from now (default of the command: 3650). */
  validDays: number;
  /** Serial bytes, normally {@link randomSerial}. */
  serial: Uint8Array;
}

/** Inputs of {@link issueLeafCertificate}. */
export interface LeafCertificateParams {
  /** Subject CN, taken from the CSR (already truncated to 64 for servers). */
  commonName: string;
  /** Subject O, taken from the CSR. */
  org: string;
  /** The approved type; becomes the subject's unstructuredName. */
  certType: CertType;
  /** The CSR's SubjectPublicKeyInfo, embedded unchanged. */
  spkiDer: Uint8Array;
  /**
   * SAN entries for a `server` ({@link serverSubjectAltNames}); when empty a server gets
   * `DNS:<commonName>`. Ignored for the other types, which always get `DNS:<commonName>`.
   */
  subjectAltNames: readonly SubjectAltName[];
  /** Requested validity in days (default of the command: 1095); capped at the root's notAfter. */
  validDays: number;
  /** Serial bytes, normally {@link randomSerial}. */
  serial: Uint8Array;
}

/** The root that signs a leaf: its parsed certificate and its private key. */
export interface IssuingCa {
  certificate: ParsedCertificate;
  privateKey: WebCryptoKey;
}

/**
 * Why a leaf could not be issued; the message is the bare reason. The caller reports
 * `CERT_SIGNING_FAILED` as `Certificate signing failed: <message>` (validation.md §4.3 rows 31-32).
 */
export class CertificateIssueError extends Error {
  constructor(reason: string, options?: { cause?: unknown }) {
    super(reason, options);
    this.name = "CertificateIssueError";
  }
}

const DAY_MS = 86_400_000;

/** Per-type KeyUsage and ExtendedKeyUsage, certificates.md §4 (BasicConstraints is CA:FALSE for all). */
const LEAF_PROFILES: Record<CertType, { keyUsage: number; extendedKeyUsage: string[] }> = {
  server: {
    keyUsage: KeyUsageFlags.digitalSignature | KeyUsageFlags.keyEncipherment,
    extendedKeyUsage: [id_kp_clientAuth, id_kp_serverAuth],
  },
  client: {
    keyUsage: KeyUsageFlags.digitalSignature | KeyUsageFlags.keyEncipherment,
    extendedKeyUsage: [id_kp_clientAuth, id_kp_serverAuth],
  },
  org_admin: {
    keyUsage: KeyUsageFlags.digitalSignature | KeyUsageFlags.nonRepudiation,
    extendedKeyUsage: [id_kp_clientAuth],
  },
  lead: {
    keyUsage: KeyUsageFlags.digitalSignature | KeyUsageFlags.nonRepudiation,
    extendedKeyUsage: [id_kp_clientAuth],
  },
  member: {
    keyUsage: KeyUsageFlags.digitalSignature | KeyUsageFlags.nonRepudiation,
    extendedKeyUsage: [id_kp_clientAuth],
  },
};

/**
 * Issues the self-signed project root (certificates.md §3) and returns its PEM: v3,
 * sha256WithRSAEncryption, subject `CN=<project>` (+ `O=<org>`), notBefore = `deps.now()`
 * truncated to seconds, notAfter = notBefore + `validDays`, extensions SKI, AKI (keyid =
 * SKI), BasicConstraints critical CA:TRUE, KeyUsage critical digitalSignature + keyCertSign
 * + cRLSign, SAN `DNS:<project>`.
 *
 * Deliberate fix of the reference defect (certificates.md §9): the issuer is the exact
 * subject DN, so a root made with `--org` still chains. Without `org` the bytes equal the
 * reference's for the same key, serial and time.
 */
export async function issueRootCertificate(
  params: RootCertificateParams,
  keys: SigningKey,
  deps: Pick<CoreDeps, "crypto" | "now">,
): Promise<string> {
  const subject: SubjectAttribute[] = [{ oid: OID.commonName, value: params.project }];
  if (params.org !== undefined) subject.push({ oid: OID.organizationName, value: params.org });
  const name = encodeUtf8Name(subject);
  const notBefore = truncateToSeconds(deps.now());
  const ski = await keyIdentifier(keys.spkiDer, deps);
  const tbs = tbsCertificate({
    serial: params.serial,
    issuerDer: name,
    notBefore,
    notAfter: new Date(notBefore.getTime() + params.validDays * DAY_MS),
    subjectDer: name,
    spkiDer: keys.spkiDer,
    extensions: [
      extension(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(ski)),
      extension(id_ce_authorityKeyIdentifier, false, authorityKeyIdentifier(ski)),
      extension(id_ce_basicConstraints, true, new BasicConstraints({ cA: true })),
      extension(
        id_ce_keyUsage,
        true,
        new KeyUsage(KeyUsageFlags.digitalSignature | KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign),
      ),
      extension(id_ce_subjectAltName, false, subjectAltNames([{ type: "dns", value: params.project }])),
    ],
  });
  return encodePem("CERTIFICATE", await signEnvelope(tbs, keys.privateKey, deps));
}

/**
 * Why `ca` cannot sign now, in the reference's words (validation.md §4.3 row 31), or
 * undefined when it can: it must carry BasicConstraints CA:TRUE and be inside its validity.
 */
export function signingCaProblem(ca: ParsedCertificate, now: Date): string | undefined {
  if (ca.isCa === undefined) return "CA certificate is missing BasicConstraints";
  if (!ca.isCa) return "CA certificate is not a CA certificate";
  if (ca.notBefore.getTime() > now.getTime())
    return `CA certificate is not valid until ${isoSeconds(ca.notBefore)}`;
  if (ca.notAfter.getTime() <= now.getTime()) return `CA certificate expired at ${isoSeconds(ca.notAfter)}`;
  return undefined;
}

/**
 * Issues a participant certificate from an approved CSR (certificates.md §4) and returns
 * its PEM. The subject is rebuilt as `CN`, `O`, `unstructuredName=<certType>` (UTF8String);
 * the issuer is the root's subject DN byte for byte; notBefore = `deps.now()` (seconds);
 * notAfter = min(notBefore + `validDays`, root notAfter); extensions SKI (SHA-1 of the
 * key bits), AKI (keyid = root SKI, or the SHA-1 of the root key if it has none — the same
 * value for every root either tool makes), BasicConstraints critical CA:FALSE, KeyUsage
 * critical, ExtendedKeyUsage and SubjectAltName per type.
 *
 * Throws {@link CertificateIssueError} when the root cannot sign ({@link signingCaProblem})
 * or signing fails.
 */
export async function issueLeafCertificate(
  params: LeafCertificateParams,
  ca: IssuingCa,
  deps: Pick<CoreDeps, "crypto" | "now">,
): Promise<string> {
  const now = deps.now();
  const problem = signingCaProblem(ca.certificate, now);
  if (problem) throw new CertificateIssueError(problem);
  try {
    const profile = LEAF_PROFILES[params.certType];
    if (!profile) throw new Error(`unknown certificate type '${params.certType}'`);
    const notBefore = truncateToSeconds(now);
    const requestedEnd = notBefore.getTime() + params.validDays * DAY_MS;
    const notAfter = new Date(Math.min(requestedEnd, ca.certificate.notAfter.getTime()));
    const ownDns: SubjectAltName[] = [{ type: "dns", value: params.commonName }];
    const sans =
      params.certType === "server" && params.subjectAltNames.length > 0 ? params.subjectAltNames : ownDns;
    const rootKeyId = ca.certificate.skiHex
      ? fromHex(ca.certificate.skiHex)
      : await keyIdentifier(ca.certificate.spkiDer, deps);
    const tbs = tbsCertificate({
      serial: params.serial,
      issuerDer: ca.certificate.subjectDer,
      notBefore,
      notAfter,
      subjectDer: encodeUtf8Name([
        { oid: OID.commonName, value: params.commonName },
        { oid: OID.organizationName, value: params.org },
        { oid: OID.unstructuredName, value: params.certType },
      ]),
      spkiDer: params.spkiDer,
      extensions: [
        extension(
          id_ce_subjectKeyIdentifier,
          false,
          new SubjectKeyIdentifier(await keyIdentifier(params.spkiDer, deps)),
        ),
        extension(id_ce_authorityKeyIdentifier, false, authorityKeyIdentifier(rootKeyId)),
        extension(id_ce_basicConstraints, true, new BasicConstraints({ cA: false })),
        extension(id_ce_keyUsage, true, new KeyUsage(profile.keyUsage)),
        extension(id_ce_extKeyUsage, false, new ExtendedKeyUsage(profile.extendedKeyUsage)),
        extension(id_ce_subjectAltName, false, subjectAltNames(sans)),
      ],
    });
    return encodePem("CERTIFICATE", await signEnvelope(tbs, ca.privateKey, deps));
  } catch (err) {
    throw new CertificateIssueError((err as Error).message, { cause: err });
  }
}

/**
 * The server certificate's SAN list (certificates.md §5): the profile's `server.host`
 * (trimmed) first, then each of `hostNames` in order except entries string-equal to it
 * (other duplicates stay). An IPv4 dotted quad without leading zeros becomes an IP entry,
 * anything else (including `localhost`) a DNS entry.
 */
export function serverSubjectAltNames(profileHost: string, hostNames: readonly string[]): SubjectAltName[] {
  const defaultHost = profileHost.trim();
  return [defaultHost, ...hostNames.filter((h) => h !== defaultHost)].map((value) => ({
    type: isIpv4(value) ? "ip" : "dns",
    value,
  }));
}

/** True for an IPv4 dotted quad whose parts are 0-255 without leading zeros (Python's `ip_address`). */
export function isIpv4(value: string): boolean {
  return /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/.test(value);
}

interface TbsFields {
  serial: Uint8Array;
  issuerDer: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  subjectDer: Uint8Array;
  spkiDer: Uint8Array;
  extensions: Uint8Array[];
}

/**
 * A v3 TBSCertificate. Names and the SPKI are embedded as given (byte-exact issuer,
 * certificates.md §9); the typed asn1-x509 classes encode validity and extension values.
 */
function tbsCertificate(f: TbsFields): Uint8Array {
  const validity = new Uint8Array(
    AsnConvert.serialize(new Validity({ notBefore: f.notBefore, notAfter: f.notAfter })),
  );
  return derSequence(
    Uint8Array.of(0xa0, 0x03, 0x02, 0x01, 0x02),
    derTlv(0x02, unsignedIntegerContent(f.serial)),
    SHA256_WITH_RSA_DER,
    f.issuerDer,
    validity,
    f.subjectDer,
    f.spkiDer,
    derTlv(0xa3, derSequence(...f.extensions)),
  );
}

function extension(oid: string, critical: boolean, value: unknown): Uint8Array {
  const extnValue = new OctetString(AsnConvert.serialize(value));
  return new Uint8Array(AsnConvert.serialize(new Extension({ extnID: oid, critical, extnValue })));
}

function authorityKeyIdentifier(keyId: Uint8Array): AuthorityKeyIdentifier {
  return new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(keyId) });
}

function subjectAltNames(entries: readonly SubjectAltName[]): SubjectAlternativeName {
  return new SubjectAlternativeName(
    entries.map((e) => {
      if (e.type === "dns") return new GeneralName({ dNSName: e.value });
      if (!isIpv4(e.value)) throw new Error(`'${e.value}' is not an IPv4 address`);
      return new GeneralName({ iPAddress: e.value });
    }),
  );
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING bytes. */
async function keyIdentifier(spkiDer: Uint8Array, deps: Pick<CoreDeps, "crypto">): Promise<Uint8Array> {
  const [, bits] = sequenceChildren(spkiDer, 2, "SubjectPublicKeyInfo");
  const digest = await deps.crypto.subtle.digest("SHA-1", toArrayBuffer(bitStringBytes(spkiDer, bits!)));
  return new Uint8Array(digest);
}

function truncateToSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}
