import { normalizeHash } from "../bytes/hash.ts";
import type { CoreDeps } from "../deps.ts";
import { FlareError, invalidArgs } from "../errors/flare-error.ts";
import { isMapping } from "../inputs/structured.ts";
import { parseJson } from "../json/parse-json.ts";
import { isValidAdminEmail } from "../names/name-rules.ts";
import { compareSiteIdentity, readSiteIdentity } from "../participant/site-yaml.ts";
import { type ParsedCertificate, verifyCertificateSignature } from "../x509/certificate.ts";
import { rsaKeyPolicyProblem } from "../x509/key-policy.ts";
import { parsePrivateKeyPem } from "../x509/keys.ts";
import { parseYaml } from "../yaml/parse-yaml.ts";
import { checkNotExpired, type VerifiedApproval } from "./verify-signed-zip.ts";

/** The local request material `package` pairs with a signed zip (validation.md §4.4 rows 23-32). */
export interface LocalRequest {
  /** `<name>.key` bytes (the node layer reports KEY_NOT_FOUND before calling). */
  keyPem: Uint8Array;
  keyPath: string;
  /** `request.json` bytes; undefined when absent. */
  requestJson: Uint8Array | undefined;
  /** Local `site.yaml` bytes; undefined when absent. */
  siteYaml: Uint8Array | undefined;
}

/** What the kit is built from, once the local folder matched the approval. */
export interface PairedRequest {
  /** participants[0] of the local site.yaml, as written by `cert request`. */
  participant: Record<string, unknown>;
  /** The local site.yaml's top-level `builders`, honoured at package time only. */
  builders: unknown;
  /** The project name from the local site.yaml (= signed project). */
  project: string;
}

const SAME_FIELDS = ["request_id", "project", "name", "org", "kind", "cert_type", "cert_role"] as const;

function blank(value: unknown): unknown {
  return value === undefined || value === null || value === "" ? null : value;
}

/**
 * The local `request.json` as an object (validation.md §4.4 row 24): absent ->
 * `REQUEST_METADATA_NOT_FOUND` (exit 1), unparsable or not an object -> `REQUEST_METADATA_INVALID`.
 */
export function parseLocalRequestJson(bytes: Uint8Array | undefined): Record<string, unknown> {
  if (!bytes) throw new FlareError("REQUEST_METADATA_NOT_FOUND");
  let request: unknown;
  try {
    request = parseJson(bytes, "request.json");
  } catch (error) {
    throw new FlareError("REQUEST_METADATA_INVALID", {
      message: `Local request metadata is invalid: ${(error as Error).message}.`,
    });
  }
  if (!isMapping(request)) {
    throw new FlareError("REQUEST_METADATA_INVALID", {
      message: "Local request metadata is not a JSON object.",
    });
  }
  return request;
}

/**
 * The local `site.yaml` as a mapping (validation.md §4.4 row 29): absent -> `LOCAL_SITE_INVALID`
 * exit 1, unparsable or not a mapping -> `LOCAL_SITE_INVALID` exit 4.
 */
export function parseLocalSiteYaml(bytes: Uint8Array | undefined): Record<string, unknown> {
  if (!bytes) {
    throw new FlareError("LOCAL_SITE_INVALID", {
      message: "Local participant definition site.yaml was not found.",
      exit: 1,
    });
  }
  let doc: unknown;
  try {
    doc = parseYaml(bytes, "site.yaml");
  } catch (error) {
    throw new FlareError("LOCAL_SITE_INVALID", {
      message: `Invalid local participant definition: ${(error as Error).message}`,
    });
  }
  if (!isMapping(doc)) {
    throw new FlareError("LOCAL_SITE_INVALID", {
      message: "Invalid local participant definition: site.yaml must be a mapping",
    });
  }
  return doc;
}

/**
 * Checks the local request folder against a verified approval (validation.md §4.4 rows 23-34):
 * request.json identity and hashes, the certificate's signature by the root and its expiry,
 * the key/certificate pair, and the local site.yaml identity. Returns the local facts the kit
 * is built from; `buildKit` trusts exactly these. Throws the first failure's FlareError.
 */
