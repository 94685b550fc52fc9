import { REVOCATION_REASONS } from "../../core/ledger/reasons.ts";
import { type CommandSpec, positiveInt } from "../command-spec.ts";
import { nodeEnv } from "../node-env.ts";
import { printable } from "../output.ts";
import { PASSPHRASE_ARGS, passphraseFrom } from "../passphrase-args.ts";

function reason(raw: string): string {
  if (!REVOCATION_REASONS.includes(raw))
    throw new Error(`invalid choice: '${raw}' (choose from ${REVOCATION_REASONS.join(", ")})`);
  return raw;
}

/** `nvflare cert revoke`: revoke certificates in the ledger and write the CA's CRL. */
export const certRevoke: CommandSpec = {
  words: ["cert", "revoke"],
  summary: "revoke certificates and write the CA's CRL (Project Admin)",
  description:
    "Revoke every certificate of NAME that is still valid (superseded ones included), or the one certificate --serial HEX, as recorded in the CA folder's issuance ledger: appends a revocation entry to the ledger and writes crl.pem in the CA folder (an X.509 v2 CRL signed by the root CA, listing every certificate ever revoked, with CRL number, thisUpdate, nextUpdate and reason codes), both in one commit. A serial the ledger does not know (signed before it started) can be revoked too. Install the CRL into the server's kit with 'nvflare kit crl install'; 'cert approve' puts it into every later signed zip. --dry-run shows what would be revoked and writes nothing.",
  args: [
    {
      name: "name",
      key: "name",
      type: "string",
      positional: true,
      metavar: "NAME",
      description: "participant or user whose valid certificates to revoke",
    },
    {
      name: "--serial",
      key: "serial",
      type: "string",
      metavar: "HEX",
      description: "revoke the one certificate with this serial (from 'cert list' or 'cert inspect')",
    },
    {
      name: "--ca-dir",
      aliases: ["-c"],
      key: "caDir",
      type: "path",
      required: true,
      metavar: "CA_DIR",
      description: "directory holding rootCA.key, rootCA.pem, ca.json and the ledger",
    },
    {
      name: "--reason",
      key: "reason",
      type: "string",
      metavar: "REASON",
      default: "unspecified",
      parse: reason,
      description: `CRL reason code: ${REVOCATION_REASONS.join(", ")}`,
    },
    {
      name: "--crl-days",
      key: "crlDays",
      type: "integer",
      metavar: "N",
      default: 30,
      parse: positiveInt,
      description: "days until the CRL's nextUpdate",
    },
    {
      name: "--dry-run",
      key: "dryRun",
      type: "boolean",
      description: "show what would be revoked and the CRL that would be written; write nothing",
    },
    ...PASSPHRASE_ARGS,
  ],
  examples: [
    "nvflare cert revoke hospital-b --ca-dir ./ca --reason cessationOfOperation",
    "nvflare cert revoke --serial 0x3c914bfbcf3ec6fc0a3cc8f40f7833c8d627588b -c ./ca --reason keyCompromise",
    "nvflare cert revoke alice@hospital-alpha.org -c ./ca --dry-run",
  ],
  async run(options, { reporter, cwd, env }) {
    const { revokeCertificates } = await import("../../node/ca-ledger.ts");
    const result = await revokeCertificates(
      {
        caDir: options.caDir as string,
        name: options.name as string | undefined,
        serial: options.serial as string | undefined,
        reason: (options.reason as string | undefined) ?? "unspecified",
        crlDays: (options.crlDays as number | undefined) ?? 30,
        dryRun: options.dryRun === true,
        passphrase: await passphraseFrom(options, { cwd, env }),
      },
      nodeEnv(cwd, env, (line) => reporter.note(line)),
    );
    const verb = result.dryRun ? "would revoke" : "revoked";
    const lines = result.revoked.map(
      (c) =>
        `${verb} ${c.serial}${c.name ? ` ${printable(c.name)} (${printable(c.cert_type ?? "")}, not after ${c.not_after})` : " (not in the ledger: signed before it started)"}`,
    );
    const crlLine = `${result.dryRun ? "would write" : "wrote"} ${printable(result.crlFile)}: CRL number ${result.crlNumber}, ${result.crlRevokedCount} revoked serial(s), thisUpdate ${result.thisUpdate}, nextUpdate ${result.nextUpdate}`;
    const next = result.dryRun
      ? "run again without --dry-run to revoke"
      : `install it into the server kit: nvflare kit crl install ${printable(result.crlFile)} SERVER_KIT_DIR`;
    reporter.document(
      {
        ca_dir: result.caDir,
        dry_run: result.dryRun,
        reason: result.reason,
        revoked: result.revoked,
        crl_file: result.crlFile,
        crl_number: result.crlNumber,
        this_update: result.thisUpdate,
        next_update: result.nextUpdate,
        crl_revoked_count: result.crlRevokedCount,
        ledger_seq: result.ledgerSeq,
        next_step: next,
      },
      `${lines.join("\n")}\n${crlLine}\nnext_step: ${next}\n`,
    );
  },
};
