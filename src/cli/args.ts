import type { ArgSpec, CommandSpec } from "./command-spec.ts";
import { checkPathValue, displayName } from "./command-spec.ts";
import type { Format } from "./output.ts";

/** A parse failure reported as `INVALID_ARGS` in argparse style (cli.md §4.3). */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command: CommandSpec | undefined,
  ) {
    super(message);
  }
}

/** The global options found anywhere on the line, and the argv without them (cli.md §1). */
export interface GlobalOptions {
  format: Format;
  formatError?: string;
  version: boolean;
  rest: string[];
}

/**
 * Pulls `--format X`/`--format=X`, `--version`/`-V` and `--connect-timeout S` out of argv
 * wherever they stand, as the reference accepts them after the subcommand too.
 */
export function extractGlobals(argv: string[]): GlobalOptions {
  const rest: string[] = [];
  let format: Format = "txt";
  let formatError: string | undefined;
  let version = false;
  const setFormat = (value: string | undefined) => {
    if (value === "json" || value === "txt") format = value;
    else if (value === "jsonl") {
      format = "json";
      formatError = "--format jsonl is only supported by streaming commands: nvflare job monitor";
    } else
      formatError = `argument --format: invalid choice: '${value ?? ""}' (choose from 'txt', 'json', 'jsonl')`;
  };
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] as string;
    if (token === "--") {
      rest.push(...argv.slice(i));
      break;
    }
    if (token === "--format") setFormat(argv[++i]);
    else if (token.startsWith("--format=")) setFormat(token.slice(9));
    else if (token === "--output" && LEGACY_OUTPUT.has(argv[i + 1] ?? "")) {
      // cli.md §1: the hidden legacy `--output json|txt|human|quiet` switches the format.
      format = argv[++i] === "json" ? "json" : "txt";
    } else if (token === "--version" || token === "-V") version = true;
    else if (token === "--connect-timeout") i++;
    else if (token.startsWith("--connect-timeout=")) continue;
    else rest.push(token);
  }
  return formatError === undefined ? { format, version, rest } : { format, formatError, version, rest };
}

const LEGACY_OUTPUT = new Set(["json", "txt", "human", "quiet"]);

/** Every spelling that names an arg: its name and aliases. */
function spellings(arg: ArgSpec): string[] {
  return [arg.name, ...(arg.aliases ?? [])];
}

/**
 * Parses a subcommand's arguments. Long options may be abbreviated to a unique prefix and
 * written `--opt=value` (argparse behaviour, cli.md §1). Returns options keyed by `ArgSpec.key`.
 */
export function parseCommandArgs(spec: CommandSpec, argv: string[]): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  const flags = spec.args.filter((a) => !a.positional);
  const positionals = spec.args.filter((a) => a.positional);
  const extra: string[] = [];
  let positionalIndex = 0;

  const resolve = (token: string): ArgSpec | undefined => {
    const exact = flags.find((a) => spellings(a).includes(token));
    if (exact || !token.startsWith("--")) return exact;
    const matches = flags.filter((a) => spellings(a).some((s) => s.startsWith("--") && s.startsWith(token)));
    if (matches.length > 1) {
      const names = matches.flatMap((a) => spellings(a).filter((s) => s.startsWith(token)));
      throw new UsageError(`ambiguous option: ${token} could match ${names.join(", ")}`, spec);
    }
    return matches[0];
  };

  // Every value goes through its type's check (`path`: checkPathValue), then the arg's parser.
  const convert = (arg: ArgSpec, raw: string): unknown => {
    try {
      const value = arg.type === "path" ? checkPathValue(raw) : raw;
      return arg.parse ? arg.parse(value) : value;
    } catch (error) {
      throw new UsageError(`argument ${displayName(arg)}: ${(error as Error).message}`, spec);
    }
  };
  const assign = (arg: ArgSpec, raw: string) => {
    options[arg.key] = convert(arg, raw);
  };

  const positional = (value: string) => {
    const arg = positionals[positionalIndex];
    if (!arg) extra.push(value);
    else if (arg.variadic)
      options[arg.key] = [...((options[arg.key] as unknown[] | undefined) ?? []), convert(arg, value)];
    else {
      positionalIndex++;
      assign(arg, value);
    }
  };

  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] as string;
    if (token === "--") {
      for (const value of argv.slice(i + 1)) positional(value);
      break;
    }
    if (token.startsWith("-") && token.length > 1) {
      const eq = token.startsWith("--") ? token.indexOf("=") : -1;
      const name = eq > 0 ? token.slice(0, eq) : token;
      const arg = resolve(name);
      if (!arg) {
        extra.push(token);
        continue;
      }
      if (arg.type === "boolean") {
        if (eq > 0)
          throw new UsageError(
            `argument ${displayName(arg)}: ignored explicit argument '${token.slice(eq + 1)}'`,
            spec,
          );
        options[arg.key] = true;
        continue;
      }
      const value = eq > 0 ? token.slice(eq + 1) : argv[++i];
      if (
        value === undefined ||
        (eq < 0 && value.startsWith("-") && value.length > 1 && !/^-\d/.test(value))
      ) {
        throw new UsageError(`argument ${displayName(arg)}: expected one argument`, spec);
      }
      assign(arg, value);
      continue;
    }
    positional(token);
  }

  const missing = spec.args.filter((a) => a.required && options[a.key] === undefined);
  if (missing.length > 0) {
    throw new UsageError(
      `the following arguments are required: ${missing.map(displayName).join(", ")}`,
      spec,
    );
  }
  // argparse reports missing required arguments before unrecognized ones.
  if (extra.length > 0) throw new UsageError(`unrecognized arguments: ${extra.join(" ")}`, spec);
  for (const arg of spec.args) {
    if (options[arg.key] === undefined && arg.default !== undefined) options[arg.key] = arg.default;
  }
  return options;
}
