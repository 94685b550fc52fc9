import { FlareError } from "../core/errors/flare-error.ts";
import { extractGlobals, parseCommandArgs, UsageError } from "./args.ts";
import type { CommandGroup, CommandSpec } from "./command-spec.ts";
import { COMMANDS } from "./commands/index.ts";
import {
  DEFAULT_PROGRAM,
  findGroup,
  groupHelpText,
  helpText,
  schemaDocument,
  topHelpText,
  usageData,
} from "./help.ts";
import { processStreams, Reporter, type Streams } from "./output.ts";
import { VERSION } from "./version.ts";

/** How one CLI run ended. */
export interface RunOutcome {
  exitCode: number;
}

/** Bare `nvflare cert`: the group's help before the error, as the reference prints it. */
class GroupCommandRequired extends Error {
  constructor(readonly group: CommandGroup) {
    super(`${group.word} subcommand required`);
  }
}

function findCommand(rest: string[]): {
  spec: CommandSpec | undefined;
  argv: string[];
  group: string | undefined;
} {
  for (const spec of COMMANDS) {
    if (spec.words.every((word, i) => rest[i] === word))
      return { spec, argv: rest.slice(spec.words.length), group: undefined };
  }
  return { spec: undefined, argv: rest, group: rest[0] };
}

let guarded = false;

/**
 * Process-wide safety nets for a run on the real streams: a closed pipe (`| head`) ends output
 * quietly instead of crashing with a stack trace, and an error that escapes every handler
 * (a stray callback) is still reported as one INTERNAL_ERROR (exit 5), never a stack dump.
 */
function guardProcess(reporter: Reporter, env: Record<string, string | undefined>, prog: string): void {
  if (guarded) return;
  guarded = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    });
  }
  const fatal = (error: unknown) => {
    process.exitCode = reportFailure(error, { reporter, spec: undefined, env, prog });
    process.exit(5);
  };
  process.on("uncaughtException", fatal);
  process.on("unhandledRejection", fatal);
}

/**
 * Runs the CLI on `argv` (without node and script), printing through `streams` (default: the
 * process's own, with the guards of a real run installed). `prog` is the name help and usage
 * lines show (default `flare-provision`; bin.ts passes the invoked bin's name). Never throws:
 * a FlareError becomes its code and exit status, anything else INTERNAL_ERROR (exit 5) in one
 * message line.
 */
export async function runCli(
  argv: string[],
  context: { cwd: string; env: Record<string, string | undefined>; streams?: Streams; prog?: string },
): Promise<RunOutcome> {
  const prog = context.prog ?? DEFAULT_PROGRAM;
  const globals = extractGlobals(argv);
  const reporter = new Reporter(globals.format, context.streams ?? processStreams);
  if (!context.streams) guardProcess(reporter, context.env, prog);
  const { spec, argv: commandArgv, group } = findCommand(globals.rest);
  const fail = (error: unknown) => reportFailure(error, { reporter, spec, env: context.env, prog, group });
  try {
    if (globals.formatError) throw new UsageError(globals.formatError, spec);
    if (globals.version && !spec) {
      reporter.raw(`flare-provision ${VERSION}\n`);
      return { exitCode: 0 };
    }
    if (!spec) {
      // nvflare/cli.py run(): without a command (and without --version) the reference prints
      // the top-level help on stdout and exits 0, in every output format.
      if (group === undefined || group === "-h" || group === "--help") {
        reporter.raw(topHelpText(prog));
        return { exitCode: 0 };
      }
      const commandGroup = findGroup(group);
      const sub = globals.rest[1];
      if (commandGroup && (sub === "-h" || sub === "--help")) {
        reporter.raw(groupHelpText(commandGroup, prog));
        return { exitCode: 0 };
      }
      // cert_cli.py handle_cert_cmd(): `cert subcommand required`, INVALID_ARGS exit 4 (cli.md §2).
      if (commandGroup && sub === undefined) throw new GroupCommandRequired(commandGroup);
      throw new UsageError(
        `invalid choice: '${globals.rest.slice(0, 2).join(" ")}' (choose from ${COMMANDS.map((c) => `'${c.words.join(" ")}'`).join(", ")})`,
        undefined,
      );
    }
    if (commandArgv.includes("--schema")) {
      reporter.raw(`${JSON.stringify(schemaDocument(spec), null, 2)}\n`);
      return { exitCode: 0 };
    }
    if (commandArgv.includes("-h") || commandArgv.includes("--help")) {
      reporter.raw(helpText(spec, prog));
      return { exitCode: 0 };
    }
    const options = parseCommandArgs(spec, commandArgv);
    await spec.run(options, { reporter, cwd: context.cwd, env: context.env });
    return { exitCode: 0 };
  } catch (error) {
    return { exitCode: fail(error) };
  }
}