export async function checkLocalRequest(
  approval: VerifiedApproval,
  local: LocalRequest,
  deps: CoreDeps,
): Promise<PairedRequest> {
  const request = parseLocalRequestJson(local.requestJson);
  const required = [
    "request_id",
    "project",
    "name",
    "org",
    "kind",
    "cert_type",
    "csr_sha256",
    "public_key_sha256",
  ];
  const missing = required.filter((field) => blank(request[field]) === null);
  if (missing.length > 0) {
    throw new FlareError("REQUEST_METADATA_INVALID", {
      message: `Local request metadata is missing field(s): ${missing.join(", ")}.`,
    });
  }
  const signed = approval.signed;
  // Exact equality, request_id included (validation.md §4.4 row 25): approve copies it verbatim,
  // so a signed id in another case or dash form was not signed for this request folder.
  for (const field of SAME_FIELDS) {
    if (blank(request[field]) !== blank(signed[field]))
      throw new FlareError("REQUEST_METADATA_MISMATCH", { detail: `field '${field}' differs` });
  }
  if (normalizeHash(request.public_key_sha256) !== approval.hashes.publicKey) {
    throw new FlareError("REQUEST_METADATA_MISMATCH", { detail: "public_key_sha256 differs" });
  }
  if (normalizeHash(request.csr_sha256) !== approval.hashes.csr) {
    throw new FlareError("REQUEST_METADATA_MISMATCH", { detail: "csr_sha256 differs" });
  }

  const certName = `${approval.name}.crt`;
  await checkCertificateChain(approval.certificate, approval.root, certName, deps);
  checkNotExpired(approval.certificate, certName, deps.now());
  await checkKeyMatchesCertificate(local.keyPem, local.keyPath, approval.certificate, deps);

  const doc = parseLocalSiteYaml(local.siteYaml);
  let site: ReturnType<typeof readSiteIdentity>;
  try {
    site = readSiteIdentity(doc, "package");
  } catch (error) {
    throw new FlareError("LOCAL_SITE_MISMATCH", {
      detail: error instanceof FlareError ? (error.detail ?? error.message) : String(error),
    });
  }
  const participant = site.participant;
  if (!participant)
    throw new FlareError("LOCAL_SITE_MISMATCH", { detail: "site.yaml has no participants list" });
  if (Object.hasOwn(participant, "listening_host")) {
    throw new FlareError("LOCAL_SITE_UNSUPPORTED_FEATURE", { detail: "listening_host" });
  }
  const differs = compareSiteIdentity(site, {
    name: approval.name,
    org: approval.org,
    cert_type: approval.certType,
    project: approval.project,
    kind: approval.kind,
    cert_role: approval.certRole,
  });
  if (differs) throw new FlareError("LOCAL_SITE_MISMATCH", { detail: `field '${differs}' differs` });

  // validation.md §4.4 row 34.
  if (approval.kind === "user" && !isValidAdminEmail(approval.name)) {
    throw invalidArgs(`Admin participant name '${approval.name}' must be an e-mail address.`);
  }
  if (approval.certType !== "server" && approval.name === approval.server.host) {
    throw invalidArgs(`Participant name '${approval.name}' collides with the server endpoint hostname.`);
  }
  return { participant, builders: doc.builders, project: approval.project };
}

/**
 * validation.md §4.4 row 26: `CERT_CHAIN_INVALID` unless `root`'s key verifies `certificate`'s
 * signature. `certName` names the certificate in the message.
 */
export async function checkCertificateChain(
  certificate: ParsedCertificate,
  root: ParsedCertificate,
  certName: string,
  deps: CoreDeps,
): Promise<void> {
  if (!(await verifyCertificateSignature(certificate, root, deps))) {
    throw new FlareError("CERT_CHAIN_INVALID", {
      message: `Certificate ${certName} is not signed by root CA rootCA.pem.`,
    });
  }
}

/**
 * validation.md §4.4 row 28: the private key loads and meets the key-strength policy
 * (`KEY_INVALID`, naming `keyPath`) and its public key is the certificate's (`KEY_CERT_MISMATCH`).
 */
export async function checkKeyMatchesCertificate(
  keyPem: Uint8Array,
  keyPath: string,
  certificate: ParsedCertificate,
  deps: CoreDeps,
): Promise<void> {
  let spki: Uint8Array;
  try {
    spki = (await parsePrivateKeyPem(keyPem, deps)).spkiDer;
  } catch (error) {
    throw new FlareError("KEY_INVALID", {
      message: `Failed to load private key '${keyPath}': ${(error as Error).message}.`,
    });
  }
  // docs/security.md "Key strength": a kit never gets a key we would not have certified.
  const weak = rsaKeyPolicyProblem(spki);
  if (weak)
    throw new FlareError("KEY_INVALID", { message: `Private key '${keyPath}' is too weak: ${weak}.` });
  const certSpki = certificate.spkiDer;
  if (spki.length !== certSpki.length || spki.some((byte, i) => byte !== certSpki[i]))
    throw new FlareError("KEY_CERT_MISMATCH");
}
