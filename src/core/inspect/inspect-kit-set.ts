import { isoSeconds } from "../bytes/time.ts";
import type { CoreDeps } from "../deps.ts";
import { securityMismatchConsequence } from "../package/consistency.ts";
import { daysLeft } from "./certificate-facts.ts";
import { CheckFailure, type CheckStep, collectChecks } from "./check-steps.ts";
import { examineKit, type KitInput, type KitSummary } from "./inspect-kit.ts";
import { EXPIRY_WARNING_DAYS } from "./renewal-advice.ts";
import type { Facts, InspectOptions, InspectReport } from "./types.ts";

/** A folder holding several startup kits, e.g. `<workspace>/<project>/prod_NN` (startup-kits.md §1). */
export interface KitSetInput {
  /** The folder's name, e.g. `prod_00`. */
  folder: string;
  /** Every kit folder in it, in name order. */
  kits: KitInput[];
}

/** Certificates expiring sooner than this many days are flagged by `expiry-window`. */
export { EXPIRY_WARNING_DAYS } from "./renewal-advice.ts";

// startup-kits.md §4: use_aio only swaps the driver (grpc→agrpc, tcp→atcp); same endpoint.
const SYNC_SCHEME: Record<string, string> = { agrpc: "grpc", atcp: "tcp" };

function normalizeEndpoint(endpoint: string): string {
  const [scheme, rest] = endpoint.split("://");
  return `${SYNC_SCHEME[scheme ?? ""] ?? scheme}://${rest}`;
}

/** Values with the kits holding each, in first-seen order: `value (a, b); other (c)`. */
function grouped(entries: ReadonlyArray<[string, string]>): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const [value, kit] of entries) groups.set(value, [...(groups.get(value) ?? []), kit]);
  return groups;
}

function describeGroups(groups: Map<string, string[]>): string {
  return [...groups].map(([value, kits]) => `${value} (${kits.join(", ")})`).join("; ");
}

/**
 * Inspects every kit of a folder (each report under `kits`) and checks that they can work
 * together: one root CA (validation.md §4.4 row 35), one connection security mode (a server
 * override makes clients unable to register, startup-kits.md §4), one FL endpoint and one admin
 * endpoint, the server identity clients and admins expect, and no certificate (kit or root)
 * expiring within {@link EXPIRY_WARNING_DAYS} days.
 */
export async function inspectKitSet(
  input: KitSetInput,
  options: InspectOptions,
  deps: CoreDeps,
): Promise<InspectReport> {
  const now = deps.now();
  const examined = [];
  for (const kit of input.kits) examined.push(await examineKit(kit, options, deps));
  const summaries = examined.map((e) => e.summary);
  const steps: CheckStep<readonly KitSummary[]>[] = [
    {
      id: "same-root-ca",
      pass: "every kit carries the same root CA",
      run: (kits) => {
        const groups = grouped(kits.filter((k) => k.fingerprint).map((k) => [k.fingerprint!, k.folder]));
        if (groups.size > 1) {
          throw new CheckFailure(
            `the kits carry different root CAs, so they cannot authenticate each other: ${describeGroups(groups)}`,
          );
        }
      },
    },
    {
      id: "same-connection-security",
      pass: "every kit uses the same connection security",
      run: (kits) => checkSecurity(kits),
    },
    {
      id: "same-endpoint",
      pass: "every kit points at the same server endpoints and expects the same server identity",
      run: (kits) => checkEndpoints(kits),
    },
    {
      id: "expiry-window",
      pass: `no kit certificate or root CA expires within ${EXPIRY_WARNING_DAYS} days`,
      run: (kits) => {
        const soon: string[] = [];
        for (const kit of kits) {
          for (const [what, cert] of [
            ["certificate", kit.certificate],
            ["root CA", kit.root],
          ] as const) {
            if (!cert) continue;
            const days = daysLeft(cert.notAfter, now);
            if (days < EXPIRY_WARNING_DAYS) {
              soon.push(
                `${kit.folder} ${what} ${days < 0 ? "expired" : "expires"} ${isoSeconds(cert.notAfter)} (${days} days)`,
              );
            }
          }
        }
        if (soon.length > 0)
          // Each kit's own report says what to run (its `renewal` fact).
          throw new CheckFailure(`expiring within ${EXPIRY_WARNING_DAYS} days: ${soon.join("; ")}`);
      },
    },
  ];
  // A CRL installed in the server kit applies to every kit of the federation.
  const newest = summaries
    .filter((k) => k.crl)
    .sort((a, b) => Number((b.crl!.crlNumber ?? 0n) - (a.crl!.crlNumber ?? 0n)))[0];
  if (newest) {
    const crl = newest.crl!;
    steps.push({
      id: "not-revoked",
      pass: `no kit's certificate is listed by the CRL of ${newest.folder} (number ${crl.crlNumber})`,
      run: (kits) => {
        const revoked = kits.filter(
          (k) => k.certificate && crl.revoked.some((r) => r.serialHex === k.certificate!.serialHex),
        );
        if (revoked.length > 0) {
          throw new CheckFailure(
            `revoked by the CRL of ${newest.folder} (number ${crl.crlNumber}): ${revoked.map((k) => `${k.folder} (serial ${k.certificate!.serialHex})`).join(", ")}`,
          );
        }
      },
    });
  }
  const checks = await collectChecks(steps, summaries);
  return {
    artifact: "kit-set",
    facts: kitSetFacts(input, summaries),
    checks,
    kits: examined.map((e) => e.report),
  };
}