/** Where a failure happened: the command (or group word) and how help names the program. */
interface FailureContext {
  reporter: Reporter;
  spec: CommandSpec | undefined;
  env: Record<string, string | undefined>;
  prog: string;
  group?: string | undefined;
}

function reportFailure(error: unknown, context: FailureContext): number {
  const { reporter, spec, env, prog } = context;
  if (error instanceof GroupCommandRequired) {
    // cli_output.output_usage_error(): the group's help on stderr, a blank line, the error.
    reporter.error({
      code: "INVALID_ARGS",
      message: `Invalid arguments. \u2014 ${error.message}`,
      hint: "Run with -h for usage.",
      exitCode: 4,
      preamble: `${groupHelpText(error.group, prog)}\n`,
    });
    return 4;
  }
  if (error instanceof UsageError) {
    const choices = spec ? [] : COMMANDS.map((c) => c.words.join(" "));
    if (reporter.format === "json") {
      reporter.error({
        code: "INVALID_ARGS",
        // cli.md §4.3: JSON mode names the command before an unrecognized-arguments message.
        message:
          error.message.startsWith("unrecognized arguments") && (error.command ?? spec)
            ? `nvflare ${(error.command ?? spec)?.words.join(" ")}: ${error.message}`
            : error.message,
        hint: "Run with --help to see usage.",
        exitCode: 4,
        data: usageData(error.command ?? spec, choices, prog),
      });
    } else {
      reporter.error({
        code: "INVALID_ARGS",
        message: `Invalid arguments. \u2014 ${error.message}`,
        hint: "Run with -h for usage.",
        exitCode: 4,
        preamble: `${usageHelp(error.command, context)}\n`,
      });
    }
    return 4;
  }
  if (error instanceof FlareError) {
    reporter.error({
      code: error.code,
      message: error.message,
      hint: error.hint,
      exitCode: error.exitCode,
      data: error.data,
    });
    return error.exitCode;
  }
  // Out of file descriptors (`ulimit -n` too low) is the environment, not a bug: even a chunk of
  // this program that cannot be loaded then gets a coded error with a hint, never a stack.
  const errno = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  if (errno === "EMFILE" || errno === "ENFILE") {
    const limit = new FlareError("TOO_MANY_OPEN_FILES", {
      message: `Too many open files (${errno}).`,
      cause: error,
    });
    reporter.error({ code: limit.code, message: limit.message, hint: limit.hint, exitCode: limit.exitCode });
    return limit.exitCode;
  }
  // One line whatever the error says; the stack only on request.
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const detail = (text.split(/\r?\n/, 1)[0] ?? "").slice(0, 500);
  reporter.error({
    code: "INTERNAL_ERROR",
    message: `An unexpected error occurred. \u2014 ${detail}`,
    hint: "This is a bug in flare-provision; rerun with FLARE_PROVISION_DEBUG=1 and report the stack trace.",
    exitCode: 5,
  });
  if (env.FLARE_PROVISION_DEBUG && error instanceof Error && error.stack)
    process.stderr.write(`${error.stack}\n`);
  return 5;
}

/** The help printed before an argument error: the command's, else its group's, else the top-level one. */
function usageHelp(command: CommandSpec | undefined, context: FailureContext): string {
  if (command) return helpText(command, context.prog);
  const group = findGroup(context.group);
  return group ? groupHelpText(group, context.prog) : topHelpText(context.prog);
}
