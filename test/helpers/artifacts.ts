import { existsSync } from "node:fs";
import type { ApprovalInputs } from "../../src/core/approval/approve-request.ts";
import type { KitInput } from "../../src/core/inspect/inspect-kit.ts";
import type { InspectReport } from "../../src/core/inspect/types.ts";
import { readZip } from "../../src/core/zip/read-zip.ts";
import { writeZip } from "../../src/core/zip/write-zip.ts";
import { FIXTURE_TIME } from "./deps.ts";
import { fixturePath, readFixture } from "./fixtures.ts";

/** Root fingerprint of the `hospital/` scenario's CA (test/vectors/nvflare/CATALOGUE.md). */
export const HOSPITAL_FP =
  "SHA256:64:9D:1A:1E:7B:D3:0E:C7:B2:07:53:2D:41:D5:CE:AD:E3:B4:8D:74:96:A2:E8:DC:68:C7:64:FE:FC:6B:7C:D5";

/** Root fingerprint of the `errors/` scenario's `ca/` (test/vectors/nvflare/CATALOGUE.md). */
export const ERRORS_FP =
  "SHA256:4D:6C:F8:4F:42:85:F8:C2:5C:84:FD:3D:8F:C0:D6:5B:68:BA:EA:D5:9E:50:84:51:5A:EC:F1:A7:48:AB:1F:38";

/** `cert approve` inputs with the hospital scenario's CA and profile, overridable per test. */
export function hospitalApprovalInputs(
  requestZip: Uint8Array,
  overrides: Partial<ApprovalInputs> = {},
): ApprovalInputs {
  const H = "hospital/work";
  return {
    requestZip,
    caDir: "ca",
    caJson: { path: "ca/ca.json", bytes: readFixture(H, "ca/ca.json") },
    rootCaPem: { path: "ca/rootCA.pem", bytes: readFixture(H, "ca/rootCA.pem") },
    rootCaKey: { path: "ca/rootCA.key", bytes: readFixture(H, "ca/rootCA.key") },
    profile: { path: "project_profile.yaml", bytes: readFixture(H, "project_profile.yaml") },
    validDays: 1095,
    ...overrides,
  };
}

/** A fixture zip re-written after `edit` changed its members (order kept, fixed timestamp). */
export function editedZip(fixture: string[], edit: (members: Map<string, Uint8Array>) => void): Uint8Array {
  const members = new Map(readZip(readFixture(...fixture)).map((e) => [e.name, e.data]));
  edit(members);
  return writeZip(
    [...members].map(([name, data]) => ({ name, data })),
    { date: FIXTURE_TIME },
  );
}

/** Ids of the checks that failed (skipped ones excluded). */
export function failedChecks(report: InspectReport): string[] {
  return report.checks.filter((c) => !c.ok && !c.skipped).map((c) => c.id);
}

/** The detail of check `id`, or "" when the report has no such check. */
export function checkDetail(report: InspectReport, id: string): string {
  return report.checks.find((c) => c.id === id)?.detail ?? "";
}

/** The startup files of the reference kit `<prod>/<folder>`, as the node layer reads them. */
export function fixtureKitInput(prod: string, folder: string, deployVersion = "00"): KitInput {
  const startup: Record<string, Uint8Array> = {};
  for (const file of [
    "fed_server.json",
    "fed_client.json",
    "fed_admin.json",
    "server.crt",
    "server.key",
    "client.crt",
    "client.key",
    "rootCA.pem",
  ]) {
    if (existsSync(fixturePath(prod, folder, "startup", file)))
      startup[file] = readFixture(prod, folder, "startup", file);
  }
  return { folder, deployVersion, startup };
}
