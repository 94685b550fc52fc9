import { bytesEqual } from "../bytes/encoding.ts";
import type { CoreDeps } from "../deps.ts";
import { FlareError } from "../errors/flare-error.ts";
import { checkCertificateChain } from "../package/check-local-request.ts";
import { type ParsedCertificate, parseCertificate, verifyCertificateSignature } from "../x509/certificate.ts";
import { fingerprintSha256, spkiSha256 } from "../x509/fingerprint.ts";
import { parseSoleCertificate } from "../x509/sole-certificate.ts";
import {
  certificateFacts,
  certificateIdentity,
  expectedFingerprintStep,
  noRootToCompare,
  validNowStep,
} from "./certificate-facts.ts";
import { CheckFailure, type CheckStep, collectChecks } from "./check-steps.ts";
import type { Facts, InspectOptions, InspectReport } from "./types.ts";

interface CertificateState {
  cert?: ParsedCertificate;
  root?: ParsedCertificate;
  rootFingerprint?: string;
}

/** True for a self-issued CA certificate (subject = issuer, BasicConstraints CA:TRUE): a root. */
export function isRootCertificate(cert: ParsedCertificate): boolean {
  return cert.isCa === true && bytesEqual(cert.subjectDer, cert.issuerDer);
}

/**
 * Inspects one PEM certificate. A root (self-issued CA, certificates.md §3) is checked for its
 * self-signature; a participant certificate (§4) is checked against `root` when the caller
 * found one (the `rootCA.pem` beside it), else only for expiry. Facts: identity (or project for
 * a root), subject, issuer, serial, validity and days left, SANs, public-key hash, fingerprints.
 */
export async function inspectCertificate(
  pem: Uint8Array,
  options: InspectOptions & { label: string; root?: Uint8Array | undefined },
  deps: CoreDeps,
): Promise<InspectReport> {
  const now = deps.now();
  const state: CertificateState = {};
  const steps: CheckStep<CertificateState>[] = [
    {
      id: "certificate",
      pass: `${options.label} holds an X.509 certificate`,
      run: (s) => {
        try {
          // A file named rootCA.pem is a trust anchor: one certificate and nothing else.
          s.cert = options.label === "rootCA.pem" ? parseSoleCertificate(pem) : parseCertificate(pem);
        } catch (error) {
          throw new CheckFailure(
            `${options.label} is not a readable certificate: ${(error as Error).message}`,
          );
        }
      },
    },
    validNowStep(
      (s) => s.cert!,
      () => options.label,
      now,
      ["certificate"],
    ),
  ];
  const root = peekRoot(pem);
  if (root) {
    steps.push({
      id: "self-signature",
      needs: ["certificate"],
      pass: "the root CA certificate is signed by its own key",
      run: async (s) => {
        if (!(await verifyCertificateSignature(s.cert!, s.cert!, deps))) {
          throw new FlareError("CERT_CHAIN_INVALID", {
            message: `Root CA certificate ${options.label} is not signed by its own key.`,
          });
        }
        s.root = s.cert;
        s.rootFingerprint = await fingerprintSha256(s.cert!.der, deps);
      },
    });
  } else if (options.root) {
    const rootPem = options.root;
    steps.push(
      {
        id: "rootca",
        pass: "the rootCA.pem beside it holds a certificate",
        run: async (s) => {
          try {
            s.root = parseSoleCertificate(rootPem);
          } catch (error) {
            throw new CheckFailure(
              `rootCA.pem beside it is not a readable certificate: ${(error as Error).message}`,
            );
          }
          s.rootFingerprint = await fingerprintSha256(s.root.der, deps);
        },
      },
      {
        id: "chain",
        needs: ["certificate", "rootca"],
        pass: "the certificate is signed by the rootCA.pem beside it",
        run: (s) => checkCertificateChain(s.cert!, s.root!, options.label, deps),
      },
    );
  }
  const expected = options.expectedFingerprint;
  const hasRoot = root || options.root;
  if (expected !== undefined && hasRoot) {
    steps.push(
      expectedFingerprintStep(expected, (s) => s.rootFingerprint!, [root ? "self-signature" : "rootca"]),
    );
  }
  const checks = await collectChecks(steps, state);
  if (expected !== undefined && !hasRoot)
    checks.push(noRootToCompare("a participant certificate without a rootCA.pem beside it"));

  const facts: Facts = {};
  if (state.cert) {
    if (root) {
      facts.type = "root CA";
      facts.project = state.cert.subject.commonName ?? null;
    } else {
      Object.assign(facts, certificateIdentity(state.cert));
    }
    Object.assign(facts, certificateFacts(state.cert, now));
    facts.public_key_sha256 = await spkiSha256(state.cert.spkiDer, deps);
    facts.fingerprint_sha256 = await fingerprintSha256(state.cert.der, deps);
  }
  if (state.rootFingerprint) facts.rootca_fingerprint_sha256 = state.rootFingerprint;
  return { artifact: "certificate", facts, checks };
}

/** Whether `pem` parses as a root certificate (decides which checks apply). */
function peekRoot(pem: Uint8Array): boolean {
  try {
    return isRootCertificate(parseCertificate(pem));
  } catch {
    return false;
  }
}
