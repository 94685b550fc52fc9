import type { CommandSpec } from "../command-spec.ts";
import { nodeEnv } from "../node-env.ts";

/** `nvflare cert ledger verify`: check the CA's issuance ledger entry by entry. */
export const certLedgerVerify: CommandSpec = {
  words: ["cert", "ledger", "verify"],
  summary: "check the CA's issuance ledger for any edit, deletion, reordering or truncation",
  description:
    "Verify the issuance ledger of a CA folder: every entry of ledger.jsonl must be in canonical form, signed by the root CA key, numbered in sequence and chained to the entry before it by its SHA-256, and the signed head record ledger.head.json must name the last entry, so an edited, deleted, reordered or cut-off entry is found. Exit 0 and the entry count and head hash (record them elsewhere to detect a later rollback of both files); exit 4 (LEDGER_INVALID) naming the first bad entry. A CA folder without a ledger passes with 0 entries. Writes nothing (a killed approval's unfinished commit is first undone or completed).",
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
  ],
  examples: ["nvflare cert ledger verify --ca-dir ./ca", "nvflare --format json cert ledger verify -c ./ca"],
  async run(options, { reporter, cwd, env }) {
    const { verifyCaLedger } = await import("../../node/ca-ledger.ts");
    const result = await verifyCaLedger(
      { caDir: options.caDir as string },
      nodeEnv(cwd, env, (line) => reporter.note(line)),
    );
    reporter.result({
      ca_dir: result.caDir,
      ledger: result.absent ? "absent" : "ok",
      entries: result.entries,
      issued: result.issued,
      revocations: result.revocations,
      head_seq: result.headSeq,
      head_sha256: result.headHash,
      last_entry_time: result.lastEntryTime,
    });
  },
};
