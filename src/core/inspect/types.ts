/** One verification and its outcome, as `cert inspect` reports it. */
export interface CheckResult {
  /** Stable kebab-case identifier, e.g. `signature`, `site-yaml-hash`, `key-matches-certificate`. */
  id: string;
  /** True when the check passed. A skipped check is not ok. */
  ok: boolean;
  /** What was verified (pass) or what is wrong, with the error code when there is one (fail). */
  detail: string;
  /** Present (true) when the check could not run because a check it needs failed first. */
  skipped?: true;
}

/** A fact value: a scalar or a list of strings (SANs, members, kit names). */
export type FactValue = string | number | boolean | null | readonly string[];

/** Facts about an artifact in the order they are printed (insertion order of the keys). */
export type Facts = Record<string, FactValue>;

/** What `cert inspect` can look at (the node layer decides which one a path is). */
export type ArtifactKind =
  | "request-zip"
  | "signed-zip"
  | "ca-dir"
  | "request-dir"
  | "startup-kit"
  | "kit-set"
  | "certificate"
  | "csr"
  | "private-key";

/** The result of inspecting one artifact. */
export interface InspectReport {
  artifact: ArtifactKind;
  facts: Facts;
  checks: CheckResult[];
  /** `kit-set` only: the report of every kit in the folder, by folder name order. */
  kits?: InspectReport[];
}

/** Inputs every inspector takes besides the artifact's bytes. */
export interface InspectOptions {
  /** The expected root CA fingerprint (`--fingerprint`), any accepted spelling (certificates.md §7). */
  expectedFingerprint?: string | undefined;
}

/**
 * The ids of the failed checks of a report, kits included (prefixed `<kit>/`); skipped checks
 * are not listed since the check they needed is. Empty when everything passed.
 */
export function failedChecks(report: InspectReport): string[] {
  const own = report.checks.filter((c) => !c.ok && !c.skipped).map((c) => c.id);
  const nested = (report.kits ?? []).flatMap((kit) =>
    failedChecks(kit).map((id) => `${String(kit.facts.folder ?? kit.facts.name ?? "kit")}/${id}`),
  );
  return [...own, ...nested];
}
