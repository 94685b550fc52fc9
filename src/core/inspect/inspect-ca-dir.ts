import { type LoadedCa, loadCa, loadCaKey, type MaybeFile } from "../approval/approve-request.ts";
import type { ParsedCrl } from "../crl/parse-crl.ts";
import type { CoreDeps } from "../deps.ts";
import { FlareError } from "../errors/flare-error.ts";
import { isMapping } from "../inputs/structured.ts";
import { parseJson } from "../json/parse-json.ts";
import { assertLedgerOk, type LedgerState, readLedger } from "../ledger/verify-ledger.ts";
import { loadTrustedCrl } from "../package/package-crl.ts";
import { parseCertificate, verifyCertificateSignature } from "../x509/certificate.ts";
import { encryptedKeyDer, isEncryptedKeyPem, readEncryptionParams } from "../x509/encrypted-key.ts";
import { fingerprintSha256 } from "../x509/fingerprint.ts";
import { signingCaProblem } from "../x509/issue.ts";
import {
  addFact,
  certificateFacts,
  describePrivateKey,
  expectedFingerprintStep,
  factOf,
} from "./certificate-facts.ts";
import { type CheckStep, collectChecks } from "./check-steps.ts";
import { crlFact } from "./inspect-kit.ts";
import type { Facts, InspectOptions, InspectReport } from "./types.ts";

/** The files of a CA directory (artifacts.md §8); `bytes: undefined` = absent. */
export interface CaDirInput {
  /** The directory as given, for messages. */
  caDir: string;
  caJson: MaybeFile;
  rootCaPem: MaybeFile;
  rootCaKey: MaybeFile;
  /** `ledger.jsonl` and `ledger.head.json`, when the caller read them (absent = no ledger). */
  ledger?: { ledger: Uint8Array | undefined; head: Uint8Array | undefined } | undefined;
  /** `crl.pem`, written by `cert revoke`. */
  crlPem?: Uint8Array | undefined;
}

/**
 * Inspects a CA directory: project, deploy version, creation time, the root certificate
 * (serial, validity, days left) and its fingerprint, and whether the key is there (never its
 * contents). Checks are `cert approve`'s CA checks (validation.md §4.3 rows 20-25, 30-31):
 * ca.json matches rootCA.pem (project, deploy version, fingerprint), rootCA.key is the root's
 * key, the root can sign now; plus the root's self-signature and `--fingerprint`.
 */
export async function inspectCaDir(
  input: CaDirInput,
  options: InspectOptions,
  deps: CoreDeps,
): Promise<InspectReport> {
  const now = deps.now();
  const state: CaDirState = {};
  const steps: CheckStep<CaDirState>[] = [
    {
      id: "ca-info",
      pass: "ca.json matches rootCA.pem: project = root CN, two-digit deploy version, same fingerprint",
      run: async (s) => {
        s.ca = await loadCa(input, undefined, deps);
      },
    },
    {
      id: "key-matches-certificate",
      needs: ["ca-info"],
      pass: (s) =>
        s.encryption
          ? `rootCA.key is encrypted (${s.encryption}); without its passphrase inspect cannot compare it with rootCA.pem ('cert approve' does, once unlocked)`
          : "rootCA.key is an unencrypted RSA key and the key of rootCA.pem",
      run: async (s) => {
        const key = input.rootCaKey.bytes;
        if (!key) {
          throw new FlareError("CA_NOT_FOUND", {
            message: `rootCA.key is missing from ${input.caDir}: this CA cannot approve requests.`,
          });
        }
        if (isEncryptedKeyPem(key)) {
          s.encryption = encryptionSummary(key);
          return;
        }
        await loadCaKey(input, s.ca!.root, deps);
      },
    },
    {
      id: "ca-usable",
      needs: ["ca-info"],
      pass: "rootCA.pem is a CA certificate (BasicConstraints CA:TRUE) valid now",
      run: (s) => {
        const problem = signingCaProblem(s.ca!.root, now);
        if (problem)
          throw new FlareError("CERT_SIGNING_FAILED", { message: `Certificate signing failed: ${problem}` });
      },
    },
    {
      id: "self-signature",
      needs: ["ca-info"],
      pass: "rootCA.pem is signed by its own key",
      run: async (s) => {
        if (!(await verifyCertificateSignature(s.ca!.root, s.ca!.root, deps))) {
          throw new FlareError("CERT_CHAIN_INVALID", { message: "rootCA.pem is not signed by its own key." });
        }
      },
    },
  ];
  const ledger = input.ledger;
  if (ledger && (ledger.ledger !== undefined || ledger.head !== undefined)) {
    steps.push({
      id: "ledger",
      needs: ["ca-info"],
      pass: (s) =>
        `the issuance ledger's ${s.ledger!.entries.length} entries are signed by the root, in sequence, chained, and end where ledger.head.json says`,
      run: async (s) => {
        s.ledger = await readLedger(ledger.ledger, ledger.head, s.ca!.root.spkiDer, deps);
        assertLedgerOk(s.ledger, input.caDir);
      },
    });
  }
  if (input.crlPem) {
    steps.push({
      id: "crl",
      needs: ["ca-info"],
      pass: (s) => `crl.pem is a CRL of this root (${crlFact(s.crl!)})`,
      run: async (s) => {
        s.crl = await loadTrustedCrl(
          { label: `${input.caDir}/crl.pem`, bytes: input.crlPem! },
          s.ca!.root,
          `${input.caDir}/rootCA.pem`,
          deps,
        );
      },
    });
  }
  if (options.expectedFingerprint !== undefined) {
    steps.push(expectedFingerprintStep(options.expectedFingerprint, (s) => s.ca!.fingerprint, ["ca-info"]));
  }
  const checks = await collectChecks(steps, state);
  const facts = await caFacts(input, now, deps);
  facts.ledger = ledgerFact(input, state);
  if (state.crl) facts.crl = crlFact(state.crl);
  return { artifact: "ca-dir", facts, checks };
}

