import { invalidArgs } from "../../core/errors/flare-error.ts";
import type { CommandSpec } from "../command-spec.ts";
import { nodeEnv } from "../node-env.ts";

/** `nvflare package`: verify a signed zip and write the startup kit (validation.md §4.4). */
export const packageKit: CommandSpec = {
  words: ["package"],
  summary: "verify a signed zip and write the startup kit (participant)",
  description:
    "Verify a signed zip from the Project Admin against the local request folder and write the startup kit under <workspace>/<project>/prod_<NN>/<name>/. Pass --fingerprint with the root fingerprint the Project Admin shared out of band.",
  args: [
    {
      name: "input",
      key: "input",
      type: "path",
      positional: true,
      required: true,
      metavar: "INPUT",
      description: "<name>.signed.zip from 'nvflare cert approve'",
    },
    {
      name: "--workspace",
      aliases: ["-w"],
      key: "workspace",
      type: "path",
      metavar: "WORKSPACE",
      default: "workspace",
      description: "output root",
    },
    {
      name: "--request-dir",
      key: "requestDir",
      type: "path",
      metavar: "DIR",
      description: "local request folder (default: discovered)",
    },
    {
      name: "--fingerprint",
      aliases: ["--expected-fingerprint"],
      key: "fingerprint",
      type: "string",
      metavar: "FP",
      description: "expected root CA SHA256 fingerprint, from the Project Admin",
    },
    {
      name: "--force",
      key: "force",
      type: "boolean",
      description: "replace prod_<NN>/<name> only (never bypasses the root CA check)",
    },
    {
      name: "--python",
      key: "python",
      type: "path",
      metavar: "PATH",
      description:
        "Python with nvflare, for builders not run natively (default: $FLARE_PROVISION_PYTHON, else python3)",
    },
    {
      name: "--update",
      key: "update",
      type: "boolean",
      description:
        "renew an existing kit in place: replace startup/ (certificate, key, root, startup configs) atomically, keep local/ and transfer/ untouched; refused if the kit is another participant, project or root",
    },
    {
      name: "--crl",
      key: "crl",
      type: "path",
      metavar: "CRL",
      description:
        "a CRL of the project's CA (PEM or DER) to check the certificate against, besides the one in the signed zip; a server kit gets the newer one",
    },
  ],
  examples: [
    "nvflare package hospital-a/hospital-a.signed.zip --fingerprint SHA256:64:9D:...:7C:D5",
    "nvflare package ~/Downloads/site-9.signed.zip --request-dir ./site-9 -w ./workspace --fingerprint 649d1a1e...",
    "nvflare package hospital-a/hospital-a.signed.zip --update --fingerprint SHA256:64:9D:...:7C:D5",
  ],
  async run(options, { reporter, cwd, env }) {
    if (options.update === true && options.force === true)
      throw invalidArgs(
        "--update keeps the kit's local/ and transfer/; --force replaces the whole kit: use one",
      );
    const { packageSignedZip } = await import("../../node/package-kit.ts");
    const result = await packageSignedZip(
      {
        input: options.input as string,
        workspace: options.workspace as string,
        requestDir: options.requestDir as string | undefined,
        fingerprint: options.fingerprint as string | undefined,
        force: options.force === true,
        python: options.python as string | undefined,
        update: options.update === true,
        crl: options.crl as string | undefined,
      },
      nodeEnv(
        cwd,
        env,
        (line) => reporter.note(line),
        (line) => reporter.textWarning(line),
      ),
    );
    reporter.result({
      output_dir: result.outputDir,
      name: result.name,
      type: result.type,
      endpoint: result.endpoint,
      cert: result.cert,
      key: `${result.key}  (permissions: 0600)`,
      rootca: result.rootca,
      transfer_dir: result.transferDir,
      next_step:
        result.type === "server" || result.type === "client"
          ? `cd ${result.outputDir} && ./startup/start.sh`
          : `cd ${result.outputDir} && ./startup/fl_admin.sh`,
      provision_version: result.provisionVersion,
      rootca_fingerprint_sha256: result.fingerprint,
      ...(result.replaced
        ? {
            updated: true,
            replaced_serial: result.replaced.serial,
            replaced_valid_until: result.replaced.validUntil.toISOString().replace(/\.\d{3}Z$/, "Z"),
          }
        : {}),
    });
  },
};
