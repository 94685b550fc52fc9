import { FlareError, invalidArgs } from "../../core/errors/flare-error.ts";
import { normalizeRequestCode } from "../../core/request/request-code-text.ts";
import type { RosterEntry } from "../../core/roster/roster.ts";
import type { ApproveBatchResult, BatchEntry, BatchInputs, BatchRecord } from "../../node/approve-batch.ts";
import { type CommandContext, type CommandSpec, positiveInt } from "../command-spec.ts";
import { nodeEnv } from "../node-env.ts";
import { printable, type Reporter } from "../output.ts";
import { PASSPHRASE_ARGS, passphraseFrom } from "../passphrase-args.ts";

/** `--expect-code`: 16 base32 characters in any case, with or without spaces and dashes. */
function requestCodeArg(raw: string): string {
  const code = normalizeRequestCode(raw);
  if (code === undefined)
    throw new Error(`not a request code (16 base32 characters, XXXX-XXXX-XXXX-XXXX): '${raw}'`);
  return code;
}

/** The one text line of a batch record: what happened to the zip, or what would. */
export function batchLine(record: BatchRecord, shown: string): string {
  const text = (value: unknown) => printable(String(value));
  if (record.status === "failed")
    return `failed         ${text(shown)}: ${text(record.error_code)}: ${text(record.message)}`;
  const who = `${text(record.cert_type)} ${text(record.name)} (O=${text(record.org)})`;
  if (record.status === "approved") {
    return `approved       ${text(shown)} -> ${text(record.signed_zip)}: ${who}, request_id ${text(record.request_id)}`;
  }
  const sans = (record.sans as readonly string[]).map(text).join(", ");
  return (
    `would approve  ${text(shown)} -> ${text(record.signed_zip)}: ${who}, SANs ${sans}, ` +
    `valid ${text(record.not_before)} to ${text(record.valid_until)} (${text(record.valid_days)} days), ` +
    `request code ${text(record.request_code)}`
  );
}

/** A roster participant no zip of the batch is for. */
function missingLine(entry: RosterEntry): string {
  const kind = entry.role ? `${entry.type} ${entry.role}` : entry.type;
  return `not received   ${printable(entry.name)}: ${printable(kind)} (O=${printable(entry.org)}), no request zip in this batch`;
}

function batchSummary(result: ApproveBatchResult): string {
  const missing = result.rosterMissing?.length
    ? `; ${result.rosterMissing.length} on the roster sent no request`
    : "";
  return batchCounts(result) + missing;
}

function batchCounts(result: ApproveBatchResult): string {
  const total = result.results.length;
  if (result.dryRun) {
    return `dry run: ${result.succeeded} of ${total} request zips would be approved, ${result.failed} would fail; nothing was written`;
  }
  return `approved ${result.succeeded} of ${total} request zips, ${result.failed} failed`;
}

/**
 * Several zips, a folder or `--dry-run`: one text line per zip as it is done, then a summary;
 * JSON mode one envelope whose `data.results` holds one record per zip. Any failure makes the
 * run fail with `BATCH_APPROVE_FAILED` (exit = the worst exit status among the failed zips).
 */
async function runBatch(
  options: Record<string, unknown>,
  batch: BatchInputs,
  reporter: Reporter,
  cwd: string,
  env: CommandContext["env"],
): Promise<void> {
  if (options.out !== undefined && (batch.fromFolder || batch.entries.length > 1)) {
    throw invalidArgs(
      "--out names one signed zip; it cannot be used with several REQUEST_ZIP arguments or a folder of request zips",
    );
  }
  const { approveBatch } = await import("../../node/approve-batch.ts");
  const text = reporter.format === "txt";
  const result = await approveBatch(
    {
      requestZips: batch.entries,
      caDir: options.caDir as string,
      profile: options.profile as string,
      out: options.out as string | undefined,
      validDays: options.validDays as number,
      force: options.force === true,
      dryRun: options.dryRun === true,
      expectedCode: options.expectCode as string | undefined,
      roster: options.roster as string | undefined,
      passphrase: await passphraseFrom(options, { cwd, env }),
    },
    nodeEnv(cwd, env, (line) => reporter.note(line)),
    (record, entry) => {
      if (text) reporter.raw(`${batchLine(record, entry.shown)}\n`);
    },
  );
  const data = {
    dry_run: result.dryRun,
    total: result.results.length,
    [result.dryRun ? "would_approve" : "approved"]: result.succeeded,
    failed: result.failed,
    results: result.results,
    ...(result.rosterMissing
      ? {
          roster_missing: result.rosterMissing.map((e) => ({
            name: e.name,
            type: e.type,
            org: e.org,
            role: e.role,
          })),
        }
      : {}),
  };
  if (text) for (const entry of result.rosterMissing ?? []) reporter.raw(`${missingLine(entry)}\n`);
  if (result.failed === 0) {
    reporter.document(data, `${batchSummary(result)}\n`);
    return;
  }
  if (text) reporter.raw(`${batchSummary(result)}\n`);
  const failedZips = batch.entries
    .filter((_, i) => result.results[i]?.status === "failed")
    .map((e) => e.shown);
  throw new FlareError("BATCH_APPROVE_FAILED", {
    message: `${result.failed} of ${result.results.length} request zips failed: ${failedZips.join(", ")}.`,
    hint: result.dryRun
      ? "Fix or remove the failed request zips and run again; nothing was written (dry run)."
      : "Fix or remove the failed request zips and approve them again; the others were signed.",
    exit: result.worstExit as 1 | 4 | 5,
    data,
  });
}

