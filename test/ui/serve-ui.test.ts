import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { UI_CSP } from "../../src/node/serve-ui.ts";
import { runCli } from "../helpers/cli.ts";
import { makeTempDir, REPO_ROOT } from "../helpers/fixtures.ts";
import { startUi, type UiProcess } from "./harness.ts";

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request to the server with a raw path (not normalized by a URL parser) and Host header. */
function get(port: number, path: string, options: { method?: string; host?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path,
        method: options.method ?? "GET",
        headers: { Host: options.host ?? `127.0.0.1:${port}` },
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** The local addresses of listening TCP sockets on `port`, from /proc/net/tcp{,6}. */
function listeners(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  const out: string[] = [];
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state === "0A" && local?.endsWith(`:${hexPort}`)) out.push(local.split(":")[0] as string);
    }
  }
  return out;
}

describe("flare-provision ui", () => {
  const { dir, cleanup } = makeTempDir("flare-ui-serve-");
  let ui: UiProcess;
  let port = 0;

  before(async () => {
    ui = await startUi(dir);
    port = Number(new URL(ui.url).port);
  });
  after(async () => {
    if (ui.child.exitCode === null) await ui.stop();
    cleanup();
  });

  test("listens on 127.0.0.1 only and prints the URL in its JSON envelope", () => {
    assert.match(ui.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    // 0100007F is 127.0.0.1 in /proc/net/tcp's byte order; 0.0.0.0 or :: would be 00000000.
    assert.deepEqual(listeners(port), ["0100007F"]);
  });

  test("serves the page with its content types, the CSP header and no-sniff", async () => {
    const index = await get(port, "/");
    assert.equal(index.status, 200);
    assert.equal(index.headers["content-type"], "text/html; charset=utf-8");
    assert.equal(index.headers["content-security-policy"], UI_CSP);
    assert.equal(index.headers["x-content-type-options"], "nosniff");
    assert.equal(index.headers["x-frame-options"], "DENY");
    // The header and the page's meta tag are the same policy (static hosting keeps the meta).
    const meta = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(index.body)?.[1];
    assert.equal(meta, UI_CSP);
    assert.match(UI_CSP, /default-src 'none'/);
    assert.match(UI_CSP, /connect-src 'none'/);
    assert.match(UI_CSP, /frame-ancestors 'none'/);
    assert.equal((await get(port, "/app.js")).headers["content-type"], "text/javascript; charset=utf-8");
    assert.equal((await get(port, "/app.css")).headers["content-type"], "text/css; charset=utf-8");
    assert.equal((await get(port, "/index.html?x=1")).status, 200);
    const head = await get(port, "/app.js", { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(head.body, "");
  });

  for (const path of [
    "/../package.json",
    "/%2e%2e/package.json",
    "/..%2fcli.js",
    "/.%2e/cli.js",
    "//etc/passwd",
    "/index.html/../../cli.js",
    "/%2fetc%2fpasswd",
    "/..\\cli.js",
  ]) {
    test(`refuses the traversal ${path}`, async () => {
      const reply = await get(port, path);
      assert.equal(reply.status, 404);
      assert.equal(reply.body, "not found\n");
    });
  }

  test("lists no folder and serves nothing but the page's own files", async () => {
    for (const path of ["/chunks/", "/ui/", "/.", "/.hidden", "/cli.js", "/package.json"])
      assert.equal((await get(port, path)).status, 404, path);
  });

  test("answers only GET and HEAD, and only to its own host name (DNS rebinding)", async () => {
    const post = await get(port, "/", { method: "POST" });
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, "GET, HEAD");
    assert.equal((await get(port, "/", { host: "attacker.example" })).status, 421);
    assert.equal((await get(port, "/", { host: `localhost:${port}` })).status, 200);
  });

  test("a second server on the same port fails with UI_PORT_IN_USE", () => {
    const run = runCli(["--format", "json", "ui", "--port", String(port)], { cwd: dir, home: dir });
    assert.equal(run.code, 1);
    assert.equal(run.json?.error_code, "UI_PORT_IN_USE");
    assert.equal(run.json?.message, `Port ${port} on 127.0.0.1 is already in use.`);
  });

  test("Ctrl-C (SIGINT) stops the server with exit 0", async () => {
    const { code, signal } = await ui.stop();
    assert.equal(code, 0);
    assert.equal(signal, null);
    assert.deepEqual(listeners(port), []);
  });
});

describe("flare-provision ui arguments and errors", () => {
  test("--help says it serves on 127.0.0.1 and names --port", () => {
    const run = runCli(["ui", "--help"], { cwd: REPO_ROOT, home: REPO_ROOT });
    assert.equal(run.code, 0);
    assert.match(run.stdout, /usage: flare-provision ui/);
    assert.match(run.stdout, /--port N/);
    assert.match(run.stdout, /127\.0\.0\.1/);
  });

  test("a port out of range is an argument error", () => {
    const run = runCli(["--format", "json", "ui", "--port", "70000"], { cwd: REPO_ROOT, home: REPO_ROOT });
    assert.equal(run.code, 4);
    assert.equal(run.json?.message, "argument --port: value must be between 0 and 65535");
  });

  test("without a built dist/ui it fails with UI_NOT_BUILT, naming the folder", () => {
    const { dir, cleanup } = makeTempDir("flare-ui-unbuilt-");
    try {
      cpSync(join(REPO_ROOT, "dist"), join(dir, "dist"), { recursive: true });
      rmSync(join(dir, "dist", "ui"), { recursive: true, force: true });
      const run = spawnSync(
        process.execPath,
        [join(dir, "dist", "cli.js"), "--format", "json", "ui", "--port", "0"],
        {
          cwd: dir,
          env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir },
          encoding: "utf8",
          timeout: 30_000,
        },
      );
      assert.equal(run.status, 1);
      const envelope = JSON.parse(run.stdout) as Record<string, string>;
      assert.equal(envelope.error_code, "UI_NOT_BUILT");
      assert.equal(envelope.message, `The web app is not built: no folder ${join(dir, "dist", "ui")}.`);
    } finally {
      cleanup();
    }
  });
});
