import type { ArgSpec, CommandGroup, CommandSpec } from "./command-spec.ts";
import { displayName } from "./command-spec.ts";
import { COMMANDS, GROUPS } from "./commands/index.ts";

/** The name help and usage lines use when the CLI was not started as one of its bins. */
export const DEFAULT_PROGRAM = "flare-provision";

/** The names the package installs the CLI as (package.json "bin"). */
export const PROGRAM_NAMES: readonly string[] = ["flare-provision", "nvflare"];

/**
 * The program name for help and usage lines: the bin the user invoked (the last component of
 * `scriptPath`, argv[1]: `nvflare` or `flare-provision`), else {@link DEFAULT_PROGRAM} (run as
 * `node dist/cli.js`, or through a launcher with another name). argparse names it the same way.
 */
export function programName(scriptPath: string | undefined): string {
  const base = (scriptPath ?? "").split(/[\\/]/).pop() ?? "";
  return PROGRAM_NAMES.includes(base) ? base : DEFAULT_PROGRAM;
}

/** Two-column rows (`  name    text`), the name column as wide as its longest entry. */
function rows(entries: [string, string][]): string[] {
  const width = Math.max(...entries.map(([name]) => name.length)) + 4;
  return entries.map(([name, text]) => `  ${name.padEnd(width)}${text}`);
}

/** The distinct first words of the command table, in help order (`cert`, `package`). */
function topWords(): string[] {
  return [...new Set(COMMANDS.map((spec) => spec.words[0] as string))];
}

/** `usage: nvflare [-h] [--version] [--format {txt,json}] {cert,package} ...` */
export function topUsageLine(prog: string = DEFAULT_PROGRAM): string {
  return `usage: ${prog} [-h] [--version] [--format {txt,json}] {${topWords().join(",")}} ...`;
}

/**
 * The top-level help (`nvflare -h`, bare `nvflare`): every command of the table with its
 * summary, and the global options.
 */
export function topHelpText(prog: string = DEFAULT_PROGRAM): string {
  return [
    topUsageLine(prog),
    "",
    "Distributed provisioning for NVIDIA FLARE: every participant keeps its own private key.",
    "",
    "commands:",
    ...rows(COMMANDS.map((spec) => [spec.words.join(" "), spec.summary])),
    "",
    "options:",
    ...rows([
      ["-h, --help", "show this help message and exit"],
      ["-V, --version", "print the version and exit"],
      ["--format {txt,json}", "output format (global option, any position)"],
    ]),
    "",
    `Run '${prog} <command> -h' for the options of a command.`,
    "",
  ].join("\n");
}

/** The group named by `word` (`cert`), if the table has one. */
export function findGroup(word: string | undefined): CommandGroup | undefined {
  return GROUPS.find((group) => group.word === word);
}

/** The commands of a group, in table order. */
function groupCommands(group: CommandGroup): CommandSpec[] {
  return COMMANDS.filter((spec) => spec.words.length > 1 && spec.words[0] === group.word);
}

/** `usage: nvflare cert [-h] {init,request,approve,inspect} ...` */
export function groupUsageLine(group: CommandGroup, prog: string = DEFAULT_PROGRAM): string {
  // `cert key encrypt` and `cert key decrypt` share the choice `key`.
  const choices = [...new Set(groupCommands(group).map((spec) => spec.words[1]))];
  return `usage: ${prog} ${group.word} [-h] {${choices.join(",")}} ...`;
}

/** A group's help (`nvflare cert -h`): its description and every subcommand with its summary. */
export function groupHelpText(group: CommandGroup, prog: string = DEFAULT_PROGRAM): string {
  return [
    groupUsageLine(group, prog),
    "",
    group.description,
    "",
    "subcommands:",
    ...rows(groupCommands(group).map((spec) => [spec.words.slice(1).join(" "), spec.summary])),
    "",
    "options:",
    ...rows([["-h, --help", "show this help message and exit"]]),
    "",
    `Run '${prog} ${group.word} <subcommand> -h' for the options of a subcommand.`,
    "",
  ].join("\n");
}

/** An example line with the invoked program name in place of the `nvflare` it is written with. */
function example(line: string, prog: string): string {
  return line.startsWith("nvflare ") ? `${prog}${line.slice("nvflare".length)}` : line;
}

