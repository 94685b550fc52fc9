import type { CommandSpec } from "../command-spec.ts";

/** The port `ui` listens on unless `--port` says otherwise. */
export const DEFAULT_UI_PORT = 8475;

/** A TCP port, 0 meaning any free one; argparse-style messages. */
function port(raw: string): number {
  if (!/^\d+$/.test(raw.trim())) throw new Error(`invalid int value: '${raw}'`);
  const n = Number.parseInt(raw, 10);
  if (n > 65535) throw new Error("value must be between 0 and 65535");
  return n;
}

/** `flare-provision ui`: serve the browser front end on 127.0.0.1 (docs: README "In the browser"). */
export const ui: CommandSpec = {
  words: ["ui"],
  summary: "serve the browser front end on 127.0.0.1",
  description:
    "Serve the web app (dist/ui) on 127.0.0.1 only and print its URL. The page runs the whole workflow (request, approve, package) in the browser: every key is generated and kept there, and the page talks to no server, this one included, after it has loaded. Ctrl-C stops the server.",
  args: [
    {
      name: "--port",
      key: "port",
      type: "integer",
      metavar: "N",
      default: DEFAULT_UI_PORT,
      parse: port,
      description: "TCP port on 127.0.0.1; 0 picks any free port",
    },
  ],
  examples: ["flare-provision ui", "flare-provision ui --port 0 --format json"],
  async run(options, { reporter }) {
    const { realpathSync } = await import("node:fs");
    const { dirname, join } = await import("node:path");
    const { serveUi } = await import("../../node/serve-ui.ts");
    // dist/cli.js serves dist/ui; argv[1] may be a bin symlink (npx), hence realpath.
    const root = join(dirname(realpathSync(process.argv[1] ?? ".")), "ui");
    const server = await serveUi(root, (options.port as number | undefined) ?? DEFAULT_UI_PORT);
    reporter.result({ url: server.url, host: "127.0.0.1", port: server.port, root });
    reporter.note("Open the URL in your browser. Press Ctrl-C to stop the server.");
    await new Promise<void>((resolvePromise) => {
      const stop = () => {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        void server.close().then(resolvePromise);
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
    });
  },
};
