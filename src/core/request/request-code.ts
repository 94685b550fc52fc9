import { readRequestZipMembers } from "../approval/read-zip-members.ts";
import { toArrayBuffer, utf8 } from "../bytes/encoding.ts";
import type { CoreDeps } from "../deps.ts";
import { invalidArgs } from "../errors/flare-error.ts";
import { parseJsonObject } from "../inputs/structured.ts";
import { parseCsr } from "../x509/csr.ts";
import { concatBytes } from "../x509/der.ts";
import { base32Crockford, REQUEST_CODE_BITS } from "./request-code-text.ts";

export {
  base32Crockford,
  normalizeRequestCode,
  REQUEST_CODE_BITS,
  sameRequestCode,
} from "./request-code-text.ts";

/**
 * The request code (docs/security.md "Request codes"): a short fingerprint of what the Project
 * Admin signs, read out by the requester over a channel the admin trusts, so that a request zip
 * swapped in transit is refused. Computed from the request zip's contents alone, so a zip made
 * by NVFlare has one too.
 */

/** The domain tag hashed first, so the code can never equal another hash of the same bytes. */
const DOMAIN = "flare-provision request code v1";

/** What the code covers: the identity the certificate will carry, the key, and site.yaml. */
export interface RequestCodeInput {
  project: string;
  name: string;
  org: string;
  /** `server`, `client`, `org_admin`, `lead` or `member`: type and role in one value. */
  certType: string;
  /** The CSR's SubjectPublicKeyInfo, DER exactly as in the CSR. */
  spkiDer: Uint8Array;
  /** The `site.yaml` member's bytes as in the zip (its host_names become server SANs). */
  siteYaml: Uint8Array;
}

/**
 * The exact bytes hashed: the domain tag and a 0x00, then each field as a 4-byte big-endian
 * length and its bytes (strings in UTF-8), in the order project, name, org, cert_type, SPKI,
 * site.yaml. Length prefixes make the split unambiguous.
 */
export function requestCodeMessage(input: RequestCodeInput): Uint8Array {
  const fields = [
    utf8(input.project),
    utf8(input.name),
    utf8(input.org),
    utf8(input.certType),
    input.spkiDer,
    input.siteYaml,
  ];
  const parts: Uint8Array[] = [utf8(DOMAIN), Uint8Array.of(0)];
  for (const field of fields) {
    const length = new Uint8Array(4);
    new DataView(length.buffer).setUint32(0, field.length);
    parts.push(length, field);
  }
  return concatBytes(...parts);
}

/** The code: SHA-256 of {@link requestCodeMessage}, first 80 bits, base32, `XXXX-XXXX-XXXX-XXXX`. */
export async function requestCode(input: RequestCodeInput, deps: Pick<CoreDeps, "crypto">): Promise<string> {
  const digest = new Uint8Array(
    await deps.crypto.subtle.digest("SHA-256", toArrayBuffer(requestCodeMessage(input))),
  );
  const chars = base32Crockford(digest.subarray(0, REQUEST_CODE_BITS / 8));
  return chars.match(/.{4}/g)!.join("-");
}

/**
 * The code of a request zip, from its members alone: request.json's project, name, org and
 * cert_type, the SPKI of `<name>.csr` and the site.yaml bytes. Throws `INVALID_ARGS` when
 * those parts are missing or unreadable; it does not verify the request (`cert approve` does,
 * before it compares codes).
 */
export async function requestCodeOfZip(
  zipBytes: Uint8Array,
  deps: Pick<CoreDeps, "crypto">,
): Promise<string> {
  const members = readRequestZipMembers(zipBytes);
  const requestJson = members.get("request.json");
  const siteYaml = members.get("site.yaml");
  if (!requestJson || !siteYaml) throw invalidArgs("request zip must contain request.json and site.yaml");
  const request = parseJsonObject(requestJson, "request.json");
  const field = (key: string): string => {
    const value = request[key];
    if (typeof value !== "string" || value === "")
      throw invalidArgs(`request.json ${key} must be a non-empty string to compute the request code`);
    return value;
  };
  const name = field("name");
  const csrPem = members.get(`${name}.csr`);
  if (!csrPem) throw invalidArgs(`request zip has no ${name}.csr to compute the request code from`);
  let spkiDer: Uint8Array;
  try {
    spkiDer = (await parseCsr(csrPem, deps)).spkiDer;
  } catch (error) {
    throw invalidArgs(`cannot read ${name}.csr: ${error instanceof Error ? error.message : String(error)}`);
  }
  return requestCode(
    { project: field("project"), name, org: field("org"), certType: field("cert_type"), spkiDer, siteYaml },
    deps,
  );
}

/** The small file `cert request` leaves in the request folder: the code and what to do with it. */
export function requestCodeFile(code: string): Uint8Array {
  return utf8(`${code}\n`);
}

/** The request folder's file holding the code. */
export const REQUEST_CODE_FILE = "request-code.txt";
