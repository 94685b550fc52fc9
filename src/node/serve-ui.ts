import { readdirSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join } from "node:path";
import { FlareError } from "../core/errors/flare-error.ts";
import { MAX_INPUT_BYTES, tryReadFile } from "./read-input.ts";

/**
 * The page's Content-Security-Policy, sent as a header (src/ui/index.html carries the same policy
 * as a meta tag, which static hosting keeps; `frame-ancestors` works only as a header). The page
 * may load its own script and style sheet and nothing else, and may connect nowhere.
 */
export const UI_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'none'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'; require-trusted-types-for 'script'";

/** The only host this server listens on: the loopback address, never all interfaces. */
export const UI_HOST = "127.0.0.1";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".png": "image/png",
  ".svg": "image/svg+xml",
};

const SECURITY_HEADERS: Record<string, string> = {
  "Content-Security-Policy": UI_CSP,
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
  "Cache-Control": "no-store",
};

/** A running UI server. */
export interface UiServer {
  /** `http://127.0.0.1:<port>/`. */
  url: string;
  port: number;
  /** Stops accepting connections and closes the open ones. */
  close: () => Promise<void>;
}

/**
 * The files the server may send: the regular files directly in `root` whose extension has a
 * content type. Nothing else exists for it, so no path can reach outside `root`, no folder is
 * ever listed and no dotfile is served.
 */
function servable(root: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const name of readdirSync(root)) {
    const type = CONTENT_TYPES[extname(name)];
    if (!type || name.startsWith(".")) continue;
    try {
      if (statSync(join(root, name)).isFile()) files.set(name, type);
    } catch {
      // Removed meanwhile: not servable.
    }
  }
  return files;
}

function send(res: ServerResponse, status: number, body: string | Uint8Array, type: string, head: boolean) {
  res.writeHead(status, { ...SECURITY_HEADERS, "Content-Type": type, "Content-Length": String(body.length) });
  res.end(head ? undefined : body);
}

function handle(root: string, port: () => number, req: IncomingMessage, res: ServerResponse): void {
  const head = req.method === "HEAD";
  if (req.method !== "GET" && !head) {
    res.setHeader("Allow", "GET, HEAD");
    send(res, 405, "method not allowed\n", "text/plain; charset=utf-8", false);
    return;
  }
  // A page from another site cannot make the browser talk to this server under a name it
  // controls (DNS rebinding): only the loopback names of this port are answered.
  const host = req.headers.host ?? "";
  if (host !== `${UI_HOST}:${port()}` && host !== `localhost:${port()}`) {
    send(res, 421, "wrong host\n", "text/plain; charset=utf-8", head);
    return;
  }
  const path = (req.url ?? "/").split(/[?#]/, 1)[0] as string;
  const name = path === "/" ? "index.html" : path.slice(1);
  const files = servable(root);
  const type = files.get(name);
  if (!type) {
    send(res, 404, "not found\n", "text/plain; charset=utf-8", head);
    return;
  }
  // The one capped reader (src/node/read-input.ts): a file replaced meanwhile by a FIFO or a
  // folder is refused, never waited on.
  const read = tryReadFile(join(root, name), MAX_INPUT_BYTES);
  if (!read.ok) {
    send(res, 404, "not found\n", "text/plain; charset=utf-8", head);
    return;
  }
  send(res, 200, read.bytes, type, head);
}

/**
 * Serves the built web app in `root` (dist/ui) on 127.0.0.1:`port` (0 = any free port) with the
 * CSP and other security headers: GET and HEAD of the files directly in `root`, `/` being
 * index.html; everything else is 404 (no listing, no traversal) or 405. Throws `UI_NOT_BUILT`
 * when `root` has no index.html and `UI_PORT_IN_USE` when the port is taken.
 */
export async function serveUi(root: string, port: number): Promise<UiServer> {
  if (!servable(safeDir(root)).has("index.html")) {
    throw new FlareError("UI_NOT_BUILT", { message: `The web app is not built: no index.html in ${root}.` });
  }
  let bound = port;
  const server = createServer((req, res) => handle(root, () => bound, req, res));
  await new Promise<void>((resolvePromise, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EADDRINUSE")
        reject(
          new FlareError("UI_PORT_IN_USE", { message: `Port ${port} on ${UI_HOST} is already in use.` }),
        );
      else reject(error);
    });
    server.listen(port, UI_HOST, () => resolvePromise());
  });
  bound = (server.address() as AddressInfo).port;
  return {
    url: `http://${UI_HOST}:${bound}/`,
    port: bound,
    close: () =>
      new Promise<void>((resolvePromise) => {
        server.close(() => resolvePromise());
        server.closeAllConnections();
      }),
  };
}

/** `root` when it is a readable folder; a missing one reads as "not built". */
function safeDir(root: string): string {
  try {
    readdirSync(root);
    return root;
  } catch {
    throw new FlareError("UI_NOT_BUILT", { message: `The web app is not built: no folder ${root}.` });
  }
}
