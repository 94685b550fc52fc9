import { utf8 } from "../bytes/encoding.ts";
import { normalizeHash, sha256Hex } from "../bytes/hash.ts";
import { isoSeconds } from "../bytes/time.ts";
import type { CoreDeps } from "../deps.ts";
import { FlareError, invalidArgs } from "../errors/flare-error.ts";
import { isMapping, parseJsonObject, parseYamlMapping } from "../inputs/structured.ts";
import { dumpJson } from "../json/dump-json.ts";
import {
  checkCertType,
  checkIdentityName,
  checkOrgName,
  checkProjectName,
  checkRequestId,
  checkRequestKind,
  checkSafeCertName,
  isValidDeployVersion,
  isValidHostName,
  pyTruthy,
} from "../names/name-rules.ts";
import {
  checkSanitizedSiteParticipant,
  checkSiteIdentityMatches,
  readSiteIdentity,
  sanitizeSiteDocument,
} from "../participant/site-yaml.ts";
import { type ProjectProfile, parseProjectProfile } from "../profile/parse-profile.ts";
import { type ParsedCertificate, parseCertificate } from "../x509/certificate.ts";
import { parseCsr } from "../x509/csr.ts";
import { fingerprintSha256, normalizeFingerprint, spkiSha256 } from "../x509/fingerprint.ts";
import { issueLeafCertificate, serverSubjectAltNames, signingCaProblem } from "../x509/issue.ts";
import { parsePrivateKeyPem } from "../x509/keys.ts";
import { signPss } from "../x509/pss.ts";
import { randomSerial } from "../x509/serial.ts";
import { dumpYaml } from "../yaml/dump-yaml.ts";
import { writeZip } from "../zip/write-zip.ts";
import { readRequestZipMembers } from "./read-zip-members.ts";

/** A file the caller may or may not have found; `undefined` bytes = absent. */
export interface MaybeFile {
  /** The path as the user gave it or as it should appear in messages. */
  path: string;
  bytes: Uint8Array | undefined;
}

/** Everything `cert approve` reads, gathered by the caller; checks run in the spec's order here. */
export interface ApprovalInputs {
  requestZip: Uint8Array;
  /** The CA directory as given (`No root CA found at <ca-dir>.`). */
  caDir: string;
  caJson: MaybeFile;
  rootCaPem: MaybeFile;
  rootCaKey: MaybeFile;
  profile: MaybeFile;
  /** Leaf validity in days (default 1095 at the CLI). */
  validDays: number;
}

/** The verified request, as `cert approve --dry-run` and the signer see it. */
export interface VerifiedRequest {
  request: Record<string, unknown>;
  requestJsonBytes: Uint8Array;
  name: string;
  project: string;
  org: string;
  kind: string;
  certType: string;
  certRole: string | null;
  siteDocument: Record<string, unknown>;
  csrPem: Uint8Array;
  spkiDer: Uint8Array;
  csrSha256: string;
  publicKeySha256: string;
}

/** The approval: the signed zip and everything the audit record and the CLI report need. */
export interface Approval {
  verified: VerifiedRequest;
  signedJson: Record<string, unknown>;
  signedZip: Uint8Array;
  certificatePem: string;
  fingerprint: string;
  provisionVersion: string;
  profile: ProjectProfile;
  caMetadata: Record<string, unknown>;
  hashes: {
    siteYaml: string;
    certificate: string;
    rootCa: string;
    requestJson: string;
    requestSiteYaml: string;
  };
}

const REQUIRED_REQUEST_FIELDS = [
  "artifact_type",
  "schema_version",
  "request_id",
  "project",
  "name",
  "org",
  "kind",
  "cert_type",
  "csr_sha256",
  "public_key_sha256",
  "site_yaml_sha256",
] as const;

/**
 * Verifies a request zip on its own (validation.md §4.3 rows 3-19c): zip safety, member set,
 * request.json fields, site.yaml identity and hash, the CSR's signature, subject and hashes.
 */
