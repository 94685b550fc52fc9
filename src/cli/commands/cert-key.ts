import type { CommandSpec } from "../command-spec.ts";
import { nodeEnv } from "../node-env.ts";
import { PASSPHRASE_ARGS, passphraseFrom } from "../passphrase-args.ts";

const CA_DIR_ARG = {
  name: "--ca-dir",
  aliases: ["-c"],
  key: "caDir",
  type: "path" as const,
  required: true,
  metavar: "CA_DIR",
  description: "directory holding rootCA.key (and rootCA.pem, which the key must match)",
};

/** `cert key encrypt`: protect an existing CA's key with a passphrase, in place. */
export const certKeyEncrypt: CommandSpec = {
  words: ["cert", "key", "encrypt"],
  summary: "encrypt the root CA key under a passphrase, in place (Project Admin)",
  description:
    "Rewrite rootCA.key as an encrypted PKCS#8 PEM (PBES2: PBKDF2-HMAC-SHA256 with 600000 iterations, AES-256-CBC), atomically and 0600. cert approve then asks for the passphrase on the terminal or reads --passphrase-file / --passphrase-env. NVFlare's own cert approve cannot use an encrypted key; 'cert key decrypt' undoes this. Copies of the old, unencrypted file (backups, snapshots, .bak/ folders) are not touched.",
  args: [CA_DIR_ARG, ...PASSPHRASE_ARGS],
  examples: [
    "nvflare cert key encrypt --ca-dir ./ca",
    "nvflare cert key encrypt -c ./ca --passphrase-file ~/.ca-passphrase",
  ],
  async run(options, { reporter, cwd, env }) {
    const { encryptCaKey } = await import("../../node/ca-key.ts");
    const result = await encryptCaKey(
      { caDir: options.caDir as string, passphrase: await passphraseFrom(options, { cwd, env }) },
      nodeEnv(cwd, env, (line) => reporter.note(line)),
    );
    reporter.result({
      ca_key: result.caKey,
      encrypted: result.encrypted,
      key_encryption: result.keyEncryption,
      next_step: "Keep the passphrase apart from the CA folder; cert approve asks for it.",
    });
  },
};

/** `cert key decrypt`: remove the passphrase from a CA's key, in place. */
export const certKeyDecrypt: CommandSpec = {
  words: ["cert", "key", "decrypt"],
  summary: "remove the root CA key's passphrase, in place (Project Admin)",
  description:
    "Rewrite an encrypted rootCA.key as the unencrypted PKCS#1 PEM that cert init writes by default (and NVFlare reads), atomically and 0600, after checking the passphrase.",
  args: [CA_DIR_ARG, ...PASSPHRASE_ARGS],
  examples: ["nvflare cert key decrypt --ca-dir ./ca"],
  async run(options, { reporter, cwd, env }) {
    const { decryptCaKey } = await import("../../node/ca-key.ts");
    const result = await decryptCaKey(
      { caDir: options.caDir as string, passphrase: await passphraseFrom(options, { cwd, env }) },
      nodeEnv(cwd, env, (line) => reporter.note(line)),
    );
    reporter.result({
      ca_key: result.caKey,
      encrypted: result.encrypted,
      key_encryption: result.keyEncryption,
      next_step: "The key is readable by anyone who can read the file: keep the CA folder offline.",
    });
  },
};
