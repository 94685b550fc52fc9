import { type Members, readSignedZipMembers } from "../approval/read-zip-members.ts";
import { fromUtf8 } from "../bytes/encoding.ts";
import { normalizeHash, sha256Hex } from "../bytes/hash.ts";
import { isoSeconds } from "../bytes/time.ts";
import type { CoreDeps } from "../deps.ts";
import { FlareError } from "../errors/flare-error.ts";
import { isMapping } from "../inputs/structured.ts";
import { type CheckStep, collectChecks, runSteps } from "../inspect/check-steps.ts";
import type { CheckResult } from "../inspect/types.ts";
import { parseJson } from "../json/parse-json.ts";
import {
  CERT_TYPES,
  isCertType,
  isValidDeployVersion,
  isValidHostName,
  isValidOrgName,
  isValidPort,
  isValidRequestId,
  matchesNamePattern,
  nameEntityTypeFor,
  nameRegexReport,
  normalizeConnectionSecurity,
  normalizeScheme,
  projectNameProblem,
  pyRepr,
  pyTruthy,
  safeCertNameProblem,
} from "../names/name-rules.ts";
import {
  checkSanitizedSiteParticipant,
  checkSiteIdentityMatches,
  readSiteIdentity,
} from "../participant/site-yaml.ts";
import type { CertType } from "../participant/types.ts";
import { type ParsedCertificate, parseCertificate } from "../x509/certificate.ts";
import { fingerprintSha256, normalizeFingerprint, spkiSha256 } from "../x509/fingerprint.ts";
import { MIN_RSA_BITS, rsaKeyPolicyProblem } from "../x509/key-policy.ts";
import { verifyPss } from "../x509/pss.ts";
import { parseSoleCertificate } from "../x509/sole-certificate.ts";
import { parseYaml } from "../yaml/parse-yaml.ts";

/** A signed zip whose signature, hashes, identity and CA info all checked out. */
export interface VerifiedApproval {
  signed: Record<string, unknown>;
  signedJsonBytes: Uint8Array;
  requestId: string;
  project: string;
  name: string;
  org: string;
  kind: string;
  certType: string;
  certRole: string | null;
  scheme: string;
  defaultConnectionSecurity: string;
  server: { host: string; fedLearnPort: number; adminPort: number };
  provisionVersion: string;
  fingerprint: string;
  certificate: ParsedCertificate;
  certPem: Uint8Array;
  root: ParsedCertificate;
  rootPem: Uint8Array;
  siteDocument: Record<string, unknown>;
  hashes: { csr: string; publicKey: string };
}

const REQUIRED = [
  "request_id",
  "project",
  "name",
  "org",
  "kind",
  "cert_type",
  "cert_file",
  "rootca_file",
  "scheme",
  "default_connection_security",
  "server",
] as const;

const HASH_KEYS = [
  "csr_sha256",
  "site_yaml_sha256",
  "certificate_sha256",
  "rootca_sha256",
  "public_key_sha256",
] as const;

const KIND_OF: Record<string, string> = {
  client: "site",
  server: "server",
  org_admin: "user",
  lead: "user",
  member: "user",
};

function bad(message: string, detail?: string): FlareError {
  return new FlareError("INVALID_SIGNED_ZIP", detail === undefined ? { message } : { message, detail });
}

/** What the signed-zip steps derive as they pass. */
interface SignedZipState {
  zipBytes: Uint8Array;
  label: string;
  expectedFingerprint: string | undefined;
  deps: CoreDeps;
  members?: Members;
  crtName?: string;
  signedJsonBytes?: Uint8Array;
  rootPem?: Uint8Array;
  certPem?: Uint8Array;
  root?: ParsedCertificate;
  /** Canonical fingerprint of the included rootCA.pem. */
  fingerprint?: string;
  signed?: Record<string, unknown>;
  siteDocument?: Record<string, unknown>;
  name?: string;
  certType?: CertType;
  certRole?: string | null;
  provisionVersion?: string;
  signedFingerprint?: string | undefined;
  scheme?: string;
  security?: string;
  server?: VerifiedApproval["server"];
  hashes?: Record<string, unknown>;
  certificate?: ParsedCertificate;
  publicKey?: string;
}