export async function verifyRequestZip(zipBytes: Uint8Array, deps: CoreDeps): Promise<VerifiedRequest> {
  const members = readRequestZipMembers(zipBytes);
  const requestJsonBytes = members.get("request.json");
  const siteBytes = members.get("site.yaml");
  if (!requestJsonBytes || !siteBytes)
    throw invalidArgs("request zip must contain request.json and site.yaml");
  let request: Record<string, unknown>;
  try {
    request = parseJsonObject(requestJsonBytes, "request.json");
  } catch (error) {
    throw invalidArgs(
      `invalid request metadata: ${error instanceof FlareError && error.detail ? error.detail : String(error)}`,
    );
  }
  const name = request.name;
  checkSafeCertName(name, request.cert_type);
  const expected = [`${String(name)}.csr`, "request.json", "site.yaml"].sort();
  const actual = [...members.keys()].sort();
  if (actual.length !== expected.length || actual.some((member, i) => member !== expected[i])) {
    throw invalidArgs(`request zip must contain only: ${expected.join(", ")}`);
  }
  const siteDocument = parseYamlMapping(siteBytes, "site.yaml");

  const missing = REQUIRED_REQUEST_FIELDS.filter((field) => !pyTruthy(request[field]));
  if (missing.length > 0)
    throw invalidArgs(`request metadata missing required field(s): ${missing.join(", ")}`);
  if (request.artifact_type !== "nvflare.cert.request" || request.schema_version !== "1") {
    throw invalidArgs("unsupported request artifact metadata");
  }
  checkRequestId(request.request_id);
  const project = checkProjectName(request.project);
  const org = checkOrgName(request.org);
  const certType = checkCertType(request.cert_type);
  checkSafeCertName(name, certType);
  const kind = checkRequestKind(request.kind, certType, request.cert_role);
  const certRole = kind === "user" ? certType : null;
  const validName = checkIdentityName(name, certType);

  const site = readSiteIdentity(siteDocument, "approve");
  checkSiteIdentityMatches(
    site,
    { ...request, cert_role: pyTruthy(request.cert_role) ? request.cert_role : null },
    "approve",
  );
  checkSanitizedSiteParticipant(site, "approve");
  if ((await sha256Hex(deps, siteBytes)) !== normalizeHash(request.site_yaml_sha256)) {
    throw invalidArgs("site.yaml hash does not match request metadata");
  }

  const csrPem = members.get(`${validName}.csr`) as Uint8Array;
  let csr: Awaited<ReturnType<typeof parseCsr>>;
  try {
    csr = await parseCsr(csrPem, deps);
  } catch (error) {
    throw new FlareError("INVALID_CSR", {
      message: `Invalid or corrupt CSR file: ${validName}.csr.`,
      cause: error,
    });
  }
  if (!csr.signatureValid) {
    throw new FlareError("INVALID_CSR", {
      message: `Invalid or corrupt CSR file: ${validName}.csr.`,
      detail: "the CSR signature does not verify",
    });
  }
  const expectedCn = certType === "server" ? validName.slice(0, 64) : validName;
  if (csr.subject.commonName !== expectedCn)
    throw invalidArgs("CSR common name does not match request metadata");
  if (csr.subject.unstructuredName !== certType)
    throw invalidArgs("CSR role does not match request metadata");
  if (csr.subject.organization !== org) throw invalidArgs("CSR organization does not match request metadata");
  const csrSha256 = await sha256Hex(deps, csrPem);
  if (csrSha256 !== normalizeHash(request.csr_sha256))
    throw invalidArgs("CSR hash does not match request metadata");
  const publicKeySha256 = await spkiSha256(csr.spkiDer, deps);
  if (publicKeySha256 !== normalizeHash(request.public_key_sha256)) {
    throw invalidArgs("CSR public key hash does not match request metadata");
  }
  return {
    request,
    requestJsonBytes,
    name: validName,
    project,
    org,
    kind,
    certType,
    certRole,
    siteDocument,
    csrPem,
    spkiDer: csr.spkiDer,
    csrSha256,
    publicKeySha256,
  };
}

/** The CA as `cert approve` loaded and checked it (validation.md §4.3 rows 20-25). */
interface LoadedCa {
  metadata: Record<string, unknown>;
  root: ParsedCertificate;
  rootPemBytes: Uint8Array;
  provisionVersion: string;
  fingerprint: string;
}

