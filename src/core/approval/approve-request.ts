import { utf8 } from "../bytes/encoding.ts";
import { normalizeHash, sha256Hex } from "../bytes/hash.ts";
import { isoSeconds } from "../bytes/time.ts";
import type { CoreDeps, WebCryptoKey } from "../deps.ts";
import { FlareError, invalidArgs } from "../errors/flare-error.ts";
import { isMapping, parseJsonObject, parseYamlMapping } from "../inputs/structured.ts";
import { type CheckStep, collectChecks, runSteps } from "../inspect/check-steps.ts";
import type { CheckResult } from "../inspect/types.ts";
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
import { loadTrustedCrl, SIGNED_CRL_KEY } from "../package/package-crl.ts";
import {
  checkSanitizedSiteParticipant,
  checkSiteIdentityMatches,
  readSiteIdentity,
  sanitizeSiteDocument,
} from "../participant/site-yaml.ts";
import { type ProjectProfile, parseProjectProfile } from "../profile/parse-profile.ts";
import { normalizeRequestCode, requestCode, sameRequestCode } from "../request/request-code.ts";
import { checkAgainstRoster, type Roster } from "../roster/roster.ts";
import { type ParsedCertificate, parseCertificate } from "../x509/certificate.ts";
import { type ParsedCsr, parseCsr } from "../x509/csr.ts";
import { decryptPrivateKey, isEncryptedKeyPem, WrongPassphraseError } from "../x509/encrypted-key.ts";
import { fingerprintSha256, normalizeFingerprint, spkiSha256 } from "../x509/fingerprint.ts";
import {
  issueLeafCertificate,
  type SubjectAltName,
  serverSubjectAltNames,
  signingCaProblem,
} from "../x509/issue.ts";
import { MIN_RSA_BITS, rsaKeyPolicyProblem } from "../x509/key-policy.ts";
import { type LoadedPrivateKey, loadPkcs8, parsePrivateKeyPem } from "../x509/keys.ts";
import { importPssSigningKey, signPssWithKey } from "../x509/pss.ts";
import { randomSerial } from "../x509/serial.ts";
import { parseSoleCertificate } from "../x509/sole-certificate.ts";
import { dumpYaml } from "../yaml/dump-yaml.ts";
import { writeZip } from "../zip/write-zip.ts";
import { type Members, readRequestZipMembers } from "./read-zip-members.ts";

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
  /**
   * The request code the participant read out (`--expect-code`), any spelling; a different
   * code refuses the request (`REQUEST_CODE_MISMATCH`) before the CA is even loaded.
   */
  expectedCode?: string | undefined;
  /** The expected participants (`--roster`): a request not on it, or differing, is refused. */
  roster?: Roster | undefined;
  /**
   * Opens an encrypted `rootCA.key` (the `ENCRYPTED PRIVATE KEY` PEM) and returns its DER
   * PKCS#8; the host asks for the passphrase and may cache the result for a batch (see
   * {@link unlockCaKeyPem}). Without it an encrypted key is `PASSPHRASE_REQUIRED`.
   */
  unlockCaKey?: ((encryptedPem: Uint8Array) => Promise<Uint8Array>) | undefined;
  /** The CA folder's current `crl.pem`, if it has one: carried in signed.json (package-crl.ts). */
  crlPem?: Uint8Array | undefined;
  /**
   * Shared by the approvals of one batch: the CA key imported for the first one is reused while
   * `rootCA.key` holds the same bytes (importing an RSA key costs more than signing with it).
   */
  caKeyCache?: CaKeyCache | undefined;
}

