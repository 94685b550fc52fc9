import type { ArgSpec, CommandSpec } from "./command-spec.ts";
import { displayName } from "./command-spec.ts";

function usageToken(arg: ArgSpec): string {
  if (arg.positional) return arg.metavar ?? arg.name.toUpperCase();
  const flag = (arg.aliases ?? []).find((a) => !a.startsWith("--")) ?? arg.name;
  const token = arg.type === "boolean" ? flag : `${flag} ${arg.metavar ?? arg.key.toUpperCase()}`;
  return arg.required ? token : `[${token}]`;
}

/** `usage: nvflare cert approve REQUEST_ZIP -c CA_DIR ...` for a command. */
export function usageLine(spec: CommandSpec): string {
  const visible = spec.args.filter((a) => !a.hidden);
  const flags = visible.filter((a) => !a.positional).map(usageToken);
  const positionals = visible.filter((a) => a.positional).map(usageToken);
  return `usage: nvflare ${spec.words.join(" ")} ${[...positionals, ...flags, "[--schema]"].join(" ")}`;
}

/** Full help: usage, description, arguments with defaults, examples and exit codes. */
export function helpText(spec: CommandSpec): string {
  const lines = [usageLine(spec), "", spec.description, ""];
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
  for (const example of spec.examples) lines.push(`  ${example}`);
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

/** The `--schema` document (cli.md §5). */
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

/** The usage error payload of JSON mode (cli.md §4.3). */
export function usageData(spec: CommandSpec | undefined, choices: string[]): Record<string, unknown> {
  return {
    usage: spec ? usageLine(spec) : "usage: nvflare [--format {txt,json}] {cert,package} ...",
    choices,
  };
}

export { displayName };
