import type { ArgSpec, CommandContext } from "./command-spec.ts";

/**
 * `--passphrase-file` and `--passphrase-env`, shared by every command that reads or sets the
 * root CA key's passphrase. There is deliberately no option that takes the passphrase itself:
 * `ps` and shell history would show it (docs/security.md "Passphrase-protected root key").
 */
export const PASSPHRASE_ARGS: ArgSpec[] = [
  {
    name: "--passphrase-file",
    key: "passphraseFile",
    type: "path",
    metavar: "FILE",
    description:
      "read the root CA key's passphrase from the first line of FILE (default: ask on the terminal, without echo)",
  },
  {
    name: "--passphrase-env",
    key: "passphraseEnv",
    type: "string",
    metavar: "NAME",
    description: "read the root CA key's passphrase from the environment variable NAME",
  },
];

/** The passphrase source of a command's parsed options (loads the Node code lazily). */
export async function passphraseFrom(
  options: Record<string, unknown>,
  { cwd, env }: Pick<CommandContext, "cwd" | "env">,
) {
  const { passphraseSource } = await import("../node/passphrase.ts");
  return passphraseSource(
    {
      passphraseFile: options.passphraseFile as string | undefined,
      passphraseEnv: options.passphraseEnv as string | undefined,
    },
    { cwd, env },
  );
}