const REQUIRED_MEMBERS = ["rootCA.pem", "signed.json", "signed.json.sig", "site.yaml"];

/**
 * The signed-zip checks of validation.md §4.4 rows 4-21, in the reference's order. Run
 * fail-fast they are `package`'s verification; collected they are `cert inspect`'s.
 */
function signedZipSteps(withExpectedFingerprint: boolean): CheckStep<SignedZipState>[] {
  const steps: CheckStep<SignedZipState>[] = [
    {
      id: "zip-safety",
      pass: "the zip is well-formed, every member name is safe and no member holds a private key",
      run: (s) => {
        s.members = readSignedZipMembers(s.zipBytes, s.label);
      },
    },
    {
      id: "member-set",
      needs: ["zip-safety"],
      pass: (s) =>
        `the zip holds exactly signed.json, signed.json.sig, site.yaml, rootCA.pem and ${s.crtName}`,
      run: (s) => {
        const members = s.members!;
        const missing = REQUIRED_MEMBERS.filter((name) => !members.has(name));
        if (missing.length > 0)
          throw bad(`Signed zip is missing required file(s): ${missing.sort().join(", ")}.`);
        const crts = [...members.keys()].filter((name) => name.endsWith(".crt"));
        if (crts.length !== 1) throw bad("Signed zip must contain exactly one signed certificate.");
        const unexpected = [...members.keys()].filter(
          (name) => !REQUIRED_MEMBERS.includes(name) && !name.endsWith(".crt"),
        );
        if (unexpected.length > 0)
          throw bad(`Signed zip contains unexpected file(s): ${unexpected.sort().join(", ")}.`);
        s.crtName = crts[0] as string;
        s.signedJsonBytes = members.get("signed.json") as Uint8Array;
        s.rootPem = members.get("rootCA.pem") as Uint8Array;
        s.certPem = members.get(s.crtName) as Uint8Array;
      },
    },
    {
      id: "rootca",
      needs: ["member-set"],
      pass: `rootCA.pem holds exactly one certificate, whose key meets the key-strength policy (RSA, at least ${MIN_RSA_BITS} bits, exponent 65537)`,
      run: async (s) => {
        try {
          s.root = parseSoleCertificate(s.rootPem!);
        } catch (error) {
          if (!loadsLeniently(s.rootPem!))
            throw bad(
              "Signed approval metadata signature is invalid: cannot load rootCA.pem.",
              String(error),
            );
          // The kit would install every certificate of this file as a trusted root, and only the
          // first one is what the signature and the out-of-band fingerprint vouch for.
          throw bad("Signed zip rootCA.pem must hold exactly one certificate.", (error as Error).message);
        }
        const weak = rsaKeyPolicyProblem(s.root.spkiDer);
        if (weak) throw bad(`Signed zip rootCA.pem has a weak public key: ${weak}.`);
        s.fingerprint = await fingerprintSha256(s.root.der, s.deps);
      },
    },
    {
      // Row 5: nothing in signed.json is trusted before its signature verifies.
      id: "signature",
      needs: ["rootca"],
      pass: "signed.json.sig (RSA-PSS) verifies over signed.json with the included rootCA.pem",
      run: async (s) => {
        let sigText: string;
        try {
          sigText = fromUtf8(s.members!.get("signed.json.sig") as Uint8Array);
        } catch {
          sigText = "";
        }
        if (!(await verifyPss(s.signedJsonBytes!, sigText, s.root!.spkiDer, s.deps))) {
          throw bad(
            "Signed approval metadata signature is invalid: the RSA-PSS signature does not verify with the included rootCA.pem.",
          );
        }
      },
    },
    {
      id: "signed-json",
      needs: ["member-set"],
      pass: "signed.json is a JSON object and site.yaml a YAML mapping",
      run: (s) => {
        let signed: unknown;
        try {
          signed = parseJson(s.signedJsonBytes!, "signed.json");
        } catch (error) {
          throw bad(`Failed to read signed.json from signed zip ${s.label}: ${(error as Error).message}.`);
        }
        if (!isMapping(signed))
          throw bad(`Failed to read signed.json from signed zip ${s.label}: not a JSON object.`);
        let siteDocument: unknown;
        try {
          siteDocument = parseYaml(s.members!.get("site.yaml") as Uint8Array, "site.yaml");
        } catch (error) {
          throw bad(`Failed to read site.yaml from signed zip ${s.label}: ${(error as Error).message}.`);
        }
        if (!isMapping(siteDocument)) throw bad("site.yaml in signed zip must be a mapping.");
        s.signed = signed;
        s.siteDocument = siteDocument;
      },
    },
    {
      id: "metadata",
      needs: ["signed-json"],
      pass: "signed.json has every required field, a valid identity and matching file names",
      run: (s) => {
        const signed = s.signed!;
        if (signed.artifact_type !== "nvflare.cert.signed" || signed.schema_version !== "1") {
          throw bad("Signed zip metadata has an unsupported artifact type or schema version.");
        }
        const absent = REQUIRED.filter((field) => !pyTruthy(signed[field]));
        if (absent.length > 0)
          throw bad(`Signed zip metadata is missing required field(s): ${absent.join(", ")}.`);
        const { request_id: requestId, project, org, cert_type: certType, kind, name } = signed;
        if (!isValidRequestId(requestId)) throw bad(`Invalid request_id: '${String(requestId)}'.`);
        if (projectNameProblem(project)) throw bad(`Invalid project name: '${String(project)}'.`);
        if (!isValidOrgName(org)) throw bad(`Invalid org name: '${String(org)}'.`);
        if (!isCertType(certType)) {
          throw bad(`Invalid signed zip cert_type: '${String(certType)}'.`);
        }
        if (KIND_OF[certType] !== kind)
          throw bad(`Signed zip kind '${String(kind)}' requires cert_type '${kindExample(kind)}'.`);
        if (
          typeof name !== "string" ||
          safeCertNameProblem(name, certType) ||
          !matchesNamePattern(name, nameEntityTypeFor(certType))
        )
          throw bad(`Invalid participant name: '${String(name)}'.`);
        if (signed.cert_file !== s.crtName || signed.rootca_file !== "rootCA.pem") {
          throw bad("Signed zip metadata file names do not match zip contents.");
        }
        s.name = name;
        s.certType = certType;
        s.certRole =
          certType === "org_admin" || certType === "lead" || certType === "member" ? certType : null;
      },
    },
    {
      id: "ca-info",
      needs: ["signed-json"],
      pass: "signed.json ca_info has a two-digit deploy version and a well-formed root fingerprint",
      run: (s) => {
        s.provisionVersion = "00";
        s.signedFingerprint = undefined;
        const caInfo = s.signed!.ca_info;
        // artifacts.md §9.1: only a signed.json without ca_info (legacy) falls back to 00 and the
        // included root; a ca_info that is there must carry both fields (validation.md §4.4 row 11).
        if (caInfo === undefined || caInfo === null) return;
        if (!isMapping(caInfo)) throw bad("Signed zip ca_info must be a mapping.");
        const version = caInfo.provision_version;
        if (!isValidDeployVersion(version)) {
          throw new FlareError("INVALID_SIGNED_ZIP", {
            message: `Invalid provision version: ${pyRepr(version)}.`,
            hint: "Provision version must be exactly two digits, for example 00.",
          });
        }
        s.provisionVersion = version;
        const fp = caInfo.rootCA_fingerprint;
        s.signedFingerprint = normalizeFingerprint(fp);
        if (!s.signedFingerprint) {
          throw new FlareError("INVALID_ROOTCA_FINGERPRINT", {
            message: `Invalid signed ca_info root CA fingerprint: ${pyRepr(fp)}.`,
            hint: "Ask the Project Admin to regenerate the signed zip.",
          });
        }
      },
    },
    {
      id: "endpoint",
      needs: ["signed-json"],
      pass: "signed.json has a valid scheme, default connection security and server endpoint",
      run: (s) => {
        const signed = s.signed!;
        const scheme = normalizeScheme(signed.scheme);
        if (!scheme) throw bad(`Invalid signed zip scheme: '${String(signed.scheme)}'.`);
        const security = normalizeConnectionSecurity(signed.default_connection_security);
        if (!security) {
          throw bad(
            `Invalid signed zip default_connection_security: '${String(signed.default_connection_security)}'.`,
          );
        }
        const server = signed.server;
        if (!isMapping(server)) throw bad("Signed approval metadata does not contain a server endpoint.");
        const host = typeof server.host === "string" ? server.host.trim() : "";
        if (!host) throw bad("Signed approval metadata server.host must be a non-empty string.");
        if (!isValidHostName(host)) {
          throw bad(
            `Signed approval metadata server.host is invalid: ${nameRegexReport(host, "host_name")}.`,
          );
        }
        if (!isValidPort(server.fed_learn_port))
          throw bad("Signed approval metadata server.fed_learn_port must be an integer from 1 to 65535.");
        // artifacts.md §9.1: approve always fills admin_port in; without it the admin kit would
        // silently connect to fed_learn_port.
        const adminPort = server.admin_port;
        if (!isValidPort(adminPort))
          throw bad("Signed approval metadata server.admin_port must be an integer from 1 to 65535.");
        s.scheme = scheme;
        s.security = security;
        s.server = { host, fedLearnPort: server.fed_learn_port as number, adminPort: adminPort as number };
      },
    },
    {
      id: "site-identity",
      needs: ["metadata"],
      pass: "site.yaml names the same participant as signed.json and carries no local-only fields",
      run: (s) => {
        const signed = s.signed!;
        let site: ReturnType<typeof readSiteIdentity>;
        try {
          site = readSiteIdentity(s.siteDocument, "package");
        } catch {
          throw bad("site.yaml must identify exactly one participant.");
        }
        // artifacts.md §9.1: cert_role is signed for users and absent otherwise; a missing one is
        // not filled in from cert_type (the site.yaml role must match what was signed).
        checkSiteIdentityMatches(
          site,
          { ...signed, cert_role: pyTruthy(signed.cert_role) ? signed.cert_role : null },
          "package",
        );
        checkSanitizedSiteParticipant(site, "package");
      },
    },
    {
      id: "hashes",
      needs: ["signed-json"],
      pass: "signed.json lists all five hashes",
      run: (s) => {
        const hashes = s.signed!.hashes;
        if (!isMapping(hashes) || HASH_KEYS.some((key) => !pyTruthy(hashes[key])))
          throw bad("Signed zip metadata is missing required hashes.");
        s.hashes = hashes;
      },
    },
    {
      id: "site-yaml-hash",
      needs: ["hashes"],
      pass: "SHA-256 of site.yaml equals signed.json hashes.site_yaml_sha256",
      run: async (s) => {
        const site = s.members!.get("site.yaml") as Uint8Array;
        if ((await sha256Hex(s.deps, site)) !== normalizeHash(s.hashes!.site_yaml_sha256)) {
          throw bad("Hash mismatch for site.yaml in signed zip.");
        }
      },
    },
    {
      id: "certificate-hash",
      needs: ["hashes"],
      pass: "SHA-256 of the certificate equals signed.json hashes.certificate_sha256",
      run: async (s) => {
        if ((await sha256Hex(s.deps, s.certPem!)) !== normalizeHash(s.hashes!.certificate_sha256))
          throw bad("Hash mismatch for cert in signed zip.");
      },
    },
    {
      id: "rootca-hash",
      needs: ["hashes"],
      pass: "SHA-256 of rootCA.pem equals signed.json hashes.rootca_sha256",
      run: async (s) => {
        if ((await sha256Hex(s.deps, s.rootPem!)) !== normalizeHash(s.hashes!.rootca_sha256))
          throw bad("Hash mismatch for rootCA.pem in signed zip.");
      },
    },
    {
      id: "certificate",
      needs: ["member-set"],
      pass: (s) => `${s.crtName} holds a certificate whose key meets the key-strength policy`,
      run: (s) => {
        try {
          s.certificate = parseCertificate(s.certPem!);
        } catch (error) {
          throw bad(`Failed to load certificate from signed zip: ${(error as Error).message}.`);
        }
        const weak = rsaKeyPolicyProblem(s.certificate.spkiDer);
        if (weak) throw bad(`Signed zip certificate ${s.crtName} has a weak public key: ${weak}.`);
      },
    },
    {
      id: "public-key-hash",
      needs: ["certificate", "hashes"],
      pass: "SHA-256 of the certificate public key equals signed.json hashes.public_key_sha256",
      run: async (s) => {
        s.publicKey = await spkiSha256(s.certificate!.spkiDer, s.deps);
        if (s.publicKey !== normalizeHash(s.hashes!.public_key_sha256))
          throw bad("Public key hash mismatch for signed certificate.");
      },
    },
    {
      id: "certificate-name",
      needs: ["metadata"],
      pass: (s) => `the certificate member is named ${s.name}.crt`,
      run: (s) => {
        if (s.crtName !== `${s.name}.crt`)
          throw bad(`Signed zip certificate '${s.crtName}' does not match participant '${s.name}'.`);
      },
    },
    {
      id: "certificate-identity",
      needs: ["certificate", "metadata", "rootca"],
      pass: "the certificate type, CN and O and the root CA CN match signed.json",
      run: (s) => {
        const { certificate, root, crtName, name, certType } = s as Required<SignedZipState>;
        const { org, project } = s.signed!;
        const certTypeInCert = certificate.subject.unstructuredName;
        if (!certTypeInCert || !(CERT_TYPES as readonly string[]).includes(certTypeInCert)) {
          throw new FlareError("CERT_TYPE_UNKNOWN", {
            message: `Unknown certificate type in '${crtName}': the certificate type is missing or unrecognized.`,
          });
        }
        const conflict = (message: string) => new FlareError("SIGNED_ZIP_IDENTITY_CONFLICT", { message });
        if (certTypeInCert !== certType) {
          throw conflict(
            `Signed metadata cert_type '${certType}' conflicts with certificate type '${certTypeInCert}'.`,
          );
        }
        if (certificate.subject.commonName !== name) {
          throw conflict(
            `Signed metadata name '${name}' conflicts with certificate CN '${certificate.subject.commonName ?? ""}'.`,
          );
        }
        if (certificate.subject.organization !== org) {
          throw conflict(
            `Signed metadata org '${String(org)}' conflicts with certificate O '${certificate.subject.organization ?? ""}'.`,
          );
        }
        if (root.subject.commonName !== project) {
          throw conflict(
            `Signed metadata project '${String(project)}' conflicts with root CA CN '${root.subject.commonName ?? ""}'.`,
          );
        }
      },
    },
    {
      id: "ca-fingerprint",
      needs: ["ca-info", "rootca"],
      pass: "signed.json ca_info.rootCA_fingerprint is the fingerprint of the included rootCA.pem",
      run: (s) => {
        if (s.signedFingerprint !== undefined && s.signedFingerprint !== s.fingerprint) {
          throw new FlareError("ROOTCA_FINGERPRINT_MISMATCH", {
            message: "Signed ca_info root CA fingerprint does not match included rootCA.pem.",
          });
        }
      },
    },
  ];
  if (withExpectedFingerprint) {
    steps.push({
      id: "expected-fingerprint",
      needs: ["rootca"],
      pass: "the included rootCA.pem has the expected out-of-band fingerprint",
      run: (s) => checkExpectedFingerprint(s.expectedFingerprint as string, s.fingerprint!),
    });
  }
  return steps;
}

