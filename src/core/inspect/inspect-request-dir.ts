import { checkRequestZip } from "../approval/approve-request.ts";
import { bytesEqual } from "../bytes/encoding.ts";
import { normalizeHash, sha256Hex } from "../bytes/hash.ts";
import type { CoreDeps } from "../deps.ts";
import { FlareError, invalidArgs } from "../errors/flare-error.ts";
import { isMapping } from "../inputs/structured.ts";
import { parseJson } from "../json/parse-json.ts";
import {
  checkCertificateChain,
  checkKeyMatchesCertificate,
  checkLocalRequest,
  parseLocalRequestJson,
  parseLocalSiteYaml,
} from "../package/check-local-request.ts";
import { checkSignedZip, type SignedZipCheck, verifySignedZip } from "../package/verify-signed-zip.ts";
import { checkSiteIdentityMatches, readSiteIdentity } from "../participant/site-yaml.ts";
import { requestCodeOfZip } from "../request/request-code.ts";
import { type ParsedCertificate, parseCertificate } from "../x509/certificate.ts";
import { fingerprintSha256, spkiSha256 } from "../x509/fingerprint.ts";
import { parsePrivateKeyPem } from "../x509/keys.ts";
import { parseSoleCertificate } from "../x509/sole-certificate.ts";
import { parseYaml } from "../yaml/parse-yaml.ts";
import {
  addFact,
  certificateFacts,
  describePrivateKey,
  expectedFingerprintStep,
  factOf,
  noRootToCompare,
  validNowStep,
} from "./certificate-facts.ts";
import { CheckFailure, type CheckStep, collectChecks } from "./check-steps.ts";
import type { CheckResult, Facts, InspectOptions, InspectReport } from "./types.ts";

/**
 * The files of a request folder (artifacts.md §3, §10) that inspect reads; `undefined` = absent.
 * `name` is the participant (request.json `name`, else the stem of the one `*.key`).
 */
export interface RequestDirInput {
  name: string;
  requestJson?: Uint8Array | undefined;
  siteYaml?: Uint8Array | undefined;
  key?: Uint8Array | undefined;
  csr?: Uint8Array | undefined;
  requestZip?: Uint8Array | undefined;
  /** `<name>.signed.zip`, when `cert approve` wrote it into this folder. */
  signedZip?: Uint8Array | undefined;
  /** The materialized copies `package` writes: `signed.json`, `<name>.crt`, `rootCA.pem`. */
  signedJson?: Uint8Array | undefined;
  certificate?: Uint8Array | undefined;
  rootCa?: Uint8Array | undefined;
}

interface RequestDirState {
  request?: Record<string, unknown>;
  signedZip?: SignedZipCheck;
  cert?: ParsedCertificate;
  root?: ParsedCertificate;
  fingerprint?: string;
}

/** `checks` with every id, and the prerequisites a skipped one names, under `<prefix>.`. */
function prefixChecks(prefix: string, checks: readonly CheckResult[]): CheckResult[] {
  const under = (ids: string) =>
    ids
      .split(", ")
      .map((id) => `${prefix}.${id}`)
      .join(", ");
  return checks.map((c) => ({
    ...c,
    id: `${prefix}.${c.id}`,
    ...(c.skipped
      ? { detail: c.detail.replace(/needs (.*)$/, (_, ids: string) => `needs ${under(ids)}`) }
      : {}),
  }));
}

/**
 * Inspects a request folder written by `cert request` (and possibly completed by `cert approve`
 * and `package`). Checks: request.json reads; the local site.yaml states the same identity;
 * the CSR and the key match request.json's hashes; every check of the request zip (ids
 * `request-zip.*`) and request.json is the zip's copy; when a signed zip is in the folder, every
 * check of it (`signed-zip.*`) and `package`'s pairing of it with this folder
 * (`matches-signed-zip`, validation.md §4.4 rows 24-32); for the certificate (from the signed
 * zip, else the materialized `<name>.crt` and `rootCA.pem`): chain, expiry, key match, and
 * `--fingerprint`.
 */
