import type { CommandSpec } from "../command-spec.ts";
import { nodeEnv } from "../node-env.ts";

/** `nvflare cert request`: key, CSR and request zip for one participant (validation.md §4.2). */
export const certRequest: CommandSpec = {
  words: ["cert", "request"],
  summary: "create a private key, CSR and request zip (participant)",
  description:
    "Create a private key (0600, never leaves this machine), a CSR and <name>.request.zip for the participant defined in a one-participant YAML file. Send only the request zip to the Project Admin.",
  args: [
    {
      name: "--participant",
      aliases: ["-p"],
      key: "participant",
      type: "path",
      required: true,
      metavar: "PARTICIPANT",
      description: "participant definition file",
    },
    {
      name: "--out",
      key: "out",
      type: "path",
      metavar: "OUTPUT_DIR",
      description: "request folder (default: ./<name>)",
    },
    {
      name: "--force",
      key: "force",
      type: "boolean",
      description: "regenerate: new key and request id; the old key and CSR move to .bak/",
    },
    {
      name: "--reuse-key",
      key: "reuseKey",
      type: "boolean",
      description:
        "renew with the key already in the request folder: new CSR, request id and zip, the key untouched (default for a renewal: --force, a new key)",
    },
  ],
  examples: [
    "nvflare cert request --participant hospital-a.yaml",
    "nvflare cert request -p server.yaml --out ./server-request",
    "nvflare cert request -p hospital-a.yaml --force      # renew with a new key",
  ],
  async run(options, { reporter, cwd, env }) {
    const { requestCert } = await import("../../node/request-cert.ts");
    const result = await requestCert(
      {
        participant: options.participant as string,
        out: options.out as string | undefined,
        force: options.force === true,
        reuseKey: options.reuseKey === true,
      },
      nodeEnv(cwd, env, (line) => reporter.note(line)),
    );
    reporter.result({
      name: result.name,
      project: result.project,
      request_zip: result.requestZip,
      request_id: result.requestId,
      request_code: result.requestCode,
      audit: result.audit,
      next_step: `Send ${result.name}.request.zip to your Project Admin, then read the request code ${result.requestCode} to them over a channel they trust (a phone or video call, not the message that carries the zip); they approve only a zip with this code. It is kept in ${result.requestCodeFile}.`,
    });
  },
};