function checkSecurity(kits: readonly KitSummary[]): void {
  const withMode = kits.filter((k) => k.connection);
  const groups = grouped(withMode.map((k) => [k.connection!.connectionSecurity, k.folder]));
  if (groups.size <= 1) return;
  const server = withMode.find((k) => k.connection!.kind === "server");
  if (server) {
    const serverMode = server.connection!.connectionSecurity;
    const others = withMode.filter((k) => k !== server && k.connection!.connectionSecurity !== serverMode);
    const consequences = [...grouped(others.map((k) => [k.connection!.connectionSecurity, k.folder]))].map(
      ([mode, names]) => `${names.join(", ")} use ${mode} (${securityMismatchConsequence(serverMode, mode)})`,
    );
    throw new CheckFailure(`server ${server.folder} uses ${serverMode} but ${consequences.join("; ")}`);
  }
  throw new CheckFailure(`the kits use different connection security modes: ${describeGroups(groups)}`);
}

function checkEndpoints(kits: readonly KitSummary[]): void {
  const problems: string[] = [];
  const compare = (label: string, entries: Array<[string, string]>) => {
    const groups = grouped(entries);
    if (groups.size > 1) problems.push(`${label} differs: ${describeGroups(groups)}`);
  };
  const connected = kits.filter((k) => k.connection);
  compare(
    "FL endpoint",
    connected
      .filter((k) => k.connection!.endpoint)
      .map((k) => [normalizeEndpoint(k.connection!.endpoint!), k.folder]),
  );
  compare(
    "admin endpoint",
    connected
      .filter((k) => k.connection!.adminEndpoint)
      .map((k) => [normalizeEndpoint(k.connection!.adminEndpoint!), k.folder]),
  );
  const server = connected.find((k) => k.connection!.kind === "server");
  compare("server identity", [
    ...(server ? [[server.connection!.participant, server.folder] as [string, string]] : []),
    ...connected
      .filter((k) => k.connection!.serverIdentity)
      .map((k) => [k.connection!.serverIdentity!, k.folder] as [string, string]),
  ]);
  if (problems.length > 0) throw new CheckFailure(problems.join("; "));
}

function kitSetFacts(input: KitSetInput, kits: readonly KitSummary[]): Facts {
  const facts: Facts = { folder: input.folder };
  const projects = [...new Set(kits.flatMap((k) => (k.connection ? [k.connection.project] : [])))];
  facts.project = projects.length === 1 ? (projects[0] as string) : projects;
  const version = input.kits.find((k) => k.deployVersion !== undefined)?.deployVersion;
  if (version !== undefined) facts.deploy_version = version;
  facts.kits = kits.map((k) =>
    k.connection ? `${k.folder} (${k.connection.kind})` : `${k.folder} (unreadable)`,
  );
  const fingerprints = [...new Set(kits.flatMap((k) => (k.fingerprint ? [k.fingerprint] : [])))];
  facts.rootca_fingerprint_sha256 = fingerprints.length === 1 ? (fingerprints[0] as string) : fingerprints;
  facts.connection_security = kits
    .filter((k) => k.connection)
    .map((k) => `${k.folder}: ${k.connection!.connectionSecurity}`);
  const endpoints = [
    ...new Set(kits.flatMap((k) => (k.connection?.endpoint ? [k.connection.endpoint] : []))),
  ];
  facts.endpoint = endpoints.length === 1 ? (endpoints[0] as string) : endpoints;
  const earliest = kits
    .flatMap((k) => (k.certificate ? [[k.folder, k.certificate.notAfter] as const] : []))
    .sort((a, b) => a[1].getTime() - b[1].getTime())[0];
  if (earliest) facts.first_expiry = `${earliest[0]} ${isoSeconds(earliest[1])}`;
  return facts;
}
