import { KIT_CRL_FILE } from "../crl/kit-layout.ts";
import type { ParsedCrl } from "../crl/parse-crl.ts";
import { iso } from "../crl/verify-crl.ts";
import type { CoreDeps } from "../deps.ts";
import { isMapping } from "../inputs/structured.ts";
import { parseJson } from "../json/parse-json.ts";
import { isUserCertType } from "../names/name-rules.ts";
import { checkCertificateChain, checkKeyMatchesCertificate } from "../package/check-local-request.ts";
import { loadTrustedCrl, refuseRevoked } from "../package/package-crl.ts";
import { type ParsedCertificate, parseCertificate } from "../x509/certificate.ts";
import { fingerprintSha256, spkiSha256 } from "../x509/fingerprint.ts";
import { parseSoleCertificate } from "../x509/sole-certificate.ts";
import {
  certificateFacts,
  certificateIdentity,
  daysLeft,
  expectedFingerprintStep,
  validNowStep,
} from "./certificate-facts.ts";
import { CheckFailure, type CheckStep, collectChecks } from "./check-steps.ts";
import { EXPIRY_WARNING_DAYS, renewalAdvice } from "./renewal-advice.ts";
import type { Facts, InspectOptions, InspectReport } from "./types.ts";

/** A startup kit folder as read from disk (startup-kits.md §3). */
export interface KitInput {
  /** The kit folder's name (= participant name for kits `package` writes). */
  folder: string;
  /** `NN` when the kit sits in a `prod_NN` folder. */
  deployVersion?: string | undefined;
  /** Files of `startup/` by name; the caller reads `fed_*.json`, `*.crt`, `*.key`, `rootCA.pem`. */
  startup: Record<string, Uint8Array>;
  /** A server kit's installed CRL (`local/custom/flare_provision_crl.pem`), when it has one. */
  crl?: Uint8Array | undefined;
}

/** The connection settings a kit's `fed_*.json` holds (startup-kits.md §4-5). */
export interface KitConnection {
  kind: "server" | "client" | "admin";
  /** Project name (`servers[0].name` / `admin.project_name`). */
  project: string;
  /** fqsn / username / the server's own name (target host). */
  participant: string;
  scheme: string;
  connectionSecurity: string;
  /** `scheme://host:port` of the FL service (server and client kits). */
  endpoint?: string;
  /** `scheme://host:port` of the admin service (server and admin kits). */
  adminEndpoint?: string;
  /** The server CN the participant expects (client `identity`, admin `server_identity`). */
  serverIdentity?: string;
}

/** What a kit set compares across kits. */
export interface KitSummary {
  folder: string;
  connection?: KitConnection;
  certificate?: ParsedCertificate;
  root?: ParsedCertificate;
  fingerprint?: string;
  /** The kit's installed CRL, once it verified against the kit's root. */
  crl?: ParsedCrl;
}

interface KitState {
  connection?: KitConnection;
  cert?: ParsedCertificate;
  root?: ParsedCertificate;
  fingerprint?: string;
  crl?: ParsedCrl;
}

const FED_FILES = { server: "fed_server.json", client: "fed_client.json", admin: "fed_admin.json" } as const;

/** The kit kind from which `fed_*.json` is present, or undefined. */
function kitKind(startup: Record<string, Uint8Array>): KitConnection["kind"] | undefined {
  return (Object.keys(FED_FILES) as KitConnection["kind"][]).find((kind) => startup[FED_FILES[kind]]);
}

/**
 * Reads the connection settings out of a kit's `fed_*.json` (startup-kits.md §5). Throws
 * {@link CheckFailure} naming the file and field when one is missing or of the wrong type.
 */
