import { readSignedZipMembers } from "../approval/read-zip-members.ts";
import { fromUtf8 } from "../bytes/encoding.ts";
import { normalizeHash, sha256Hex } from "../bytes/hash.ts";
import { isoSeconds } from "../bytes/time.ts";
import type { CoreDeps } from "../deps.ts";
import { FlareError } from "../errors/flare-error.ts";
import { isMapping } from "../inputs/structured.ts";
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
  normalizeConnectionSecurity,
  normalizeScheme,
  projectNameProblem,
  pyTruthy,
  safeCertNameProblem,
} from "../names/name-rules.ts";
import {
  checkSanitizedSiteParticipant,
  checkSiteIdentityMatches,
  readSiteIdentity,
} from "../participant/site-yaml.ts";
import { type ParsedCertificate, parseCertificate } from "../x509/certificate.ts";
import { fingerprintSha256, normalizeFingerprint, spkiSha256 } from "../x509/fingerprint.ts";
import { verifyPss } from "../x509/pss.ts";
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

/**
 * Verifies a signed zip on its own (validation.md §4.4 rows 4-21): zip safety and member set,
 * the PSS signature over the exact signed.json bytes with the included root (before any field
 * is trusted), metadata, site.yaml identity, hashes, certificate identity, CA info, and the
 * out-of-band fingerprint when given (`expectedFingerprint`). `label` names the zip in messages.
 */
