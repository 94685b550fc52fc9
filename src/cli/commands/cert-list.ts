import { CERT_STATUSES, type CertStatus, type IssuedCert } from "../../core/ledger/cert-status.ts";
import { type CommandSpec, positiveInt } from "../command-spec.ts";
import { nodeEnv } from "../node-env.ts";
import { printable } from "../output.ts";

const COLUMNS: [string, (c: IssuedCert) => string][] = [
  ["SERIAL", (c) => c.serial],
  ["NAME", (c) => c.name],
  ["TYPE", (c) => c.cert_type],
  ["ORG", (c) => c.org],
  ["STATUS", (c) => c.status],
  ["NOT AFTER", (c) => c.not_after],
  ["DAYS LEFT", (c) => String(c.days_left)],
];

/** The text table of `cert list`: one row per certificate, columns padded to their widest cell. */
export function certTable(certs: readonly IssuedCert[]): string {
  const rows = [
    COLUMNS.map(([title]) => title),
    ...certs.map((c) => COLUMNS.map(([, cell]) => printable(cell(c)))),
  ];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((r) => (r[i] as string).length)));
  return rows
    .map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  "))
    .join("\n");
}

function status(raw: string): CertStatus {
  if (!(CERT_STATUSES as readonly string[]).includes(raw))
    throw new Error(`invalid choice: '${raw}' (choose from ${CERT_STATUSES.join(", ")})`);
  return raw as CertStatus;
}

/** `nvflare cert list`: what the CA issued, from its ledger, with status and days left. */
export const certList: CommandSpec = {
  words: ["cert", "list"],
  summary: "list the certificates the CA issued, with status (Project Admin)",
  description:
    "List every certificate recorded in the CA folder's issuance ledger (ledger.jsonl, written by 'cert approve'), with its status — valid, expired, revoked, or superseded by a newer certificate of the same identity — and days left. The ledger is verified first (LEDGER_INVALID, exit 4, if it was altered). Certificates approved before the ledger started (by the reference nvflare or an older version) are not listed. Writes nothing.",
  args: [
    {
      name: "--ca-dir",
      aliases: ["-c"],
      key: "caDir",
      type: "path",
      required: true,
      metavar: "CA_DIR",
      description: "directory holding rootCA.pem, ca.json and the ledger",
    },
    {
      name: "--name",
      key: "name",
      type: "string",
      metavar: "NAME",
      description: "only this participant or user",
    },
    {
      name: "--type",
      key: "type",
      type: "string",
      metavar: "TYPE",
      description: "only this certificate type (server, client, org_admin, lead, member)",
    },
    {
      name: "--expiring",
      key: "expiring",
      type: "integer",
      metavar: "DAYS",
      parse: positiveInt,
      description: "only certificates not revoked that expire within DAYS days",
    },
    {
      name: "--status",
      key: "status",
      type: "string",
      metavar: "STATUS",
      parse: status,
      description: "only certificates with this status (valid, expired, revoked, superseded)",
    },
  ],
  examples: [
    "nvflare cert list --ca-dir ./ca",
    "nvflare cert list -c ./ca --expiring 30",
    "nvflare --format json cert list -c ./ca --name hospital-a",
  ],
  async run(options, { reporter, cwd, env }) {
    const { listCaCertificates } = await import("../../node/ca-ledger.ts");
    const result = await listCaCertificates(
      {
        caDir: options.caDir as string,
        filter: {
          name: options.name as string | undefined,
          type: options.type as string | undefined,
          status: options.status as CertStatus | undefined,
          expiringDays: options.expiring as number | undefined,
        },
      },
      nodeEnv(cwd, env, (line) => reporter.note(line)),
    );
    if (result.absent)
      reporter.note(
        "Note: this CA folder has no issuance ledger yet; 'cert approve' starts one at its next approval.",
      );
    const shown = result.certificates.length;
    const summary = `${shown} of ${result.total} certificates${shown === result.total ? "" : " (filtered)"}`;
    reporter.document(
      { ca_dir: result.caDir, total: result.total, shown, certificates: result.certificates },
      `${shown > 0 ? `${certTable(result.certificates)}\n` : ""}${summary}\n`,
    );
  },
};