/** `nvflare cert approve`: verify a request zip and sign it (validation.md §4.3). */
export const certApprove: CommandSpec = {
  words: ["cert", "approve"],
  summary: "verify request zips and sign them (Project Admin)",
  description:
    "Verify a request zip and issue the participant's certificate with the project root CA (Project Admin). Writes <name>.signed.zip next to the request zip (or --out) and prints the root fingerprint to share out of band. Running the command is the approval. Several zips or a folder of *.request.zip approve a batch: each valid zip is signed, a bad one is reported and skipped, one line (JSON: one record) per zip, exit non-zero if any failed. --dry-run verifies everything and shows what would be signed without writing anything.",
  args: [
    {
      name: "request_zip",
      key: "requestZip",
      type: "path",
      positional: true,
      variadic: true,
      required: true,
      metavar: "REQUEST_ZIP",
      description:
        "<name>.request.zip from 'nvflare cert request'; several zips or a folder of them approve a batch",
    },
    {
      name: "--ca-dir",
      aliases: ["-c"],
      key: "caDir",
      type: "path",
      required: true,
      metavar: "CA_DIR",
      description: "directory holding rootCA.key, rootCA.pem and ca.json",
    },
    {
      name: "--profile",
      key: "profile",
      type: "path",
      required: true,
      metavar: "PROFILE",
      description: "project profile (fully validated)",
    },
    {
      name: "--out",
      key: "out",
      type: "path",
      metavar: "SIGNED_ZIP",
      description: "signed zip path (default: <dir of REQUEST_ZIP>/<name>.signed.zip)",
    },
    {
      name: "--valid-days",
      key: "validDays",
      type: "integer",
      metavar: "N",
      default: 1095,
      parse: positiveInt,
      description: "certificate validity in days, capped at the root's expiry",
    },
    { name: "--force", key: "force", type: "boolean", description: "overwrite an existing signed zip" },
    {
      name: "--expect-code",
      key: "expectCode",
      type: "string",
      metavar: "CODE",
      parse: requestCodeArg,
      description:
        "the request code the participant read to you over a trusted channel; a zip with another code is refused (REQUEST_CODE_MISMATCH) and nothing is written. Case, spaces and dashes are ignored",
    },
    {
      name: "--roster",
      key: "roster",
      type: "path",
      metavar: "ROSTER",
      description:
        "YAML list of the participants you expect (name, type, org, role, optional request_code); a request not on it, differing from it, or with another code is refused and not signed. A batch also lists who on the roster sent no request",
    },
    ...PASSPHRASE_ARGS,
    {
      name: "--dry-run",
      key: "dryRun",
      type: "boolean",
      description:
        "verify everything and show what would be signed (identity, type, SANs, validity, output); write nothing",
    },
  ],
  examples: [
    "nvflare cert approve hospital-a/hospital-a.request.zip --ca-dir ./ca --profile project_profile.yaml",
    "nvflare cert approve inbox/site-9.request.zip -c ./ca --profile project_profile.yaml --out outbox/site-9.signed.zip",
    "nvflare cert approve inbox/ -c ./ca --profile project_profile.yaml --dry-run",
    "nvflare cert approve a.request.zip b.request.zip -c ./ca --profile project_profile.yaml",
    "nvflare cert approve inbox/hospital-a.request.zip -c ./ca --profile project_profile.yaml --expect-code XYD6-J6XT-EBM1-18WQ",
    "nvflare cert approve inbox/ -c ./ca --profile project_profile.yaml --roster roster.yaml --dry-run",
  ],
  async run(options, { reporter, cwd, env }) {
    const { expandRequestZips } = await import("../../node/approve-batch.ts");
    const batch = expandRequestZips(options.requestZip as string[], cwd);
    if (options.expectCode !== undefined && (batch.fromFolder || batch.entries.length > 1)) {
      throw invalidArgs(
        "--expect-code names the code of one request zip; for several, list each participant's code in a --roster file",
      );
    }
    if (options.dryRun === true || batch.fromFolder || batch.entries.length > 1) {
      await runBatch(options, batch, reporter, cwd, env);
      return;
    }
    const { approveCert, approvalRecord } = await import("../../node/approve-cert.ts");
    const result = await approveCert(
      {
        requestZip: (batch.entries[0] as BatchEntry).shown,
        caDir: options.caDir as string,
        profile: options.profile as string,
        out: options.out as string | undefined,
        validDays: options.validDays as number,
        force: options.force === true,
        expectedCode: options.expectCode as string | undefined,
        roster: options.roster as string | undefined,
        passphrase: await passphraseFrom(options, { cwd, env }),
      },
      nodeEnv(cwd, env, (line) => reporter.note(line)),
    );
    reporter.result({
      ...approvalRecord(result),
      next_step: `Return ${result.name}.signed.zip to the requester.`,
    });
  },
};