async function loadCa(inputs: ApprovalInputs, project: string, deps: CoreDeps): Promise<LoadedCa> {
  if (!inputs.caJson.bytes || !inputs.rootCaPem.bytes) {
    throw new FlareError("CA_NOT_FOUND", { message: `No root CA found at ${inputs.caDir}.` });
  }
  const metadata = parseJsonObject(inputs.caJson.bytes, inputs.caJson.path);
  const caProject = checkProjectName(metadata.project);
  if (caProject !== project) {
    throw new FlareError("PROJECT_CA_MISMATCH", {
      message: `Request project '${project}' does not match CA project '${caProject}'.`,
    });
  }
  let root: ParsedCertificate;
  try {
    root = parseCertificate(inputs.rootCaPem.bytes);
  } catch (error) {
    throw new FlareError("CA_LOAD_FAILED", {
      message: `Failed to load root CA material from ${inputs.caDir}.`,
      detail: String(error),
      cause: error,
    });
  }
  const version = metadata.provision_version;
  const provisionVersion = version === undefined || version === null || version === "" ? "00" : version;
  if (!isValidDeployVersion(provisionVersion))
    throw invalidArgs("CA provision_version must be exactly two digits, for example 00");
  const fingerprint = await fingerprintSha256(root.der, deps);
  const recorded = metadata.rootCA_fingerprint;
  if (recorded !== undefined && recorded !== null && recorded !== "") {
    const normalized = normalizeFingerprint(recorded);
    if (!normalized) {
      throw new FlareError("INVALID_ROOTCA_FINGERPRINT", {
        message: `Invalid root CA fingerprint in ca.json: '${String(recorded)}'.`,
      });
    }
    if (normalized !== fingerprint) {
      throw new FlareError("ROOTCA_FINGERPRINT_MISMATCH", {
        message: "Root CA fingerprint in ca.json does not match rootCA.pem.",
        hint: "The CA directory was modified; restore rootCA.pem and ca.json from the same 'cert init' run.",
      });
    }
  }
  if (root.subject.commonName !== project) {
    throw new FlareError("PROJECT_CA_MISMATCH", {
      message: `Request project '${project}' does not match root CA subject '${root.subject.commonName ?? ""}'.`,
    });
  }
  return {
    metadata: { ...metadata, provision_version: provisionVersion, rootCA_fingerprint: fingerprint },
    root,
    rootPemBytes: inputs.rootCaPem.bytes,
    provisionVersion,
    fingerprint,
  };
}

function loadProfile(file: MaybeFile, project: string): ProjectProfile {
  if (!file.bytes) throw invalidArgs(`project profile file not found: ${file.path}`);
  return parseProjectProfile(parseYamlMapping(file.bytes, file.path), file.path, project);
}

/**
 * Approves a request (validation.md §4.3 rows 3-33): verifies the zip, the CA and the
 * profile, issues the certificate, builds and signs `signed.json` and the signed zip. Pure:
 * the caller writes the zip and the audit record.
 */