export function readKitConnection(kind: KitConnection["kind"], bytes: Uint8Array): KitConnection {
  const file = FED_FILES[kind];
  let doc: unknown;
  try {
    doc = parseJson(bytes, file);
  } catch (error) {
    throw new CheckFailure(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  const field = (value: unknown, path: string): string => {
    if (typeof value === "string" && value) return value;
    if (typeof value === "number") return String(value);
    throw new CheckFailure(`${file} has no ${path}`);
  };
  const at = (value: unknown, key: string): unknown => (isMapping(value) ? value[key] : undefined);
  if (kind === "admin") {
    const admin = at(doc, "admin");
    const scheme = field(at(admin, "scheme"), "admin.scheme");
    return {
      kind,
      project: field(at(admin, "project_name"), "admin.project_name"),
      participant: field(at(admin, "username"), "admin.username"),
      scheme,
      connectionSecurity: field(at(admin, "connection_security"), "admin.connection_security"),
      adminEndpoint: `${scheme}://${field(at(admin, "host"), "admin.host")}:${field(at(admin, "port"), "admin.port")}`,
      serverIdentity: field(at(admin, "server_identity"), "admin.server_identity"),
    };
  }
  const servers = at(doc, "servers");
  const server = Array.isArray(servers) ? servers[0] : undefined;
  const service = at(server, "service");
  const scheme = field(at(service, "scheme"), "servers[0].service.scheme");
  const target = field(at(service, "target"), "servers[0].service.target");
  const project = field(at(server, "name"), "servers[0].name");
  if (kind === "server") {
    const adminHost = field(at(server, "admin_server"), "servers[0].admin_server");
    return {
      kind,
      project,
      participant: target.replace(/:[^:]*$/, ""),
      scheme,
      connectionSecurity: field(at(server, "connection_security"), "servers[0].connection_security"),
      endpoint: `${scheme}://${target}`,
      adminEndpoint: `${scheme}://${adminHost}:${field(at(server, "admin_port"), "servers[0].admin_port")}`,
    };
  }
  const client = at(doc, "client");
  return {
    kind,
    project,
    participant: field(at(client, "fqsn"), "client.fqsn"),
    scheme,
    connectionSecurity: field(at(client, "connection_security"), "client.connection_security"),
    endpoint: `${scheme}://${target}`,
    serverIdentity: field(at(server, "identity"), "servers[0].identity"),
  };
}

/**
 * Inspects one startup kit and returns its report and what a kit set compares. Checks: the
 * kit files are there, `fed_*.json` reads, the certificate chains to the kit's rootCA.pem and
 * has not expired, the private key is the certificate's, the identity agrees (certificate type
 * vs kit kind, CN = folder name = fqsn/username/server name, project = root CN) and
 * `--fingerprint`.
 */
export async function examineKit(
  input: KitInput,
  options: InspectOptions,
  deps: CoreDeps,
): Promise<{ report: InspectReport; summary: KitSummary }> {
  const now = deps.now();
  const kind = kitKind(input.startup);
  const base = kind === "server" ? "server" : "client";
  const certFile = `${base}.crt`;
  const keyFile = `${base}.key`;
  const state: KitState = {};
  const steps: CheckStep<KitState>[] = [
    {
      id: "kit-files",
      pass: `startup/ holds ${kind ? FED_FILES[kind] : "fed_*.json"}, ${certFile}, ${keyFile} and rootCA.pem`,
      run: () => {
        if (!kind)
          throw new CheckFailure("startup/ holds none of fed_server.json, fed_client.json, fed_admin.json");
        const missing = [certFile, keyFile, "rootCA.pem"].filter((file) => !input.startup[file]);
        if (missing.length > 0) throw new CheckFailure(`startup/ is missing ${missing.join(", ")}`);
      },
    },
    {
      id: "fed-json",
      needs: ["kit-files"],
      pass: (s) =>
        `${FED_FILES[s.connection!.kind]} names the project, participant, endpoint and connection security`,
      run: (s) => {
        s.connection = readKitConnection(kind!, input.startup[FED_FILES[kind!]]!);
      },
    },
    {
      id: "certificate",
      needs: ["kit-files"],
      pass: `startup/${certFile} holds a certificate`,
      run: (s) => {
        s.cert = parseKitCertificate(input.startup[certFile]!, certFile);
      },
    },
    {
      id: "rootca",
      needs: ["kit-files"],
      pass: "startup/rootCA.pem holds a certificate",
      run: async (s) => {
        s.root = parseKitCertificate(input.startup["rootCA.pem"]!, "rootCA.pem", parseSoleCertificate);
        s.fingerprint = await fingerprintSha256(s.root.der, deps);
      },
    },
    {
      id: "chain",
      needs: ["certificate", "rootca"],
      pass: `${certFile} is signed by the kit's rootCA.pem`,
      run: (s) => checkCertificateChain(s.cert!, s.root!, certFile, deps),
    },
    validNowStep(
      (s: KitState) => s.cert!,
      () => certFile,
      now,
      ["certificate"],
    ),
    {
      id: "key-matches-certificate",
      needs: ["certificate"],
      pass: `${keyFile} is the key of ${certFile}`,
      run: (s) => checkKeyMatchesCertificate(input.startup[keyFile]!, `startup/${keyFile}`, s.cert!, deps),
    },
    {
      id: "kit-identity",
      needs: ["fed-json", "certificate", "rootca"],
      pass: "certificate type, CN, folder name, fed_*.json participant and project agree",
      run: (s) => checkKitIdentity(input.folder, s.connection!, s.cert!, s.root!),
    },
  ];
  if (input.crl) {
    const label = `${input.folder}/${KIT_CRL_FILE}`;
    steps.push({
      id: "not-revoked",
      needs: ["certificate", "rootca"],
      pass: (s) =>
        `the kit's CRL (number ${s.crl!.crlNumber}) verifies with rootCA.pem and does not list ${certFile}`,
      run: async (s) => {
        s.crl = await loadTrustedCrl(
          { label, bytes: input.crl! },
          s.root!,
          `${input.folder}/startup/rootCA.pem`,
          deps,
        );
        refuseRevoked(s.cert!, input.folder, s.crl, label);
      },
    });
  }
  if (options.expectedFingerprint !== undefined) {
    steps.push(expectedFingerprintStep(options.expectedFingerprint, (s) => s.fingerprint!, ["rootca"]));
  }
  const checks = await collectChecks(steps, state);

  const facts: Facts = { folder: input.folder };
  if (state.cert) Object.assign(facts, certificateIdentity(state.cert));
  if (state.connection) {
    const c = state.connection;
    facts.kit = c.kind;
    facts.project = c.project;
  }
  if (input.deployVersion !== undefined) facts.deploy_version = input.deployVersion;
  if (state.connection) {
    const c = state.connection;
    facts.scheme = c.scheme;
    facts.connection_security = c.connectionSecurity;
    if (c.endpoint) facts.endpoint = c.endpoint;
    if (c.adminEndpoint) facts.admin_endpoint = c.adminEndpoint;
    if (c.serverIdentity) facts.server_identity = c.serverIdentity;
  }
  if (state.cert) {
    Object.assign(facts, certificateFacts(state.cert, now));
    facts.public_key_sha256 = await spkiSha256(state.cert.spkiDer, deps);
    // Only when it is time: what to run so the renewal keeps the kit's local/ settings.
    const days = daysLeft(state.cert.notAfter, now);
    if (days < EXPIRY_WARNING_DAYS)
      facts.renewal = renewalAdvice(state.cert.subject.commonName ?? "<name>", days);
  }
  if (state.fingerprint) facts.rootca_fingerprint_sha256 = state.fingerprint;
  if (state.crl) facts.crl = crlFact(state.crl);
  const summary: KitSummary = { folder: input.folder };
  if (state.crl) summary.crl = state.crl;
  if (state.connection) summary.connection = state.connection;
  if (state.cert) summary.certificate = state.cert;
  if (state.root) summary.root = state.root;
  if (state.fingerprint) summary.fingerprint = state.fingerprint;
  return { report: { artifact: "startup-kit", facts, checks }, summary };
}

/** One line about a CRL: its number, how many serials it lists, until when it is current. */
export function crlFact(crl: ParsedCrl): string {
  return `CRL number ${crl.crlNumber}, ${crl.revoked.length} revoked serial(s), nextUpdate ${crl.nextUpdate ? iso(crl.nextUpdate) : "none"}`;
}

/** Inspects one startup kit folder; see {@link examineKit}. */
export async function inspectKit(
  input: KitInput,
  options: InspectOptions,
  deps: CoreDeps,
): Promise<InspectReport> {
  return (await examineKit(input, options, deps)).report;
}

function parseKitCertificate(
  bytes: Uint8Array,
  file: string,
  parse: (pem: Uint8Array) => ParsedCertificate = parseCertificate,
): ParsedCertificate {
  try {
    return parse(bytes);
  } catch (error) {
    throw new CheckFailure(`startup/${file} is not a readable certificate: ${(error as Error).message}`);
  }
}

// startup-kits.md §1-§4 and validation.md §1: kits are named after their participant, the
// project name in fed_*.json is the root CN cut to 63 characters.
function checkKitIdentity(
  folder: string,
  connection: KitConnection,
  cert: ParsedCertificate,
  root: ParsedCertificate,
): void {
  const type = cert.subject.unstructuredName ?? "";
  const fits = connection.kind === "admin" ? isUserCertType(type) : type === connection.kind;
  if (!fits) throw new CheckFailure(`a ${connection.kind} kit holds a '${type}' certificate`);
  const cn = cert.subject.commonName ?? "";
  if (cn !== folder)
    throw new CheckFailure(`certificate CN '${cn}' differs from the kit folder name '${folder}'`);
  if (connection.participant !== cn) {
    throw new CheckFailure(
      `fed_*.json names participant '${connection.participant}' but the certificate CN is '${cn}'`,
    );
  }
  const project = (root.subject.commonName ?? "").slice(0, 63);
  if (connection.project !== project) {
    throw new CheckFailure(
      `fed_*.json names project '${connection.project}' but the root CA is for '${project}'`,
    );
  }
}
