import { FlareError } from "../core/errors/flare-error.ts";
import { extractGlobals, parseCommandArgs, UsageError } from "./args.ts";
import type { CommandSpec } from "./command-spec.ts";
import { COMMANDS } from "./commands/index.ts";
import { helpText, schemaDocument, usageData } from "./help.ts";
import { processStreams, Reporter, type Streams } from "./output.ts";
import { VERSION } from "./version.ts";

/** How one CLI run ended. */
export interface RunOutcome {
  exitCode: number;
}

const TOP_HELP = `usage: nvflare [--format {txt,json}] [--version] <command> ...

Distributed provisioning for NVIDIA FLARE: every participant keeps its own private key.

commands:
  cert init       create the project root CA (Project Admin)
  cert request    create a private key, CSR and request zip (participant)
  cert approve    verify request zips and sign them (Project Admin)
  cert inspect    show and check any artifact of this workflow
  package         verify a signed zip and write the startup kit (participant)
  kit crl install install a CRL and the revocation guard into a server kit
  ui              serve the browser front end on 127.0.0.1 (the whole workflow in a page)

Run 'nvflare <command> -h' for the options of a command.
`;

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
function guardProcess(reporter: Reporter, env: Record<string, string | undefined>): void {
  if (guarded) return;
  guarded = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    });
  }
  const fatal = (error: unknown) => {
    process.exitCode = reportFailure(error, reporter, undefined, env);
    process.exit(5);
  };
  process.on("uncaughtException", fatal);
  process.on("unhandledRejection", fatal);
}

/**
 * Runs the CLI on `argv` (without node and script), printing through `streams` (default: the
 * process's own, with the guards of a real run installed). Never throws: a FlareError becomes
 * its code and exit status, anything else INTERNAL_ERROR (exit 5) in one message line.
 */
export async function runCli(
  argv: string[],
  context: { cwd: string; env: Record<string, string | undefined>; streams?: Streams },
): Promise<RunOutcome> {
  const globals = extractGlobals(argv);
  const reporter = new Reporter(globals.format, context.streams ?? processStreams);
  if (!context.streams) guardProcess(reporter, context.env);
  const { spec, argv: commandArgv, group } = findCommand(globals.rest);
  try {
    if (globals.formatError) throw new UsageError(globals.formatError, spec);
    if (globals.version && !spec) {
      reporter.raw(`flare-provision ${VERSION}\n`);
      return { exitCode: 0 };
    }
    if (!spec) {
      if (group === undefined) {
        // A missing command is an argument error like any other (cli.md §4.3): help and the
        // three error lines on stderr in text mode, exactly one envelope in JSON mode.
        throw new UsageError("the following arguments are required: command", undefined);
      }
      if (group === "-h" || group === "--help") {
        reporter.raw(TOP_HELP);
        return { exitCode: 0 };
      }
      if (
        group === "cert" &&
        (globals.rest[1] === undefined || globals.rest[1] === "-h" || globals.rest[1] === "--help")
      ) {
        if (globals.rest[1] === undefined)
          throw new FlareError("INVALID_ARGS", { detail: "cert subcommand required" });
        reporter.raw(TOP_HELP);
        return { exitCode: 0 };
      }
      throw new UsageError(
        `invalid choice: '${globals.rest.slice(0, 2).join(" ")}' (choose from 'cert init', 'cert request', 'cert approve', 'cert inspect', 'package', 'kit crl install', 'ui')`,
        undefined,
      );
    }
    if (commandArgv.includes("--schema")) {
      reporter.raw(`${JSON.stringify(schemaDocument(spec), null, 2)}\n`);
      return { exitCode: 0 };
    }
    if (commandArgv.includes("-h") || commandArgv.includes("--help")) {
      reporter.raw(helpText(spec));
      return { exitCode: 0 };
    }
    const options = parseCommandArgs(spec, commandArgv);
    await spec.run(options, { reporter, cwd: context.cwd, env: context.env });
    return { exitCode: 0 };
  } catch (error) {
    return { exitCode: reportFailure(error, reporter, spec, context.env) };
  }
}

function reportFailure(
  error: unknown,
  reporter: Reporter,
  spec: CommandSpec | undefined,
  env: Record<string, string | undefined>,
): number {
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
        data: usageData(error.command ?? spec, choices),
      });
    } else {
      reporter.error({
        code: "INVALID_ARGS",
        message: `Invalid arguments. \u2014 ${error.message}`,
        hint: "Run with -h for usage.",
        exitCode: 4,
        preamble: `${error.command ? helpText(error.command) : TOP_HELP}\n`,
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
