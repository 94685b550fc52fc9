import { FlareError, invalidArgs } from "../../core/errors/flare-error.ts";
import { type CommandSpec, deployVersion, positiveInt } from "../command-spec.ts";
import { nodeEnv } from "../node-env.ts";
import { PASSPHRASE_ARGS, passphraseFrom } from "../passphrase-args.ts";

/** `nvflare cert init`: create the project root CA (cli.md §2, validation.md §4.1). */
export const certInit: CommandSpec = {
  words: ["cert", "init"],
  summary: "create the project root CA (Project Admin)",
  description:
    "Create the project root CA (Project Admin). Writes rootCA.key (0600), rootCA.pem and ca.json into the output directory and prints the root fingerprint to share out of band.",
  args: [
    {
      name: "--profile",
      key: "profile",
      type: "path",
      metavar: "PROJECT_PROFILE",
      description: "project profile YAML; only its name is read",
    },
    {
      name: "--output-dir",
      aliases: ["-o"],
      key: "outputDir",
      type: "path",
      metavar: "OUTPUT_DIR",
      description: "CA directory, created 0700",
    },
    {
      name: "--org",
      key: "org",
      type: "string",
      metavar: "ORG",
      description: "adds O=ORG to the root subject (issuer kept equal to the subject)",
    },
    {
      name: "--valid-days",
      key: "validDays",
      type: "integer",
      metavar: "DAYS",
      default: 3650,
      parse: positiveInt,
      description: "root certificate validity in days",
    },
    {
      name: "--deploy-version",
      key: "deployVersion",
      type: "string",
      metavar: "NN",
      default: "00",
      parse: deployVersion,
      description: "two-digit deploy version; kits land in prod_NN",
    },
    {
      name: "--force",
      key: "force",
      type: "boolean",
      description: "replace an existing CA of a different deploy version (old files move to .bak/)",
    },
    {
      name: "--encrypt-key",
      key: "encryptKey",
      type: "boolean",
      description:
        "write rootCA.key encrypted under a passphrase (PKCS#8, PBKDF2-HMAC-SHA256 600000 iterations, AES-256-CBC); NVFlare's own cert approve cannot use such a key",
    },
    ...PASSPHRASE_ARGS,
  ],
  examples: [
    "nvflare cert init --profile project_profile.yaml -o ./ca",
    "nvflare cert init --profile project_profile.yaml -o ./ca --deploy-version 01 --force",
    "nvflare cert init --profile project_profile.yaml -o ./ca --encrypt-key",
  ],
  async run(options, { reporter, cwd, env }) {
    // validation.md §4.1 row 2: the reference checks these itself, after argparse.
    const missing = [
      options.profile === undefined ? "--profile" : "",
      options.outputDir === undefined ? "-o/--output-dir" : "",
    ].filter(Boolean);
    if (missing.length > 0) {
      throw new FlareError("INVALID_ARGS", {
        detail: `missing required argument(s): ${missing.join(", ")}`,
        hint: "Run with -h for usage.",
      });
    }
    if (
      options.encryptKey !== true &&
      (options.passphraseFile !== undefined || options.passphraseEnv !== undefined)
    )
      throw invalidArgs("--passphrase-file and --passphrase-env need --encrypt-key here");
    const { initCa } = await import("../../node/init-ca.ts");
    const result = await initCa(
      {
        profile: options.profile as string,
        outputDir: options.outputDir as string,
        org: options.org as string | undefined,
        validDays: options.validDays as number,
        deployVersion: options.deployVersion as string,
        force: options.force === true,
        encryptKey: options.encryptKey === true ? await passphraseFrom(options, { cwd, env }) : undefined,
      },
      nodeEnv(cwd, env, (line) => reporter.note(line)),
    );
    reporter.result({
      ca_cert: result.caCert,
      project: result.project,
      provision_version: result.provisionVersion,
      rootca_fingerprint_sha256: result.fingerprint,
      subject_cn: result.subjectCn,
      valid_until: result.validUntil,
      project_profile: result.projectProfile,
      ...(result.keyEncryption ? { key_encryption: result.keyEncryption } : {}),
    });
  },
};
