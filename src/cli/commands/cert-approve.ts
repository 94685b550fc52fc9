import { type CommandSpec, positiveInt } from "../command-spec.ts";
import { nodeEnv } from "../node-env.ts";

/** `nvflare cert approve`: verify a request zip and sign it (validation.md §4.3). */
export const certApprove: CommandSpec = {
  words: ["cert", "approve"],
  summary: "verify a request zip and sign it",
  description:
    "Verify a request zip and issue the participant's certificate with the project root CA (Project Admin). Writes <name>.signed.zip next to the request zip (or --out) and prints the root fingerprint to share out of band. Running the command is the approval.",
  args: [
    {
      name: "request_zip",
      key: "requestZip",
      type: "path",
      positional: true,
      required: true,
      metavar: "REQUEST_ZIP",
      description: "<name>.request.zip from 'nvflare cert request'",
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
  ],
  examples: [
    "nvflare cert approve hospital-a/hospital-a.request.zip --ca-dir ./ca --profile project_profile.yaml",
    "nvflare cert approve inbox/site-9.request.zip -c ./ca --profile project_profile.yaml --out outbox/site-9.signed.zip",
  ],
  async run(options, { reporter, cwd, env }) {
    const { approveCert } = await import("../../node/approve-cert.ts");
    const result = await approveCert(
      {
        requestZip: options.requestZip as string,
        caDir: options.caDir as string,
        profile: options.profile as string,
        out: options.out as string | undefined,
        validDays: options.validDays as number,
        force: options.force === true,
      },
      nodeEnv(cwd, env, (line) => reporter.note(line)),
    );
    reporter.result({
      name: result.name,
      project: result.project,
      org: result.org,
      kind: result.kind,
      cert_role: result.certRole,
      cert_type: result.certType,
      csr_sha256: result.csrSha256,
      provision_version: result.provisionVersion,
      signed_zip: result.signedZip,
      request_id: result.requestId,
      rootca_fingerprint_sha256: result.fingerprint,
      audit: result.audit,
      next_step: `Return ${result.name}.signed.zip to the requester.`,
    });
  },
};