/**
 * Checks a root fingerprint against the expected out-of-band value (validation.md §4.4 row
 * 21): `INVALID_ROOTCA_FINGERPRINT` when `expected` is no accepted spelling (certificates.md
 * §7), `ROOTCA_FINGERPRINT_MISMATCH` when it differs from `actual` (canonical form).
 */
export function checkExpectedFingerprint(expected: string, actual: string): void {
  const normalized = normalizeFingerprint(expected);
  if (!normalized) {
    throw new FlareError("INVALID_ROOTCA_FINGERPRINT", {
      message: `Invalid expected root CA SHA256 fingerprint: '${expected}'.`,
      hint: "Use the rootca_fingerprint_sha256 value printed by 'nvflare cert approve' (SHA256:AA:BB:... or 64 hex digits).",
    });
  }
  if (normalized !== actual) {
    throw new FlareError("ROOTCA_FINGERPRINT_MISMATCH", {
      message: "Root CA SHA256 fingerprint does not match the expected out-of-band value.",
      hint: `Expected ${normalized}; actual ${actual}. Verify that the signed zip came from the intended Project Admin.`,
    });
  }
}

/**
 * Verifies a signed zip on its own (validation.md §4.4 rows 4-21): zip safety and member set,
 * the PSS signature over the exact signed.json bytes with the included root (before any field
 * is trusted), metadata, site.yaml identity, hashes, certificate identity, CA info, and the
 * out-of-band fingerprint when given (`expectedFingerprint`). `label` names the zip in messages.
 * Throws the first failure's FlareError.
 */
