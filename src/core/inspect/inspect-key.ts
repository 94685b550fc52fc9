import type { CoreDeps } from "../deps.ts";
import { describePrivateKey, noRootToCompare } from "./certificate-facts.ts";
import type { CheckResult, InspectOptions, InspectReport } from "./types.ts";

/**
 * Inspects one PEM private key without ever showing it: the facts are only that it is a private
 * key, its form, algorithm and size, and the hash of its public key (certificates.md §6), so it
 * can be matched with a CSR or certificate. Check: it loads as an unencrypted RSA key
 * (certificates.md §1), as `package` requires (`KEY_INVALID`).
 */
export async function inspectKey(
  pem: Uint8Array,
  options: InspectOptions & { label: string },
  deps: CoreDeps,
): Promise<InspectReport> {
  const key = await describePrivateKey(pem, deps);
  const checks: CheckResult[] = [
    key.problem === undefined
      ? { id: "key-loads", ok: true, detail: "the key loads as an unencrypted RSA private key" }
      : {
          id: "key-loads",
          ok: false,
          detail: `KEY_INVALID: Failed to load private key '${options.label}': ${key.problem}.`,
        },
  ];
  if (options.expectedFingerprint !== undefined) checks.push(noRootToCompare("a private key"));
  const facts = {
    key: "private key (contents never shown)",
    key_type: key.keyType,
    ...(key.publicKeySha256 === undefined ? {} : { public_key_sha256: key.publicKeySha256 }),
  };
  return { artifact: "private-key", facts, checks };
}
