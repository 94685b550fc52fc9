import { FlareError, invalidArgs } from "../errors/flare-error.ts";
import { readZip, type ZipEntry } from "../zip/read-zip.ts";
import { ZipViolation } from "../zip/zip-format.ts";

/** Zip members by name, in archive order. */
export type Members = Map<string, Uint8Array>;

function toMembers(entries: ZipEntry[]): Members {
  return new Map(entries.map((entry) => [entry.name, entry.data]));
}

/**
 * Reads a request zip for `cert approve`, mapping zip-safety violations to the reference's
 * `INVALID_ARGS` details (validation.md §3 codes, §4.3 rows 3-4).
 */
export function readRequestZipMembers(bytes: Uint8Array): Members {
  try {
    return toMembers(readZip(bytes));
  } catch (error) {
    if (!(error instanceof ZipViolation)) throw error;
    const member = error.member ?? "";
    switch (error.kind) {
      case "private-key":
        throw invalidArgs(`request zip must not contain private keys: ${member}`);
      case "too-large":
        throw invalidArgs(`zip member exceeds size limit: ${member}`);
      case "corrupt":
      case "unsupported":
      case "too-many-entries":
        throw invalidArgs(`invalid request zip: ${error.message}`);
      default:
        throw invalidArgs(`unsafe zip member or path traversal: ${member}`);
    }
  }
}

/**
 * Reads a signed zip for `package`, mapping violations to `INVALID_SIGNED_ZIP` with the
 * reference's messages (validation.md §3, §4.4 rows 3-4). `label` names the zip as given.
 */
export function readSignedZipMembers(bytes: Uint8Array, label: string): Members {
  try {
    return toMembers(readZip(bytes));
  } catch (error) {
    if (!(error instanceof ZipViolation)) throw error;
    const member = error.member ?? "";
    switch (error.kind) {
      case "private-key":
        throw new FlareError("INVALID_SIGNED_ZIP", {
          message: "Signed zip must not contain private key material.",
        });
      case "too-large":
        throw new FlareError("INVALID_SIGNED_ZIP", {
          message: `Signed zip member exceeds size limit: ${member}.`,
        });
      case "corrupt":
      case "unsupported":
      case "too-many-entries":
        throw new FlareError("INVALID_SIGNED_ZIP", {
          message: `Not a valid signed zip: ${label}.`,
          detail: error.message,
        });
      default:
        throw new FlareError("INVALID_SIGNED_ZIP", {
          message: `Invalid path in signed zip ${label}: '${member}'.`,
        });
    }
  }
}