export async function verifySignedZip(
  zipBytes: Uint8Array,
  options: { label: string; expectedFingerprint?: string | undefined },
  deps: CoreDeps,
): Promise<VerifiedApproval> {
  const { label } = options;
  const members = readSignedZipMembers(zipBytes, label);
  const required = ["rootCA.pem", "signed.json", "signed.json.sig", "site.yaml"];
  const missing = required.filter((name) => !members.has(name));
  if (missing.length > 0) throw bad(`Signed zip is missing required file(s): ${missing.sort().join(", ")}.`);
  const crts = [...members.keys()].filter((name) => name.endsWith(".crt"));
  if (crts.length !== 1) throw bad("Signed zip must contain exactly one signed certificate.");
  const unexpected = [...members.keys()].filter((name) => !required.includes(name) && !name.endsWith(".crt"));
  if (unexpected.length > 0)
    throw bad(`Signed zip contains unexpected file(s): ${unexpected.sort().join(", ")}.`);
  const crtName = crts[0] as string;
  const signedJsonBytes = members.get("signed.json") as Uint8Array;
  const rootPem = members.get("rootCA.pem") as Uint8Array;
  const certPem = members.get(crtName) as Uint8Array;

  // Row 5: nothing in signed.json is read before its signature verifies.
  let root: ParsedCertificate;
  try {
    root = parseCertificate(rootPem);
  } catch (error) {
    throw bad("Signed approval metadata signature is invalid: cannot load rootCA.pem.", String(error));
  }
  let sigText: string;
  try {
    sigText = fromUtf8(members.get("signed.json.sig") as Uint8Array);
  } catch {
    sigText = "";
  }
  if (!(await verifyPss(signedJsonBytes, sigText, root.spkiDer, deps))) {
    throw bad(
      "Signed approval metadata signature is invalid: the RSA-PSS signature does not verify with the included rootCA.pem.",
    );
  }

  let signed: unknown;
  try {
    signed = parseJson(signedJsonBytes, "signed.json");
  } catch (error) {
    throw bad(`Failed to read signed.json from signed zip ${label}: ${(error as Error).message}.`);
  }
  if (!isMapping(signed))
    throw bad(`Failed to read signed.json from signed zip ${label}: not a JSON object.`);
  let siteDocument: unknown;
  try {
    siteDocument = parseYaml(members.get("site.yaml") as Uint8Array, "site.yaml");
  } catch (error) {
    throw bad(`Failed to read site.yaml from signed zip ${label}: ${(error as Error).message}.`);
  }
  if (!isMapping(siteDocument)) throw bad("site.yaml in signed zip must be a mapping.");

  if (signed.artifact_type !== "nvflare.cert.signed" || signed.schema_version !== "1") {
    throw bad("Signed zip metadata has an unsupported artifact type or schema version.");
  }
  const absent = REQUIRED.filter((field) => !pyTruthy(signed[field]));
  if (absent.length > 0) throw bad(`Signed zip metadata is missing required field(s): ${absent.join(", ")}.`);
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
  if (signed.cert_file !== crtName || signed.rootca_file !== "rootCA.pem") {
    throw bad("Signed zip metadata file names do not match zip contents.");
  }

  let provisionVersion = "00";
  let signedFingerprint: string | undefined;
  if (signed.ca_info !== undefined) {
    const caInfo = signed.ca_info;
    if (!isMapping(caInfo)) throw bad("Signed zip ca_info must be a mapping.");
    const version = caInfo.provision_version ?? "00";
    if (!isValidDeployVersion(version)) throw bad(`Invalid provision version: '${String(version)}'.`);
    provisionVersion = version as string;
    const fp = caInfo.rootCA_fingerprint;
    if (fp !== undefined && fp !== null && fp !== "") {
      signedFingerprint = normalizeFingerprint(fp);
      if (!signedFingerprint) {
        throw new FlareError("INVALID_ROOTCA_FINGERPRINT", {
          message: `Invalid signed ca_info root CA fingerprint: '${String(fp)}'.`,
        });
      }
    }
  }

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
  if (!isValidHostName(host)) throw bad(`Signed approval metadata server.host is invalid: '${host}'.`);
  if (!isValidPort(server.fed_learn_port))
    throw bad("Signed approval metadata server.fed_learn_port must be an integer from 1 to 65535.");
  const adminPort = server.admin_port ?? server.fed_learn_port;
  if (!isValidPort(adminPort))
    throw bad("Signed approval metadata server.admin_port must be an integer from 1 to 65535.");

  const certRole = certType === "org_admin" || certType === "lead" || certType === "member" ? certType : null;
  let site: ReturnType<typeof readSiteIdentity>;
  try {
    site = readSiteIdentity(siteDocument, "package");
  } catch {
    throw bad("site.yaml must identify exactly one participant.");
  }
  checkSiteIdentityMatches(
    site,
    { ...signed, cert_role: pyTruthy(signed.cert_role) ? signed.cert_role : certRole },
    "package",
  );
  checkSanitizedSiteParticipant(site, "package");

  const hashes = signed.hashes;
  if (!isMapping(hashes) || HASH_KEYS.some((key) => !pyTruthy(hashes[key])))
    throw bad("Signed zip metadata is missing required hashes.");
  if (
    (await sha256Hex(deps, members.get("site.yaml") as Uint8Array)) !== normalizeHash(hashes.site_yaml_sha256)
  ) {
    throw bad("Hash mismatch for site.yaml in signed zip.");
  }
  if ((await sha256Hex(deps, certPem)) !== normalizeHash(hashes.certificate_sha256))
    throw bad("Hash mismatch for cert in signed zip.");
  if ((await sha256Hex(deps, rootPem)) !== normalizeHash(hashes.rootca_sha256))
    throw bad("Hash mismatch for rootCA.pem in signed zip.");

  let certificate: ParsedCertificate;
  try {
    certificate = parseCertificate(certPem);
  } catch (error) {
    throw bad(`Failed to load certificate from signed zip: ${(error as Error).message}.`);
  }
  const publicKey = await spkiSha256(certificate.spkiDer, deps);
  if (publicKey !== normalizeHash(hashes.public_key_sha256))
    throw bad("Public key hash mismatch for signed certificate.");
  if (crtName !== `${name}.crt`)
    throw bad(`Signed zip certificate '${crtName}' does not match participant '${name}'.`);

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

  const fingerprint = await fingerprintSha256(root.der, deps);
  if (signedFingerprint !== undefined && signedFingerprint !== fingerprint) {
    throw new FlareError("ROOTCA_FINGERPRINT_MISMATCH", {
      message: "Signed ca_info root CA fingerprint does not match included rootCA.pem.",
    });
  }
  if (options.expectedFingerprint !== undefined) {
    const expected = normalizeFingerprint(options.expectedFingerprint);
    if (!expected) {
      throw new FlareError("INVALID_ROOTCA_FINGERPRINT", {
        message: `Invalid expected root CA SHA256 fingerprint: '${options.expectedFingerprint}'.`,
        hint: "Use the rootca_fingerprint_sha256 value printed by 'nvflare cert approve' (SHA256:AA:BB:... or 64 hex digits).",
      });
    }
    if (expected !== fingerprint) {
      throw new FlareError("ROOTCA_FINGERPRINT_MISMATCH", {
        message: "Root CA SHA256 fingerprint does not match the expected out-of-band value.",
        hint: `Expected ${expected}; actual ${fingerprint}. Verify that the signed zip came from the intended Project Admin.`,
      });
    }
  }
  return {
    signed,
    signedJsonBytes,
    requestId: requestId as string,
    project: project as string,
    name,
    org: org as string,
    kind: kind as string,
    certType,
    certRole,
    scheme,
    defaultConnectionSecurity: security,
    server: { host, fedLearnPort: server.fed_learn_port as number, adminPort: adminPort as number },
    provisionVersion,
    fingerprint,
    certificate,
    certPem,
    root,
    rootPem,
    siteDocument,
    hashes: { csr: normalizeHash(hashes.csr_sha256), publicKey },
  };
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