export async function inspectRequestDir(
  input: RequestDirInput,
  options: InspectOptions,
  deps: CoreDeps,
): Promise<InspectReport> {
  const now = deps.now();
  const { name } = input;
  const state: RequestDirState = {};
  const checks: CheckResult[] = await collectChecks(localSteps(input, deps), state);

  if (input.requestZip) {
    const zip = await checkRequestZip(input.requestZip, deps);
    checks.push(...prefixChecks("request-zip", zip.checks));
    const zipRequestJson = zip.members?.get("request.json");
    checks.push(
      ...(await collectChecks(
        [
          {
            id: "request-json-matches-zip",
            needs: ["request-json", "request-zip.request-json"],
            pass: `request.json is byte-identical to the copy in ${name}.request.zip`,
            run: () => {
              if (!bytesEqual(input.requestJson!, zipRequestJson!)) {
                throw new FlareError("REQUEST_METADATA_MISMATCH", {
                  message: `request.json differs from the copy in ${name}.request.zip.`,
                  hint: "Run 'nvflare cert request --force' to make a fresh, consistent request.",
                });
              }
            },
          },
        ],
        state,
        checks,
      )),
    );
  } else {
    checks.push({ id: "request-zip", ok: false, detail: `${name}.request.zip is not in the folder` });
  }

  const certSteps: CheckStep<RequestDirState>[] = [];
  if (input.signedZip) {
    state.signedZip = await checkSignedZip(
      input.signedZip,
      { label: `${name}.signed.zip`, expectedFingerprint: undefined },
      deps,
    );
    const signedChecks = prefixChecks("signed-zip", state.signedZip.checks);
    checks.push(...signedChecks);
    state.cert = state.signedZip.certificate;
    state.root = state.signedZip.root;
    state.fingerprint = state.signedZip.fingerprint;
    certSteps.push({
      id: "matches-signed-zip",
      needs: signedChecks.map((c) => c.id),
      pass: `the folder's request.json, key and site.yaml match ${name}.signed.zip as package requires`,
      run: async () => {
        const approval = await verifySignedZip(input.signedZip!, { label: `${name}.signed.zip` }, deps);
        await checkLocalRequest(
          approval,
          {
            keyPem: input.key ?? new Uint8Array(),
            keyPath: `${name}.key`,
            requestJson: input.requestJson,
            siteYaml: input.siteYaml,
          },
          deps,
        );
      },
    });
  } else if (input.certificate || input.rootCa) {
    certSteps.push(
      {
        id: "certificate",
        pass: `${name}.crt holds a certificate`,
        run: (s) => {
          s.cert = parseOrFail(input.certificate, `${name}.crt`);
        },
      },
      {
        id: "rootca",
        pass: "rootCA.pem holds a certificate",
        run: async (s) => {
          s.root = parseOrFail(input.rootCa, "rootCA.pem", parseSoleCertificate);
          s.fingerprint = await fingerprintSha256(s.root.der, deps);
        },
      },
    );
  }
  const haveCert = input.signedZip !== undefined || input.certificate !== undefined;
  const haveRoot = input.signedZip !== undefined || input.rootCa !== undefined;
  const certNeeds = input.signedZip ? ["signed-zip.certificate"] : ["certificate"];
  const rootNeeds = input.signedZip ? ["signed-zip.rootca"] : ["rootca"];
  if (haveCert && haveRoot) {
    certSteps.push({
      id: "chain",
      needs: [...certNeeds, ...rootNeeds],
      pass: "the certificate is signed by the root CA",
      run: (s) => checkCertificateChain(s.cert!, s.root!, `${name}.crt`, deps),
    });
  }
  if (haveCert) {
    certSteps.push(
      validNowStep(
        (s: RequestDirState) => s.cert!,
        () => `${name}.crt`,
        now,
        certNeeds,
      ),
      {
        id: "key-matches-certificate",
        needs: certNeeds,
        pass: `${name}.key is the key of the certificate`,
        run: async (s) => {
          if (!input.key)
            throw new FlareError("KEY_NOT_FOUND", { message: `Private key file not found: ${name}.key.` });
          await checkKeyMatchesCertificate(input.key, `${name}.key`, s.cert!, deps);
        },
      },
    );
  }
  if (options.expectedFingerprint !== undefined && haveRoot) {
    certSteps.push(expectedFingerprintStep(options.expectedFingerprint, (s) => s.fingerprint!, rootNeeds));
  }
  checks.push(...(await collectChecks(certSteps, state, checks)));
  if (options.expectedFingerprint !== undefined && !haveRoot) {
    checks.push(noRootToCompare("a request folder without a signed zip or rootCA.pem"));
  }
  return { artifact: "request-dir", facts: await requestDirFacts(input, state, now, deps), checks };
}

function parseOrFail(
  bytes: Uint8Array | undefined,
  file: string,
  parse: (pem: Uint8Array) => ParsedCertificate = parseCertificate,
): ParsedCertificate {
  if (!bytes) throw new CheckFailure(`${file} is not in the folder`);
  try {
    return parse(bytes);
  } catch (error) {
    throw new CheckFailure(`${file} is not a readable certificate: ${(error as Error).message}`);
  }
}

