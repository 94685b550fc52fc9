/**
 * Browser-test harness: the built CLI's `ui` server, Debian's Chromium driven by playwright-core
 * (never a downloaded browser), a recorder of every request the page makes, downloads saved
 * into a temp folder, and screenshots kept under test-artifacts/ui/ (gitignored) for review.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Download, type Page } from "playwright-core";
import { CLI } from "../helpers/cli.ts";
import { REPO_ROOT } from "../helpers/fixtures.ts";

/** Debian's Chromium (`apt-get install chromium`; .ci/run installs it). */
export const CHROMIUM = "/usr/bin/chromium";

/** Where screenshots go: kept after the run for a person to look at, never committed. */
export const ARTIFACTS = join(REPO_ROOT, "test-artifacts", "ui");

/**
 * Why the browser tests cannot run here, or false. Without Chromium they are skipped with this
 * note, except in CI (CI=true), where a missing browser is a failure.
 */
export function browserSkip(): string | false {
  if (existsSync(CHROMIUM)) return false;
  if (process.env.CI === "true") throw new Error(`${CHROMIUM} is missing: .ci/run must install chromium`);
  return `${CHROMIUM} is not installed (apt-get install chromium)`;
}

/** The flags every launch uses: headless, no sandbox (root in CI), nothing that phones home. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

/** A running `flare-provision ui --port 0`. */
export interface UiProcess {
  url: string;
  origin: string;
  child: ChildProcess;
  /** Sends SIGINT (Ctrl-C) and resolves with the exit code and signal. */
  stop: () => Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts the built CLI's `ui` on a free port and waits for its JSON envelope. */
export async function startUi(home: string): Promise<UiProcess> {
  const child = spawn(process.execPath, [CLI, "--format", "json", "ui", "--port", "0"], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, LANG: "C.UTF-8" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const line = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += String(chunk);
      if (out.includes("\n")) resolve(out.split("\n")[0] as string);
    });
    child.once("exit", (code) => reject(new Error(`ui exited ${code} before printing its URL: ${out}`)));
    setTimeout(() => reject(new Error("ui did not print its URL within 15 s")), 15_000);
  });
  const envelope = JSON.parse(line) as { data: { url: string } };
  const url = envelope.data.url;
  return {
    url,
    origin: new URL(url).origin,
    child,
    stop: () => {
      child.kill("SIGINT");
      return exited;
    },
  };
}

/** A browser on a fresh temp profile, recording every request and CSP violation. */
export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Every URL the page asked for, in order. */
  requests: string[];
  /** CSP violations the page reported, and page errors and console errors. */
  problems: string[];
  close: () => Promise<void>;
}

/** The browser's environment: PATH and a HOME (with its XDG folders) inside `dir`. */
export function browserEnv(dir: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: dir,
    XDG_CONFIG_HOME: join(dir, ".config"),
    XDG_CACHE_HOME: join(dir, ".cache"),
    XDG_RUNTIME_DIR: dir,
    LANG: "C.UTF-8",
  };
}

/** Launches Chromium with a fresh `--user-data-dir` and HOME (both removed on close). */
export async function launch(viewport = { width: 1280, height: 800 }): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), "flare-ui-profile-"));
  const context = await chromium.launchPersistentContext(join(profile, "user-data"), {
    executablePath: CHROMIUM,
    // Chromium also writes beside its profile (dconf, fontconfig and NSS caches): under a temp
    // HOME, never the real one.
    env: browserEnv(profile),
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    acceptDownloads: true,
  });
  const requests: string[] = [];
  const problems: string[] = [];
  context.on("request", (request) => requests.push(request.url()));
  // Runs before the page's own script (through the driver, not as an inline script).
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    // The one expected console error: a meta-tag CSP cannot carry frame-ancestors (the header does).
    if (message.type() === "error" && !message.text().includes("'frame-ancestors' is ignored"))
      problems.push(`console: ${message.text()}`);
  });
  return {
    context,
    page,
    requests,
    problems,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Runs `trigger` and saves the download it starts into `dir`; returns the saved path. */
export async function download(page: Page, dir: string, trigger: () => Promise<void>): Promise<string> {
  const [started] = await Promise.all([page.waitForEvent("download"), trigger()]);
  const saved = join(dir, (started as Download).suggestedFilename());
  await (started as Download).saveAs(saved);
  return saved;
}

/** Saves a screenshot as test-artifacts/ui/<name>.png (full page unless `viewportOnly`). */
export async function screenshot(page: Page, name: string, viewportOnly = false): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: !viewportOnly });
  return path;
}