function usageToken(arg: ArgSpec): string {
  if (arg.positional) return arg.metavar ?? arg.name.toUpperCase();
  const flag = (arg.aliases ?? []).find((a) => !a.startsWith("--")) ?? arg.name;
  const token = arg.type === "boolean" ? flag : `${flag} ${arg.metavar ?? arg.key.toUpperCase()}`;
  return arg.required ? token : `[${token}]`;
}

/** `usage: nvflare cert approve REQUEST_ZIP -c CA_DIR ...` for a command, named as `prog`. */
export function usageLine(spec: CommandSpec, prog: string = DEFAULT_PROGRAM): string {
  const visible = spec.args.filter((a) => !a.hidden);
  const flags = visible.filter((a) => !a.positional).map(usageToken);
  const positionals = visible.filter((a) => a.positional).map(usageToken);
  return `usage: ${prog} ${spec.words.join(" ")} ${[...positionals, ...flags, "[--schema]"].join(" ")}`;
}

/** Full help: usage, description, arguments with defaults, examples and exit codes. */
export function helpText(spec: CommandSpec, prog: string = DEFAULT_PROGRAM): string {
  const lines = [usageLine(spec, prog), "", spec.description, ""];
  const visible = spec.args.filter((a) => !a.hidden);
  const positionals = visible.filter((a) => a.positional);
  if (positionals.length > 0) {
    lines.push("positional arguments:");
    for (const arg of positionals) lines.push(`  ${(arg.metavar ?? arg.name).padEnd(30)}${arg.description}`);
    lines.push("");
  }
  lines.push("options:");
  lines.push(`  ${"-h, --help".padEnd(30)}show this help message and exit`);
  for (const arg of visible.filter((a) => !a.positional)) {
    const names = [
      ...(arg.aliases ?? []).filter((a) => !a.startsWith("--")),
      arg.name,
      ...(arg.aliases ?? []).filter((a) => a.startsWith("--")),
    ];
    const label =
      arg.type === "boolean"
        ? names.join(", ")
        : `${names.join(", ")} ${arg.metavar ?? arg.key.toUpperCase()}`;
    const suffix = arg.default !== undefined && arg.type !== "boolean" ? ` (default: ${arg.default})` : "";
    const pad = label.length >= 30 ? `\n${" ".repeat(32)}` : " ".repeat(30 - label.length);
    lines.push(`  ${label}${pad}${arg.description}${suffix}`);
  }
  lines.push(`  ${"--schema".padEnd(30)}print this command's arguments as JSON and exit`);
  lines.push(`  ${"--format {txt,json}".padEnd(30)}output format (global option, any position)`);
  lines.push("", "examples:");
  for (const line of spec.examples) lines.push(`  ${example(line, prog)}`);
  lines.push(
    "",
    "exit codes:",
    "  0  success",
    "  1  operational failure (missing files, existing outputs, I/O, crypto material)",
    "  4  invalid input or failed trust check",
    "  5  internal error (a bug)",
    "",
  );
  return lines.join("\n");
}

/**
 * The `--schema` document (cli.md §5). A machine-readable contract, so its `command` is the
 * reference's `nvflare ...` whichever bin printed it.
 */
export function schemaDocument(spec: CommandSpec): Record<string, unknown> {
  return {
    schema_version: "1",
    command: `nvflare ${spec.words.join(" ")}`,
    description: spec.description,
    args: spec.args
      .filter((a) => !a.hidden)
      .map((arg) => {
        const entry: Record<string, unknown> = {
          name: arg.positional ? arg.name : arg.name,
          type: arg.type === "integer" ? "string" : arg.type,
          required: arg.required ?? false,
          description: arg.description,
        };
        if (arg.default !== undefined) entry.default = arg.default;
        if (arg.aliases && arg.aliases.length > 0) entry.aliases = arg.aliases;
        return entry;
      }),
    examples: spec.examples,
  };
}

/** The usage error payload of JSON mode (cli.md §4.3): the failing parser's usage and choices. */
export function usageData(
  spec: CommandSpec | undefined,
  choices: string[],
  prog: string = DEFAULT_PROGRAM,
): Record<string, unknown> {
  return { usage: spec ? usageLine(spec, prog) : topUsageLine(prog), choices };
}

export { displayName };
