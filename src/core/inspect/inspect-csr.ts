import { checkCsrKeyStrength } from "../approval/approve-request.ts";
import { sha256Hex } from "../bytes/hash.ts";
import type { CoreDeps } from "../deps.ts";
import { FlareError } from "../errors/flare-error.ts";
import { isCertType } from "../names/name-rules.ts";
import { type ParsedCsr, parseCsr } from "../x509/csr.ts";
import { spkiSha256 } from "../x509/fingerprint.ts";
import { MIN_RSA_BITS } from "../x509/key-policy.ts";
import { noRootToCompare } from "./certificate-facts.ts";
import { CheckFailure, collectChecks } from "./check-steps.ts";
import type { Facts, InspectOptions, InspectReport } from "./types.ts";

/**
 * Inspects one PEM certificate request (certificates.md §2): subject, proposed type, public-key
 * hash and the hash of the exact bytes (`csr_sha256`). Checks: it parses and its self-signature
 * verifies (`INVALID_CSR`), its key meets the key-strength policy (`INVALID_CSR`), and its subject has one CN, one O and a known certificate type.
 */
export async function inspectCsr(
  pem: Uint8Array,
  options: InspectOptions & { label: string },
  deps: CoreDeps,
): Promise<InspectReport> {
  const state: { csr?: ParsedCsr } = {};
  const checks = await collectChecks(
    [
      {
        id: "csr-signature",
        pass: "the CSR parses and its self-signature verifies",
        run: async (s) => {
          try {
            s.csr = await parseCsr(pem, deps);
          } catch (error) {
            throw new FlareError("INVALID_CSR", {
              message: `Invalid or corrupt CSR file: ${options.label}.`,
              detail: (error as Error).message,
            });
          }
          if (!s.csr.signatureValid) {
            throw new FlareError("INVALID_CSR", {
              message: `Invalid or corrupt CSR file: ${options.label}.`,
              detail: "the CSR signature does not verify",
            });
          }
        },
      },
      {
        id: "csr-key-strength",
        needs: ["csr-signature"],
        pass: `the public key meets the key-strength policy (RSA, at least ${MIN_RSA_BITS} bits, exponent 65537)`,
        run: (s) => checkCsrKeyStrength(s.csr!, options.label),
      },
      {
        id: "csr-subject",
        needs: ["csr-signature"],
        pass: "the subject has a CN, an O and a known certificate type (unstructuredName)",
        run: (s) => {
          const subject = s.csr!.subject;
          const duplicated = subject.duplicated();
          if (duplicated.length > 0) throw new CheckFailure(`the subject repeats ${duplicated.join(", ")}`);
          if (!subject.commonName) throw new CheckFailure("the subject has no CN");
          if (!subject.organization) throw new CheckFailure("the subject has no O");
          if (!isCertType(subject.unstructuredName)) {
            throw new CheckFailure(
              `the subject's unstructuredName '${subject.unstructuredName ?? ""}' is not one of client, server, org_admin, lead, member`,
            );
          }
        },
      },
    ],
    state,
  );
  if (options.expectedFingerprint !== undefined) checks.push(noRootToCompare("a CSR"));
  const facts: Facts = {};
  if (state.csr) {
    const subject = state.csr.subject;
    facts.name = subject.commonName ?? null;
    facts.type = subject.unstructuredName ?? null;
    facts.org = subject.organization ?? null;
    facts.subject = subject.toString();
    facts.public_key_sha256 = await spkiSha256(state.csr.spkiDer, deps);
  }
  facts.csr_sha256 = await sha256Hex(deps, pem);
  return { artifact: "csr", facts, checks };
}