export async function verifySignedZip(
  zipBytes: Uint8Array,
  options: { label: string; expectedFingerprint?: string | undefined },
  deps: CoreDeps,
): Promise<VerifiedApproval> {
  const s: SignedZipState = {
    zipBytes,
    label: options.label,
    expectedFingerprint: options.expectedFingerprint,
    deps,
  };
  await runSteps(signedZipSteps(options.expectedFingerprint !== undefined), s);
  const signed = s.signed!;
  const hashes = s.hashes!;
  return {
    signed,
    signedJsonBytes: s.signedJsonBytes!,
    requestId: signed.request_id as string,
    project: signed.project as string,
    name: s.name!,
    org: signed.org as string,
    kind: signed.kind as string,
    certType: s.certType!,
    certRole: s.certRole!,
    scheme: s.scheme!,
    defaultConnectionSecurity: s.security!,
    server: s.server!,
    provisionVersion: s.provisionVersion!,
    fingerprint: s.fingerprint!,
    certificate: s.certificate!,
    certPem: s.certPem!,
    root: s.root!,
    rootPem: s.rootPem!,
    siteDocument: s.siteDocument!,
    hashes: { csr: normalizeHash(hashes.csr_sha256), publicKey: s.publicKey! },
  };
}

/** What {@link checkSignedZip} found: every check's result and whatever could be read. */
export interface SignedZipCheck {
  checks: CheckResult[];
  members: Members | undefined;
  signed: Record<string, unknown> | undefined;
  siteDocument: Record<string, unknown> | undefined;
  certificate: ParsedCertificate | undefined;
  root: ParsedCertificate | undefined;
  /** Canonical fingerprint of the included rootCA.pem, when it parsed. */
  fingerprint: string | undefined;
}