/** The ledger in one line: absent, broken, or what it holds. */
function ledgerFact(input: CaDirInput, state: CaDirState): string {
  const files = input.ledger;
  if (!files || (files.ledger === undefined && files.head === undefined))
    return "none (cert approve starts it at the next approval)";
  const ledger = state.ledger;
  if (!ledger) return "not checked";
  if (ledger.problem) return `does not verify: ${ledger.problem.message}`;
  const issued = ledger.entries.filter((e) => e.type === "issue").length;
  return `${ledger.entries.length} entries (${issued} issued, ${ledger.entries.length - issued} revocations), head ${ledger.tip.hash}`;
}

interface CaDirState {
  ca?: LoadedCa;
  /** How rootCA.key is encrypted, when it is. */
  encryption?: string;
  ledger?: LedgerState;
  crl?: ParsedCrl;
}

/** `PBES2, PBKDF2-HMAC-SHA256, 600000 iterations, AES-256-CBC`; CA_LOAD_FAILED when unreadable. */
function encryptionSummary(pem: Uint8Array): string {
  try {
    const p = readEncryptionParams(encryptedKeyDer(pem));
    return `PBES2, PBKDF2-HMAC-${p.prfHash.replace("-", "")}, ${p.iterations} iterations, ${p.cipher}`;
  } catch (error) {
    throw new FlareError("CA_LOAD_FAILED", {
      message: "Failed to load root CA material.",
      detail: error instanceof Error ? error.message : String(error),
    });
  }
}

async function caFacts(input: CaDirInput, now: Date, deps: CoreDeps): Promise<Facts> {
  const facts: Facts = {};
  let metadata: Record<string, unknown> = {};
  if (input.caJson.bytes) {
    try {
      const parsed = parseJson(input.caJson.bytes, input.caJson.path);
      if (isMapping(parsed)) metadata = parsed;
    } catch {
      metadata = {};
    }
  }
  addFact(facts, "project", factOf(metadata.project));
  addFact(facts, "deploy_version", factOf(metadata.provision_version));
  addFact(facts, "created_at", factOf(metadata.created_at));
  addFact(facts, "project_profile", factOf(metadata.project_profile));
  if (input.rootCaPem.bytes) {
    try {
      const root = parseCertificate(input.rootCaPem.bytes);
      Object.assign(facts, certificateFacts(root, now));
      facts.rootca_fingerprint_sha256 = await fingerprintSha256(root.der, deps);
    } catch {
      facts.rootca = "unreadable";
    }
  }
  addFact(facts, "recorded_fingerprint", factOf(metadata.rootCA_fingerprint));
  const key = input.rootCaKey.bytes;
  if (!key) facts.key = "rootCA.key: missing";
  else if (isEncryptedKeyPem(key)) {
    let how = "unreadable parameters";
    try {
      how = encryptionSummary(key);
    } catch {}
    facts.key = `rootCA.key: encrypted PKCS#8 (${how}) (contents never shown)`;
  } else facts.key = `rootCA.key: ${(await describePrivateKey(key, deps)).keyType} (contents never shown)`;
  return facts;
}
