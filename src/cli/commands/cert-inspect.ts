import { FlareError } from "../../core/errors/flare-error.ts";
import type { CheckResult, FactValue, InspectReport } from "../../core/inspect/types.ts";
import type { CommandSpec } from "../command-spec.ts";
import { nodeEnv } from "../node-env.ts";
import { printable, pythonText, redact } from "../output.ts";

function factText(value: FactValue): string {
  const text = Array.isArray(value)
    ? value.join(", ")
    : pythonText(value as string | number | boolean | null);
  return printable(redact(text));
}

function checkLine(check: CheckResult): string {
  const status = check.ok ? "ok  " : check.skipped ? "skip" : "FAIL";
  return `${status} ${check.id}: ${printable(redact(check.detail))}`;
}

/**
 * The text rendering of a report: `key: value` fact lines, then one line per check
 * (`ok`, `FAIL` or `skip`, id, detail), each kit of a kit set indented under `kit <folder>:`.
 */
export function renderReport(report: InspectReport, indent = ""): string {
  let out = `${indent}artifact: ${report.artifact}\n`;
  for (const [key, value] of Object.entries(report.facts)) out += `${indent}${key}: ${factText(value)}\n`;
  out += `${indent}checks:\n`;
  for (const check of report.checks) out += `${indent}  ${checkLine(check)}\n`;
  for (const kit of report.kits ?? []) {
    out += `${indent}kit ${factText(kit.facts.folder ?? "")}:\n${renderReport(kit, `${indent}  `)}`;
  }
  return out;
}

/** The JSON `data` of a report: artifact, facts, checks, failed ids and nested kits. */
function reportData(report: InspectReport, failed?: string[]): Record<string, unknown> {
  const data: Record<string, unknown> = {
    artifact: report.artifact,
    facts: report.facts,
    checks: report.checks,
  };
  if (failed) data.failed = failed;
  if (report.kits) data.kits = report.kits.map((kit) => reportData(kit));
  return data;
}

function countChecks(report: InspectReport): number {
  return report.checks.length + (report.kits ?? []).reduce((n, kit) => n + countChecks(kit), 0);
}

/** `nvflare cert inspect`: show every fact of an artifact and the result of every check that applies. */
export const certInspect: CommandSpec = {
  words: ["cert", "inspect"],
  summary: "show and check any artifact of this workflow",
  description:
    "Show what an artifact of this workflow is and check it: a request zip, a signed zip, a CA folder, a request folder, a startup kit, a folder of kits (prod_NN, checked for consistency too), or a PEM certificate, CSR or private key (a key's contents are never shown). Prints identity, type/role, org, project, SANs, serial, validity and days left, root fingerprint, deploy version, scheme, connection security and endpoint, then every check with ok/FAIL. Exit 0 when every check passes, 4 (INSPECT_CHECKS_FAILED) when one fails. Writes nothing.",
  args: [
    {
      name: "path",
      key: "path",
      type: "path",
      positional: true,
      required: true,
      metavar: "PATH",
      description: "the zip, folder or PEM file to inspect",
    },
    {
      name: "--fingerprint",
      aliases: ["--expected-fingerprint"],
      key: "fingerprint",
      type: "string",
      metavar: "FP",
      description: "expected root CA fingerprint (shared out of band); checked as expected-fingerprint",
    },
  ],
  examples: [
    "nvflare cert inspect hospital-a/hospital-a.signed.zip --fingerprint SHA256:64:9D:...:7C:D5",
    "nvflare cert inspect inbox/site-9.request.zip",
    "nvflare --format json cert inspect workspace/hospital_federation/prod_00",
    "nvflare cert inspect ca",
  ],
  async run(options, { reporter, cwd, env }) {
    const { inspectPath } = await import("../../node/inspect.ts");
    const result = await inspectPath(
      { path: options.path as string, fingerprint: options.fingerprint as string | undefined },
      nodeEnv(cwd, env, (line) => reporter.note(line)),
    );
    const { report, failed } = result;
    const total = countChecks(report);
    const data = reportData(report, failed);
    if (failed.length === 0) {
      reporter.document(
        data,
        `${renderReport(report)}result: ok, ${total === 1 ? "the check" : `all ${total} checks`} passed\n`,
      );
      return;
    }
    // Text mode shows the whole report on stdout, then the error on stderr; JSON mode carries
    // the report in the error envelope's data (cli.md §4.2).
    if (reporter.format === "txt") reporter.raw(renderReport(report));
    throw new FlareError("INSPECT_CHECKS_FAILED", {
      message: `${failed.length} of ${total} checks failed: ${failed.join(", ")}.`,
      data,
    });
  },
};
