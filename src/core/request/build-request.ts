import { toHex, utf8 } from "../bytes/encoding.ts";
import { sha256Hex } from "../bytes/hash.ts";
import { isoSeconds } from "../bytes/time.ts";
import type { CoreDeps } from "../deps.ts";
import { FlareError } from "../errors/flare-error.ts";
import { dumpJson } from "../json/dump-json.ts";
import { buildLocalSiteDocument, sanitizeSiteDocument } from "../participant/site-yaml.ts";
import type { ParticipantDefinition } from "../participant/types.ts";
import { buildCsr } from "../x509/csr.ts";
import { spkiSha256 } from "../x509/fingerprint.ts";
import { generateRsaKeyPair, type RsaKeyPair } from "../x509/keys.ts";
import { dumpYaml } from "../yaml/dump-yaml.ts";
import { writeZip } from "../zip/write-zip.ts";
import { requestCodeOfZip } from "./request-code.ts";

/** Everything `cert request` writes, computed before the first byte hits the disk. */
export interface RequestBundle {
  name: string;
  project: string;
  requestId: string;
  /** PKCS#1 PEM; goes to `<name>.key` (0600) and nowhere else. */
  keyPem: string;
  csrPem: string;
  /** Local `site.yaml` (artifacts.md §4). */
  localSiteYaml: string;
  /** Sanitized `site.yaml`, the copy inside the zip (artifacts.md §5). */
  sanitizedSiteYaml: string;
  /** `request.json` text (artifacts.md §6), byte-identical in the folder and the zip. */
  requestJson: string;
  request: Record<string, unknown>;
  /** `<name>.request.zip`: request.json, site.yaml, <name>.csr (artifacts.md §7). */
  requestZip: Uint8Array;
  publicKeySha256: string;
  /** The request code of `requestZip` (docs/security.md "Request codes"). */
  requestCode: string;
}

/** A UUID4 as 32 lowercase hex characters (artifacts.md §6 `request_id`). */
export function newRequestId(deps: Pick<CoreDeps, "randomBytes">): string {
  const bytes = deps.randomBytes(16).slice(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  return toHex(bytes);
}

/**
 * Builds a certificate request for a validated participant (validation.md §4.2 rows 18-19):
 * a fresh RSA key (or `keys`, for tests), the CSR, both site.yaml copies, request.json and
 * the request zip. The zip never holds key material; its writer refuses `*.key` names.
 */
export async function buildRequest(
  definition: ParticipantDefinition,
  deps: CoreDeps,
  keys?: RsaKeyPair,
): Promise<RequestBundle> {
  const { participant, project } = definition;
  let keyPair: RsaKeyPair;
  let csrPem: string;
  try {
    keyPair = keys ?? (await generateRsaKeyPair(deps));
    // certificates.md §2: a server CN longer than 64 is cut; the name rules refuse those anyway.
    csrPem = await buildCsr(
      { commonName: participant.name.slice(0, 64), org: participant.org, certType: participant.certType },
      keyPair,
      deps,
    );
  } catch (error) {
    throw new FlareError("CSR_GENERATION_FAILED", {
      detail: error instanceof Error ? error.message : String(error),
      cause: error,
    });
  }
  const localDoc = buildLocalSiteDocument(definition);
  const localSiteYaml = dumpYaml(localDoc);
  const sanitizedSiteYaml = dumpYaml(sanitizeSiteDocument(localDoc));
  const publicKeySha256 = await spkiSha256(keyPair.spkiDer, deps);
  const requestId = newRequestId(deps);
  const now = deps.now();
  const request: Record<string, unknown> = {
    artifact_type: "nvflare.cert.request",
    schema_version: "1",
    request_id: requestId,
    created_at: isoSeconds(now),
    project,
    name: participant.name,
    org: participant.org,
    kind: participant.kind,
    cert_type: participant.certType,
    cert_role: participant.kind === "user" ? participant.certType : null,
    csr_sha256: await sha256Hex(deps, csrPem),
    public_key_sha256: publicKeySha256,
    site_yaml_sha256: await sha256Hex(deps, sanitizedSiteYaml),
  };
  const requestJson = dumpJson(request, { indent: 2 });
  const requestZip = writeZip(
    [
      { name: "request.json", data: utf8(requestJson) },
      { name: "site.yaml", data: utf8(sanitizedSiteYaml) },
      { name: `${participant.name}.csr`, data: utf8(csrPem) },
    ],
    { date: now },
  );
  return {
    name: participant.name,
    project,
    requestId,
    keyPem: keyPair.privateKeyPem,
    csrPem,
    localSiteYaml,
    sanitizedSiteYaml,
    requestJson,
    request,
    requestZip,
    publicKeySha256,
    // From the zip's bytes, exactly as the Project Admin will compute it.
    requestCode: await requestCodeOfZip(requestZip, deps),
  };
}