/**
 * Runs every signed-zip check of {@link verifySignedZip} that can run and reports each one
 * (`cert inspect`); never throws a FlareError. Also returns the parts it could read.
 */
export async function checkSignedZip(
  zipBytes: Uint8Array,
  options: { label: string; expectedFingerprint?: string | undefined },
  deps: CoreDeps,
): Promise<SignedZipCheck> {
  const s: SignedZipState = {
    zipBytes,
    label: options.label,
    expectedFingerprint: options.expectedFingerprint,
    deps,
  };
  const checks = await collectChecks(signedZipSteps(options.expectedFingerprint !== undefined), s);
  return {
    checks,
    members: s.members,
    signed: s.signed,
    siteDocument: s.siteDocument,
    certificate: s.certificate,
    root: s.root,
    fingerprint: s.fingerprint,
  };
}

/** Whether `pem` holds a readable certificate at all (which message a refused rootCA.pem gets). */
function loadsLeniently(pem: Uint8Array): boolean {
  try {
    parseCertificate(pem);
    return true;
  } catch {
    return false;
  }
}

function kindExample(kind: unknown): string {
  if (kind === "site") return "client";
  if (kind === "server") return "server";
  return "org_admin, lead or member";
}

/** Certificate validity check, split out for the package step order (validation.md §4.4 row 27). */
export function checkNotExpired(certificate: ParsedCertificate, name: string, now: Date): void {
  if (certificate.notAfter < now) {
    throw new FlareError("CERT_EXPIRED", {
      message: `Certificate ${name} expired at ${isoSeconds(certificate.notAfter)}.`,
    });
  }
}