/** The last imported CA key and the `rootCA.key` bytes it came from (see `caKeyCache`). */
export interface CaKeyCache {
  bytes?: Uint8Array;
  key?: LoadedPrivateKey;
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
  /** The site.yaml member as in the zip (the request code covers these bytes). */
  siteYamlBytes: Uint8Array;
  csrPem: Uint8Array;
  spkiDer: Uint8Array;
  csrSha256: string;
  publicKeySha256: string;
  /** The request code (docs/security.md "Request codes"), `XXXX-XXXX-XXXX-XXXX`. */
  requestCode: string;
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
  /** The certificate just issued. */
  issued: ParsedCertificate;
  /**
   * The root and its (non-extractable) WebCrypto key, which also sign the issuance ledger's
   * entry (docs/security.md); never the key's bytes, so a logged result shows no key.
   */
  signer: { root: ParsedCertificate; privateKey: WebCryptoKey };
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

/** What the request-zip steps derive, field by field, as they pass. */
interface RequestZipState {
  zipBytes: Uint8Array;
  deps: CoreDeps;
  members?: Members;
  requestJsonBytes?: Uint8Array;
  siteBytes?: Uint8Array;
  request?: Record<string, unknown>;
  /** `request.json` `name` once it passed the safe-cert-name rule. */
  name?: string;
  siteDocument?: Record<string, unknown>;
  project?: string;
  org?: string;
  certType?: string;
  kind?: string;
  certRole?: string | null;
  csrPem?: Uint8Array;
  csr?: ParsedCsr;
  csrSha256?: string;
  publicKeySha256?: string;
}

/**
 * The request-zip checks of validation.md §4.3 rows 3-19c, in the reference's order. Run
 * fail-fast they are `cert approve`'s verification; collected they are `cert inspect`'s.
 */
const REQUEST_ZIP_STEPS: readonly CheckStep<RequestZipState>[] = [
  {
    id: "zip-safety",
    pass: "the zip is well-formed, every member name is safe and no member holds a private key",
    run: (s) => {
      s.members = readRequestZipMembers(s.zipBytes);
    },
  },
  {
    id: "request-json",
    needs: ["zip-safety"],
    pass: "request.json and site.yaml are present and request.json is a JSON object",
    run: (s) => {
      s.requestJsonBytes = s.members!.get("request.json");
      s.siteBytes = s.members!.get("site.yaml");
      if (!s.requestJsonBytes || !s.siteBytes)
        throw invalidArgs("request zip must contain request.json and site.yaml");
      try {
        s.request = parseJsonObject(s.requestJsonBytes, "request.json");
      } catch (error) {
        throw invalidArgs(
          `invalid request metadata: ${error instanceof FlareError && error.detail ? error.detail : String(error)}`,
        );
      }
    },
  },
  {
    id: "member-set",
    needs: ["request-json"],
    pass: (s) => `the zip holds exactly ${s.name}.csr, request.json and site.yaml`,
    run: (s) => {
      const request = s.request!;
      const name = checkSafeCertName(request.name, request.cert_type);
      const expected = [`${String(name)}.csr`, "request.json", "site.yaml"].sort();
      const actual = [...s.members!.keys()].sort();
      if (actual.length !== expected.length || actual.some((member, i) => member !== expected[i])) {
        throw invalidArgs(`request zip must contain only: ${expected.join(", ")}`);
      }
      s.name = String(name);
    },
  },
  {
    id: "site-yaml",
    needs: ["request-json"],
    pass: "site.yaml is a YAML mapping",
    run: (s) => {
      s.siteDocument = parseYamlMapping(s.siteBytes!, "site.yaml");
    },
  },
  {
    id: "request-metadata",
    needs: ["member-set"],
    pass: "request.json has every required field and a valid request_id, project, org, kind and cert_type",
    run: (s) => {
      const request = s.request!;
      const missing = REQUIRED_REQUEST_FIELDS.filter((field) => !pyTruthy(request[field]));
      if (missing.length > 0)
        throw invalidArgs(`request metadata missing required field(s): ${missing.join(", ")}`);
      if (request.artifact_type !== "nvflare.cert.request" || request.schema_version !== "1") {
        throw invalidArgs("unsupported request artifact metadata");
      }
      checkRequestId(request.request_id);
      s.project = checkProjectName(request.project);
      s.org = checkOrgName(request.org);
      s.certType = checkCertType(request.cert_type);
      checkSafeCertName(request.name, s.certType);
      s.kind = checkRequestKind(request.kind, s.certType, request.cert_role);
      s.certRole = s.kind === "user" ? s.certType : null;
      s.name = checkIdentityName(request.name, s.certType);
    },
  },
  {
    id: "site-identity",
    needs: ["site-yaml", "request-metadata"],
    pass: "site.yaml names the same participant as request.json and carries no local-only fields",
    run: (s) => {
      const request = s.request!;
      const site = readSiteIdentity(s.siteDocument, "approve");
      checkSiteIdentityMatches(
        site,
        { ...request, cert_role: pyTruthy(request.cert_role) ? request.cert_role : null },
        "approve",
      );
      checkSanitizedSiteParticipant(site, "approve");
    },
  },
  {
    id: "site-yaml-hash",
    needs: ["request-json"],
    pass: "SHA-256 of site.yaml equals request.json site_yaml_sha256",
    run: async (s) => {
      if ((await sha256Hex(s.deps, s.siteBytes!)) !== normalizeHash(s.request!.site_yaml_sha256)) {
        throw invalidArgs("site.yaml hash does not match request metadata");
      }
    },
  },
  {
    id: "csr-signature",
    needs: ["member-set"],
    pass: "the CSR parses and its self-signature verifies",
    run: async (s) => {
      const csrName = `${s.name}.csr`;
      s.csrPem = s.members!.get(csrName) as Uint8Array;
      try {
        s.csr = await parseCsr(s.csrPem, s.deps);
      } catch (error) {
        throw new FlareError("INVALID_CSR", {
          message: `Invalid or corrupt CSR file: ${csrName}.`,
          cause: error,
        });
      }
      if (!s.csr.signatureValid) {
        throw new FlareError("INVALID_CSR", {
          message: `Invalid or corrupt CSR file: ${csrName}.`,
          detail: "the CSR signature does not verify",
        });
      }
    },
  },
  {
    id: "csr-key-strength",
    needs: ["csr-signature"],
    pass: `the CSR public key meets the key-strength policy (RSA, at least ${MIN_RSA_BITS} bits, exponent 65537)`,
    run: (s) => checkCsrKeyStrength(s.csr!, `${s.name}.csr`),
  },
  {
    id: "csr-subject",
    needs: ["csr-signature", "request-metadata"],
    pass: "the CSR subject (CN, O, unstructuredName) matches request.json",
    run: (s) => {
      const subject = s.csr!.subject;
      const expectedCn = s.certType === "server" ? s.name!.slice(0, 64) : s.name;
      if (subject.commonName !== expectedCn)
        throw invalidArgs("CSR common name does not match request metadata");
      if (subject.unstructuredName !== s.certType)
        throw invalidArgs("CSR role does not match request metadata");
      if (subject.organization !== s.org)
        throw invalidArgs("CSR organization does not match request metadata");
    },
  },
  {
    id: "csr-hash",
    needs: ["member-set"],
    pass: "SHA-256 of the CSR equals request.json csr_sha256",
    run: async (s) => {
      s.csrPem = s.members!.get(`${s.name}.csr`) as Uint8Array;
      s.csrSha256 = await sha256Hex(s.deps, s.csrPem);
      if (s.csrSha256 !== normalizeHash(s.request!.csr_sha256))
        throw invalidArgs("CSR hash does not match request metadata");
    },
  },
  {
    id: "public-key-hash",
    needs: ["csr-signature"],
    pass: "SHA-256 of the CSR public key equals request.json public_key_sha256",
    run: async (s) => {
      s.publicKeySha256 = await spkiSha256(s.csr!.spkiDer, s.deps);
      if (s.publicKeySha256 !== normalizeHash(s.request!.public_key_sha256)) {
        throw invalidArgs("CSR public key hash does not match request metadata");
      }
    },
  },
];

/**
 * The key-strength policy for a CSR (docs/security.md "Key strength"): `INVALID_CSR` naming the
 * file, the size and exponent found, and the policy, unless the key is RSA of at least
 * {@link MIN_RSA_BITS} bits with exponent 65537. NVFlare signs any RSA key (docs/interop.md).
 */
export function checkCsrKeyStrength(csr: ParsedCsr, csrName: string): void {
  const weak = rsaKeyPolicyProblem(csr.spkiDer);
  if (weak) {
    throw new FlareError("INVALID_CSR", {
      message: `Weak public key in CSR file ${csrName}: ${weak}.`,
      hint: "Create a new request with 'nvflare cert request' (it makes an RSA-2048 key with exponent 65537).",
    });
  }
}

/**
 * Verifies a request zip on its own (validation.md §4.3 rows 3-19c): zip safety, member set,
 * request.json fields, site.yaml identity and hash, the CSR's signature, subject and hashes.
 * Throws the first failure's FlareError.
 */
export async function verifyRequestZip(zipBytes: Uint8Array, deps: CoreDeps): Promise<VerifiedRequest> {
  const s: RequestZipState = { zipBytes, deps };
  await runSteps(REQUEST_ZIP_STEPS, s);
  return {
    request: s.request!,
    requestJsonBytes: s.requestJsonBytes!,
    name: s.name!,
    project: s.project!,
    org: s.org!,
    kind: s.kind!,
    certType: s.certType!,
    certRole: s.certRole!,
    siteDocument: s.siteDocument!,
    siteYamlBytes: s.siteBytes!,
    csrPem: s.csrPem!,
    spkiDer: s.csr!.spkiDer,
    csrSha256: s.csrSha256!,
    publicKeySha256: s.publicKeySha256!,
    requestCode: await requestCode(
      {
        project: s.project!,
        name: s.name!,
        org: s.org!,
        certType: s.certType!,
        spkiDer: s.csr!.spkiDer,
        siteYaml: s.siteBytes!,
      },
      deps,
    ),
  };
}

/** What {@link checkRequestZip} found: every check's result and whatever could be read. */
export interface RequestZipCheck {
  checks: CheckResult[];
  members: Members | undefined;
  request: Record<string, unknown> | undefined;
  siteDocument: Record<string, unknown> | undefined;
  csr: ParsedCsr | undefined;
}

/**
 * Runs every request-zip check of {@link verifyRequestZip} that can run and reports each one
 * (`cert inspect`); never throws a FlareError. Also returns the parts it could read.
 */
export async function checkRequestZip(zipBytes: Uint8Array, deps: CoreDeps): Promise<RequestZipCheck> {
  const s: RequestZipState = { zipBytes, deps };
  const checks = await collectChecks(REQUEST_ZIP_STEPS, s);
  return { checks, members: s.members, request: s.request, siteDocument: s.siteDocument, csr: s.csr };
}

/** The CA as `cert approve` loaded and checked it (validation.md §4.3 rows 20-25). */
export interface LoadedCa {
  /** ca.json with `provision_version` and `rootCA_fingerprint` filled in (audit record). */
  metadata: Record<string, unknown>;
  root: ParsedCertificate;
  rootPemBytes: Uint8Array;
  provisionVersion: string;
  fingerprint: string;
}

/**
 * Loads and checks a CA directory's `ca.json` and `rootCA.pem` (validation.md §4.3 rows 20-25):
 * both present, ca.json an object with a valid project equal to `project`, the root loads,
 * the deploy version (default `00`) and recorded fingerprint agree with the root, and the
 * root's CN is the project. Without `project` the CA is compared with its own ca.json project
 * (`cert inspect` of a CA folder). Throws the reference's coded errors.
 */
export async function loadCa(
  inputs: Pick<ApprovalInputs, "caDir" | "caJson" | "rootCaPem">,
  project: string | undefined,
  deps: CoreDeps,
): Promise<LoadedCa> {
  if (!inputs.caJson.bytes || !inputs.rootCaPem.bytes) {
    throw new FlareError("CA_NOT_FOUND", { message: `No root CA found at ${inputs.caDir}.` });
  }
  const metadata = parseJsonObject(inputs.caJson.bytes, inputs.caJson.path);
  const caProject = checkProjectName(metadata.project);
  const expectedProject = project ?? caProject;
  if (caProject !== expectedProject) {
    throw new FlareError("PROJECT_CA_MISMATCH", {
      message: `Request project '${expectedProject}' does not match CA project '${caProject}'.`,
    });
  }
  let root: ParsedCertificate;
  try {
    // One certificate and nothing else: the signed zip carries these bytes as the trust anchor.
    root = parseSoleCertificate(inputs.rootCaPem.bytes);
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
  if (root.subject.commonName !== expectedProject) {
    const owner = project === undefined ? "CA project (ca.json)" : "Request project";
    throw new FlareError("PROJECT_CA_MISMATCH", {
      message: `${owner} '${expectedProject}' does not match root CA subject '${root.subject.commonName ?? ""}'.`,
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

/**
 * Loads `rootCA.key` and checks that it is the key of `root` (validation.md §4.3 row 30):
 * `CA_NOT_FOUND` when absent, `CA_LOAD_FAILED` when unreadable or not the root's key. An
 * encrypted key is opened with `inputs.unlockCaKey` (`PASSPHRASE_REQUIRED` without it).
 */
export async function loadCaKey(
  inputs: Pick<ApprovalInputs, "caDir" | "rootCaKey" | "unlockCaKey" | "caKeyCache">,
  root: ParsedCertificate,
  deps: CoreDeps,
): Promise<LoadedPrivateKey> {
  const bytes = inputs.rootCaKey.bytes;
  if (!bytes) throw new FlareError("CA_NOT_FOUND", { message: `No root CA found at ${inputs.caDir}.` });
  const cache = inputs.caKeyCache;
  let caKey: LoadedPrivateKey;
  try {
    if (cache?.key && cache.bytes && equalBytes(cache.bytes, bytes)) {
      // Same file bytes: the checks below still run against this approval's rootCA.pem.
      caKey = cache.key;
    } else if (isEncryptedKeyPem(bytes)) {
      if (!inputs.unlockCaKey) {
        throw new FlareError("PASSPHRASE_REQUIRED", {
          message: `The root CA key ${inputs.rootCaKey.path} is encrypted and no passphrase was given.`,
          hint: "Give its passphrase: 'nvflare cert approve' asks on the terminal or reads --passphrase-file / --passphrase-env; the web app has a passphrase field.",
        });
      }
      caKey = await loadPkcs8(await inputs.unlockCaKey(bytes), deps);
    } else {
      caKey = await parsePrivateKeyPem(bytes, deps);
    }
    if (cache && cache.key !== caKey) {
      cache.bytes = bytes.slice();
      cache.key = caKey;
    }
  } catch (error) {
    if (error instanceof FlareError) throw error;
    throw new FlareError("CA_LOAD_FAILED", {
      message: `Failed to load root CA material from ${inputs.caDir}.`,
      detail: String(error instanceof Error ? error.message : error),
      cause: error,
    });
  }
  if (!equalBytes(caKey.spkiDer, root.spkiDer)) {
    throw new FlareError("CA_LOAD_FAILED", {
      message: `Failed to load root CA material from ${inputs.caDir}.`,
      detail: "rootCA.key does not match rootCA.pem",
    });
  }
  // docs/security.md "Key strength": a weak root would make every certificate it signs weak.
  const weak = rsaKeyPolicyProblem(caKey.spkiDer);
  if (weak) {
    throw new FlareError("CA_LOAD_FAILED", {
      message: `Failed to load root CA material from ${inputs.caDir}.`,
      detail: `rootCA.key is too weak to sign with: ${weak}`,
      hint: "Create a new root CA with 'nvflare cert init' (RSA-2048, exponent 65537) in a fresh directory.",
    });
  }
  return caKey;
}

/**
 * Decrypts an encrypted `rootCA.key` with `passphrase` (the host's {@link ApprovalInputs}
 * `unlockCaKey` calls this): `CA_KEY_LOCKED` for a wrong passphrase, `CA_LOAD_FAILED` for a
 * key in a form we do not read. Returns the DER PKCS#8.
 */
export async function unlockCaKeyPem(
  pem: Uint8Array,
  passphrase: string,
  keyPath: string,
  deps: Pick<CoreDeps, "crypto">,
): Promise<Uint8Array> {
  try {
    return await decryptPrivateKey(pem, passphrase, deps);
  } catch (error) {
    if (error instanceof WrongPassphraseError) {
      throw new FlareError("CA_KEY_LOCKED", {
        message: `The passphrase does not unlock the root CA key ${keyPath}.`,
      });
    }
    throw new FlareError("CA_LOAD_FAILED", {
      message: `Failed to load the root CA key ${keyPath}.`,
      detail: error instanceof Error ? error.message : String(error),
      cause: error,
    });
  }
}

function loadProfile(file: MaybeFile, project: string): ProjectProfile {
  if (!file.bytes) throw invalidArgs(`project profile file not found: ${file.path}`);
  return parseProjectProfile(parseYamlMapping(file.bytes, file.path), file.path, project);
}

/** Everything approval decides before signing; `cert approve --dry-run` shows it. */
export interface ApprovalPlan {
  verified: VerifiedRequest;
  ca: LoadedCa;
  caKey: LoadedPrivateKey;
  profile: ProjectProfile;
  /** The approval time (`approved_at`, the zip timestamps, the leaf's notBefore). */
  now: Date;
  /** The leaf subject CN (a server name is cut to 64 characters, certificates.md §2). */
  commonName: string;
  /** The leaf's SubjectAltName entries, in order (certificates.md §4-5). */
  subjectAltNames: SubjectAltName[];
  /** The leaf validity: `now` in whole seconds, and min(notBefore + validDays, root notAfter). */
  notBefore: Date;
  notAfter: Date;
}

/**
 * Runs every check of `cert approve` (validation.md §4.3 rows 3-32: request zip, CA, profile,
 * server host, CA key, CA usable now, CSR subject without duplicates, SANs) and returns what
 * would be signed, without signing. Throws the first failure's FlareError.
 */
export async function planApproval(inputs: ApprovalInputs, deps: CoreDeps): Promise<ApprovalPlan> {
  const verified = await verifyRequestZip(inputs.requestZip, deps);
  if (inputs.expectedCode !== undefined) checkRequestCode(verified, inputs.expectedCode);
  if (inputs.roster) checkAgainstRoster(inputs.roster, verified);
  const ca = await loadCa(inputs, verified.project, deps);
  const profile = loadProfile(inputs.profile, verified.project);
  if (verified.certType === "server" && verified.name !== profile.server.host) {
    throw new FlareError("SERVER_NAME_HOST_MISMATCH", {
      message: `Server participant name '${verified.name}' does not match project profile server.host '${profile.server.host}'.`,
    });
  }
  const caKey = await loadCaKey(inputs, ca.root, deps);
  const now = deps.now();
  const caProblem = signingCaProblem(ca.root, now);
  if (caProblem) throw signingFailed(caProblem);
  const duplicated = (await parseCsr(verified.csrPem, deps)).subject.duplicated();
  if (duplicated.length > 0)
    throw signingFailed(`CSR contains duplicate subject attribute for OID '${duplicated[0]}'`);

  const subjectAltNames =
    verified.certType === "server"
      ? serverSubjectAltNames(profile.server.host, hostNamesOf(verified.siteDocument, verified.name))
      : [{ type: "dns" as const, value: verified.name }];
  // certificates.md §4: the same validity issueLeafCertificate will write.
  const notBefore = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const notAfter = new Date(
    Math.min(notBefore.getTime() + inputs.validDays * 86_400_000, ca.root.notAfter.getTime()),
  );
  return {
    verified,
    ca,
    caKey,
    profile,
    now,
    commonName: verified.certType === "server" ? verified.name.slice(0, 64) : verified.name,
    subjectAltNames,
    notBefore,
    notAfter,
  };
}

/**
 * Approves a request (validation.md §4.3 rows 3-33): {@link planApproval}, then issues the
 * certificate, builds and signs `signed.json` and the signed zip. Pure: the caller writes the
 * zip and the audit record.
 */
export async function approveRequest(inputs: ApprovalInputs, deps: CoreDeps): Promise<Approval> {
  const plan = await planApproval(inputs, deps);
  const { verified, ca, caKey, profile, now } = plan;
  let certificatePem: string;
  try {
    certificatePem = await issueLeafCertificate(
      {
        commonName: plan.commonName,
        org: verified.org,
        certType: verified.certType as "server" | "client" | "org_admin" | "lead" | "member",
        spkiDer: verified.spkiDer,
        subjectAltNames: plan.subjectAltNames,
        validDays: inputs.validDays,
        serial: randomSerial(deps),
      },
      { certificate: ca.root, privateKey: caKey.privateKey },
      { crypto: deps.crypto, now: () => now },
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
  if (inputs.crlPem !== undefined) {
    const crl = await loadTrustedCrl(
      { label: `${inputs.caDir}/crl.pem`, bytes: inputs.crlPem },
      ca.root,
      `${inputs.caDir}/rootCA.pem`,
      deps,
    );
    // An extra signed.json key: NVFlare ignores it, the CA's signature covers it.
    signedJson[SIGNED_CRL_KEY] = crl.pem;
  }
  const signedJsonText = dumpJson(signedJson, { indent: 2 });
  let signature: string;
  try {
    caKey.pssKey ??= await importPssSigningKey(caKey.pkcs8Der, deps);
    signature = await signPssWithKey(utf8(signedJsonText), caKey.pssKey, deps);
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
    issued,
    signer: { root: ca.root, privateKey: caKey.privateKey },
    hashes,
  };
}

/**
 * `--expect-code`: the code the participant read out must be this zip's (case, spaces and
 * dashes ignored). A code that is not 16 base32 characters is refused as a typo.
 */
export function checkRequestCode(verified: VerifiedRequest, expected: string): void {
  if (normalizeRequestCode(expected) === undefined) {
    throw invalidArgs(
      `the expected request code '${expected}' is not 16 base32 characters (XXXX-XXXX-XXXX-XXXX)`,
      "Type the code exactly as the participant read it; case, spaces and dashes do not matter.",
    );
  }
  if (!sameRequestCode(verified.requestCode, expected)) {
    throw new FlareError("REQUEST_CODE_MISMATCH", {
      message: `The request code of ${verified.name}'s request zip is ${verified.requestCode}, not ${normalizeRequestCode(expected)}: nothing was signed.`,
    });
  }
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