export async function approveRequest(inputs: ApprovalInputs, deps: CoreDeps): Promise<Approval> {
  const verified = await verifyRequestZip(inputs.requestZip, deps);
  const ca = await loadCa(inputs, verified.project, deps);
  const profile = loadProfile(inputs.profile, verified.project);
  if (verified.certType === "server" && verified.name !== profile.server.host) {
    throw new FlareError("SERVER_NAME_HOST_MISMATCH", {
      message: `Server participant name '${verified.name}' does not match project profile server.host '${profile.server.host}'.`,
    });
  }
  if (!inputs.rootCaKey.bytes)
    throw new FlareError("CA_NOT_FOUND", { message: `No root CA found at ${inputs.caDir}.` });
  let caKey: Awaited<ReturnType<typeof parsePrivateKeyPem>>;
  try {
    caKey = await parsePrivateKeyPem(inputs.rootCaKey.bytes, deps);
  } catch (error) {
    throw new FlareError("CA_LOAD_FAILED", {
      message: `Failed to load root CA material from ${inputs.caDir}.`,
      detail: String(error instanceof Error ? error.message : error),
      cause: error,
    });
  }
  if (!equalBytes(caKey.spkiDer, ca.root.spkiDer)) {
    throw new FlareError("CA_LOAD_FAILED", {
      message: `Failed to load root CA material from ${inputs.caDir}.`,
      detail: "rootCA.key does not match rootCA.pem",
    });
  }
  const now = deps.now();
  const caProblem = signingCaProblem(ca.root, now);
  if (caProblem) throw signingFailed(caProblem);
  const duplicated = (await parseCsr(verified.csrPem, deps)).subject.duplicated();
  if (duplicated.length > 0)
    throw signingFailed(`CSR contains duplicate subject attribute for OID '${duplicated[0]}'`);

  const sans =
    verified.certType === "server"
      ? serverSubjectAltNames(profile.server.host, hostNamesOf(verified.siteDocument, verified.name))
      : [{ type: "dns" as const, value: verified.name }];
  let certificatePem: string;
  try {
    certificatePem = await issueLeafCertificate(
      {
        commonName: verified.certType === "server" ? verified.name.slice(0, 64) : verified.name,
        org: verified.org,
        certType: verified.certType as "server" | "client" | "org_admin" | "lead" | "member",
        spkiDer: verified.spkiDer,
        subjectAltNames: sans,
        validDays: inputs.validDays,
        serial: randomSerial(deps),
      },
      { certificate: ca.root, privateKey: caKey.privateKey },
      deps,
    );
  } catch (error) {
    throw signingFailed(error instanceof Error ? error.message : String(error));
  }
  const issued = parseCertificate(certificatePem);

  // artifacts.md §5: the site.yaml is sanitized again and re-serialized for the signed zip.
  const siteYaml = dumpYaml(sanitizeSiteDocument(verified.siteDocument));
  const hashes = {
    siteYaml: await sha256Hex(deps, siteYaml),
    certificate: await sha256Hex(deps, certificatePem),
    rootCa: await sha256Hex(deps, ca.rootPemBytes),
    requestJson: await sha256Hex(deps, verified.requestJsonBytes),
    requestSiteYaml: normalizeHash(verified.request.site_yaml_sha256),
  };
  const signedJson: Record<string, unknown> = {
    artifact_type: "nvflare.cert.signed",
    schema_version: "1",
    request_id: verified.request.request_id,
    approved_at: isoSeconds(now),
    project: verified.project,
    name: verified.name,
    org: verified.org,
    kind: verified.kind,
    cert_type: verified.certType,
    certificate: { serial: issued.serialHex, valid_until: isoSeconds(issued.notAfter) },
    cert_file: `${verified.name}.crt`,
    rootca_file: "rootCA.pem",
    ca_info: { provision_version: ca.provisionVersion, rootCA_fingerprint: ca.fingerprint },
    hashes: {
      csr_sha256: verified.csrSha256,
      site_yaml_sha256: hashes.siteYaml,
      certificate_sha256: hashes.certificate,
      rootca_sha256: hashes.rootCa,
      public_key_sha256: verified.publicKeySha256,
    },
    scheme: profile.scheme,
    default_connection_security: profile.connectionSecurity,
    server: {
      host: profile.server.host,
      fed_learn_port: profile.server.fedLearnPort,
      admin_port: profile.server.adminPort,
    },
  };
  if (verified.certRole !== null) signedJson.cert_role = verified.certRole;
  const signedJsonText = dumpJson(signedJson, { indent: 2 });
  let signature: string;
  try {
    signature = await signPss(utf8(signedJsonText), caKey.pkcs8Der, deps);
  } catch (error) {
    throw new FlareError("CERT_SIGNING_FAILED", {
      message: `Failed to sign approval metadata: ${error instanceof Error ? error.message : String(error)}.`,
      hint: "Check that the CA key is valid and readable.",
    });
  }
  const signedZip = writeZip(
    [
      { name: "signed.json", data: utf8(signedJsonText) },
      { name: "signed.json.sig", data: utf8(signature) },
      { name: "site.yaml", data: utf8(siteYaml) },
      { name: `${verified.name}.crt`, data: utf8(certificatePem) },
      { name: "rootCA.pem", data: ca.rootPemBytes },
    ],
    { date: now },
  );
  return {
    verified,
    signedJson,
    signedZip,
    certificatePem,
    fingerprint: ca.fingerprint,
    provisionVersion: ca.provisionVersion,
    profile,
    caMetadata: ca.metadata,
    hashes,
  };
}

function signingFailed(reason: string): FlareError {
  return new FlareError("CERT_SIGNING_FAILED", { message: `Certificate signing failed: ${reason}` });
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/** The participant's `host_names` (a string counts as one), certificates.md §5 rule 2. */
function hostNamesOf(siteDocument: Record<string, unknown>, name: string): string[] {
  const participants = siteDocument.participants;
  const participant = Array.isArray(participants)
    ? (participants.find((p) => isMapping(p) && p.name === name) ?? participants[0])
    : undefined;
  if (!isMapping(participant)) return [];
  const value = participant.host_names;
  const hosts = typeof value === "string" ? [value] : Array.isArray(value) ? value : [];
  return hosts.map((host) => {
    // Hardening: only valid host names may become SANs, whatever the request's site.yaml says.
    if (typeof host !== "string" || !isValidHostName(host.trim())) {
      throw invalidArgs(`participant host_names entry is not a valid host name: ${JSON.stringify(host)}`);
    }
    return host.trim();
  });
}