/** The checks of the folder's own files against request.json. */
function localSteps(input: RequestDirInput, deps: CoreDeps): CheckStep<RequestDirState>[] {
  const { name } = input;
  return [
    {
      id: "request-json",
      pass: "request.json is a JSON object",
      run: (s) => {
        s.request = parseLocalRequestJson(input.requestJson);
      },
    },
    {
      id: "local-site",
      needs: ["request-json"],
      pass: "the local site.yaml names the same participant as request.json",
      run: (s) => {
        const doc = parseLocalSiteYaml(input.siteYaml);
        const request = s.request!;
        checkSiteIdentityMatches(
          readSiteIdentity(doc, "approve"),
          { ...request, cert_role: request.cert_role ?? null },
          "approve",
        );
      },
    },
    {
      id: "csr-hash",
      needs: ["request-json"],
      pass: `SHA-256 of ${name}.csr equals request.json csr_sha256`,
      run: async (s) => {
        if (!input.csr) throw new CheckFailure(`${name}.csr is not in the folder`);
        if ((await sha256Hex(deps, input.csr)) !== normalizeHash(s.request!.csr_sha256))
          throw invalidArgs("CSR hash does not match request metadata");
      },
    },
    {
      id: "key-matches-request",
      needs: ["request-json"],
      pass: `${name}.key is the key of the request (request.json public_key_sha256)`,
      run: async (s) => {
        if (!input.key)
          throw new FlareError("KEY_NOT_FOUND", { message: `Private key file not found: ${name}.key.` });
        let spki: Uint8Array;
        try {
          spki = (await parsePrivateKeyPem(input.key, deps)).spkiDer;
        } catch (error) {
          throw new FlareError("KEY_INVALID", {
            message: `Failed to load private key '${name}.key': ${(error as Error).message}.`,
          });
        }
        if ((await spkiSha256(spki, deps)) !== normalizeHash(s.request!.public_key_sha256)) {
          throw new FlareError("KEY_CERT_MISMATCH", {
            message: `The private key ${name}.key does not match request.json public_key_sha256.`,
            hint: "The key was replaced after the request was made; make a new request with 'nvflare cert request --force'.",
          });
        }
      },
    },
  ];
}

const REQUEST_FACTS: ReadonlyArray<[string, string]> = [
  ["type", "cert_type"],
  ["role", "cert_role"],
  ["org", "org"],
  ["project", "project"],
  ["kind", "kind"],
  ["request_id", "request_id"],
  ["created_at", "created_at"],
];

async function requestDirFacts(
  input: RequestDirInput,
  state: RequestDirState,
  now: Date,
  deps: CoreDeps,
): Promise<Facts> {
  const facts: Facts = { name: input.name };
  const request = state.request ?? {};
  for (const [fact, field] of REQUEST_FACTS) addFact(facts, fact, factOf(request[field]));
  // The code of the zip in the folder, recomputed (request-code.txt is only a note of it).
  if (input.requestZip) {
    const code = await requestCodeOfZip(input.requestZip, deps).catch(() => undefined);
    if (code !== undefined) facts.request_code = code;
  }
  const override = localOverride(input.siteYaml);
  if (override !== undefined) facts.connection_security_override = override;
  if (input.key) {
    const key = await describePrivateKey(input.key, deps);
    facts.key_type = key.keyType;
    addFact(facts, "public_key_sha256", key.publicKeySha256);
  }
  if (state.cert) Object.assign(facts, certificateFacts(state.cert, now));
  addFact(facts, "rootca_fingerprint_sha256", state.fingerprint);
  const signed = state.signedZip?.signed ?? parseSignedCopy(input.signedJson);
  if (signed) {
    const caInfo = isMapping(signed.ca_info) ? signed.ca_info : {};
    addFact(facts, "deploy_version", factOf(caInfo.provision_version ?? "00"));
    addFact(facts, "scheme", factOf(signed.scheme));
    addFact(facts, "connection_security", factOf(signed.default_connection_security));
    const server = isMapping(signed.server) ? signed.server : undefined;
    if (server)
      facts.endpoint = `${String(signed.scheme)}://${String(server.host)}:${String(server.fed_learn_port)}`;
  }
  const present: Array<[string, Uint8Array | undefined]> = [
    [`${input.name}.key`, input.key],
    [`${input.name}.csr`, input.csr],
    ["site.yaml", input.siteYaml],
    ["request.json", input.requestJson],
    [`${input.name}.request.zip`, input.requestZip],
    [`${input.name}.signed.zip`, input.signedZip],
    ["signed.json", input.signedJson],
    [`${input.name}.crt`, input.certificate],
    ["rootCA.pem", input.rootCa],
  ];
  facts.files = present.filter(([, bytes]) => bytes !== undefined).map(([file]) => file);
  return facts;
}

/** The server's local `connection_security` override in site.yaml, if any (startup-kits.md §4). */
function localOverride(siteYaml: Uint8Array | undefined): string | undefined {
  if (!siteYaml) return undefined;
  try {
    const doc = parseYaml(siteYaml, "site.yaml");
    const participants = isMapping(doc) ? doc.participants : undefined;
    const participant = Array.isArray(participants) ? participants[0] : undefined;
    if (!isMapping(participant) || participant.type !== "server") return undefined;
    const value = participant.connection_security;
    return typeof value === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}

function parseSignedCopy(bytes: Uint8Array | undefined): Record<string, unknown> | undefined {
  if (!bytes) return undefined;
  try {
    const value = parseJson(bytes, "signed.json");
    return isMapping(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
