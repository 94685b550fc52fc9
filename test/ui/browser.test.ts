import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Locator, Page } from "playwright-core";
import { okData, runCli } from "../helpers/cli.ts";
import { makeTempDir, REPO_ROOT } from "../helpers/fixtures.ts";
import {
  type Browser,
  browserSkip,
  download,
  launch,
  screenshot,
  startUi,
  type UiProcess,
} from "./harness.ts";

/** Every file and folder under `root`: relative path -> mode, and the bytes of files. */
function listTree(root: string): Map<string, { mode: number; dir: boolean; bytes?: string }> {
  const out = new Map<string, { mode: number; dir: boolean; bytes?: string }>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const stat = statSync(path);
      const key = relative(root, path);
      if (stat.isDirectory()) {
        out.set(key, { mode: stat.mode & 0o777, dir: true });
        walk(path);
      } else {
        out.set(key, { mode: stat.mode & 0o777, dir: false, bytes: readFileSync(path).toString("base64") });
      }
    }
  };
  walk(root);
  return out;
}

function unzip(zip: string, dest: string): void {
  mkdirSync(dest, { recursive: true });
  execFileSync("unzip", ["-q", zip, "-d", dest]);
}

const mode = (path: string) => statSync(path).mode & 0o777;

/** The error a view shows, as the CLI's JSON envelope names its parts. */
async function shownError(scope: Locator) {
  const box = scope.locator(".error").first();
  await box.waitFor();
  return {
    error_code: await box.getAttribute("data-code"),
    message: await box.locator(".error-message").textContent(),
    hint: ((await box.locator(".error-hint").textContent()) ?? "").replace(/^Hint: /, ""),
  };
}

async function focusedName(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    return el ? `${el.tagName.toLowerCase()}:${el.getAttribute("name") ?? el.textContent ?? ""}` : "";
  });
}

const skip = browserSkip();

describe("the web app in Debian's Chromium", { skip }, () => {
  const { dir, cleanup } = makeTempDir("flare-ui-");
  const downloads = join(dir, "downloads");
  const cliDir = join(dir, "cli");
  const home = join(dir, "home");
  const cli = (args: string[], cwd = cliDir) =>
    runCli(["--format", "json", ...args], { cwd, home, env: { FLARE_PROVISION_NOW: "" } });
  let ui: UiProcess;
  let browser: Browser;
  let page: Page;
  const view = (name: string) => page.locator(`#view-${name}`);
  const made: Record<string, string> = {};

  before(async () => {
    mkdirSync(downloads);
    mkdirSync(home);
    cpSync(join(REPO_ROOT, "examples", "hospital"), cliDir, { recursive: true });
    ui = await startUi(home);
    browser = await launch();
    page = browser.page;
    await page.goto(ui.url);
    await page.waitForSelector("html[data-ready=true]");
  });
  after(async () => {
    await browser?.close();
    await ui?.stop();
    cleanup();
  });

  test("every form control has a label, and the HTML carries the CSP without inline script", async () => {
    const unlabelled = await page.evaluate(() =>
      Array.from(document.querySelectorAll("input, select, textarea"))
        .filter((el) => (el as HTMLInputElement).labels?.length === 0)
        .map((el) => el.outerHTML),
    );
    assert.deepEqual(unlabelled, []);
    const csp = await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', "content");
    assert.match(csp ?? "", /default-src 'none'; script-src 'self'; style-src 'self';/);
    assert.match(csp ?? "", /connect-src 'none'/);
    const inline = await page.evaluate(() => Array.from(document.scripts).filter((s) => !s.src).length);
    assert.equal(inline, 0);
  });

  test("Request: a new site from its definition to a key and request, by keyboard", async () => {
    const r = view("request");
    await page.getByRole("link", { name: "1. Request" }).click();
    await r.getByLabel("Project name", { exact: true }).focus();
    await page.keyboard.type("hospital_federation");
    await page.keyboard.press("Tab");
    assert.equal(await focusedName(page), "input:name");
    await page.keyboard.type("hospital-c");
    await page.keyboard.press("Tab");
    assert.equal(await focusedName(page), "input:org");
    await page.keyboard.type("hospital_gamma");
    await r
      .getByText("Valid: client hospital-c (org hospital_gamma) in project hospital_federation")
      .waitFor();
    // Tab on to the button: every control before it is reachable, the disabled role is skipped.
    let presses = 0;
    while ((await focusedName(page)) !== "button:Generate key and request" && presses < 10) {
      await page.keyboard.press("Tab");
      presses++;
    }
    assert.equal(await focusedName(page), "button:Generate key and request");
    const outline = await page.evaluate(
      () => getComputedStyle(document.activeElement as Element).outlineStyle,
    );
    assert.equal(outline, "solid", "the focused button shows a visible focus ring");
    await page.keyboard.press("Enter");
    await r.getByText(/Request [0-9a-f]{32} for hospital-c is ready/).waitFor({ timeout: 30_000 });
    await screenshot(page, "1-request-1280");

    const send = r.getByRole("button", { name: "Download hospital-c.request.zip" });
    made.requestZip = await download(page, downloads, async () => {
      await send.focus();
      await page.keyboard.press("Enter");
    });
    const keep = r.getByRole("button", { name: "Download request folder (private key)" });
    made.folderZip = await download(page, downloads, () => keep.click());
    assert.equal(
      relative(downloads, made.folderZip),
      "hospital-c.request-folder.PRIVATE-KEY-keep-on-this-machine.zip",
    );
    const unpacked = join(dir, "page-folder");
    unzip(made.folderZip, unpacked);
    const folder = join(unpacked, "hospital-c");
    assert.equal(mode(folder), 0o700);
    assert.equal(mode(join(folder, "hospital-c.key")), 0o600);
    assert.equal(mode(join(folder, "request.json")), 0o600);
    assert.equal(mode(join(folder, "hospital-c.csr")), 0o644);
    assert.match(
      readFileSync(join(folder, "README-PRIVATE-KEY.txt"), "utf8"),
      /^THIS ARCHIVE HOLDS A PRIVATE KEY: hospital-c\/hospital-c\.key\n[\s\S]*on this machine/,
    );
    // The zip to send is the folder's own copy, and it holds no key.
    assert.deepEqual(readFileSync(made.requestZip), readFileSync(join(folder, "hospital-c.request.zip")));
    made.folder = folder;
  });

  test("Approve: a root CA made in the page checks and approves the page's request", async () => {
    await page.getByRole("link", { name: "2. Approve" }).click();
    const a = view("approve");
    await a.getByLabel("Or load project_profile.yaml").setInputFiles(join(cliDir, "project_profile.yaml"));
    await a
      .getByText("Valid: project hospital_federation, grpc://server1.hospital-central.org:8002")
      .waitFor();
    await a.getByRole("button", { name: "Create root CA" }).click();
    const fp = a.locator("[data-fingerprint]");
    await fp.waitFor({ timeout: 30_000 });
    made.fingerprint = (await fp.getAttribute("data-fingerprint")) as string;
    assert.match(made.fingerprint, /^SHA256(:[0-9A-F]{2}){32}$/);
    await a.getByText("All 4 checks passed.").waitFor();
    made.caZip = await download(page, downloads, () =>
      a.getByRole("button", { name: "Download CA folder (root key)" }).click(),
    );
    assert.equal(relative(downloads, made.caZip), "ca.ROOT-KEY-keep-offline.zip");
    const caDir = join(dir, "page-ca");
    unzip(made.caZip, caDir);
    assert.equal(mode(join(caDir, "ca")), 0o700);
    assert.equal(mode(join(caDir, "ca", "rootCA.key")), 0o600);
    assert.match(
      readFileSync(join(caDir, "ca", "README-ROOT-KEY.txt"), "utf8"),
      /^THIS ARCHIVE HOLDS A PRIVATE KEY: ca\/rootCA\.key/,
    );

    await a.getByLabel("Request zips").setInputFiles(made.requestZip as string);
    const card = a.getByRole("article", { name: "Request hospital-c.request.zip" });
    await card.getByText("All 12 checks passed.").waitFor();
    await card.getByText("hospital_gamma", { exact: true }).waitFor();
    await card.getByRole("button", { name: "Approve hospital-c" }).click();
    const save = card.getByRole("button", { name: "Download hospital-c.signed.zip" });
    await save.waitFor();
    await screenshot(page, "2-approve-1280");
    made.signedZip = await download(page, downloads, () => save.click());
  });

  test("Package: the signed zip and request folder zip become a kit whose zip keeps its modes", async () => {
    await page.getByRole("link", { name: "3. Package" }).click();
    const p = view("package");
    await p.getByLabel("Signed zip", { exact: true }).setInputFiles(made.signedZip as string);
    await p.getByLabel("Request folder zip, or the folder's files").setInputFiles(made.folderZip as string);
    await p.getByLabel("Root CA fingerprint").fill(made.fingerprint as string);
    await page.keyboard.press("Tab");
    await p.getByText("Every check package runs").waitFor();
    await p
      .getByText(/^All \d+ checks passed\.$/)
      .first()
      .waitFor();
    assert.equal(await p.locator('.check.ok[data-check="expected-fingerprint"]').count(), 1);
    assert.equal(await p.locator('.check.ok[data-check="matches-signed-zip"]').count(), 1);
    await p.getByRole("button", { name: "Build startup kit" }).click();
    const tree = p.locator(".tree");
    await tree.waitFor();
    assert.match((await tree.textContent()) ?? "", /-rw------- client\.key/);
    assert.match((await tree.textContent()) ?? "", /-rwxr-xr-x start\.sh/);
    await screenshot(page, "3-package-1280");
    await page.locator("#view-package .panel").last().scrollIntoViewIfNeeded();
    await screenshot(page, "3-package-1280-kit", true);
    // The README's picture (docs/ui.png is a copy): the top of the view once every check passed.
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, "readme-package-1280", true);
    made.kitZip = await download(page, downloads, () =>
      p.getByRole("button", { name: "Download hospital-c.startup-kit.zip" }).click(),
    );
    const ws = join(dir, "page-ws");
    unzip(made.kitZip, ws);
    const kit = join(ws, "hospital_federation", "prod_00", "hospital-c");
    assert.equal(mode(join(kit, "startup", "client.key")), 0o600);
    assert.equal(mode(join(kit, "startup", "start.sh")), 0o755);
    assert.equal(mode(join(kit, "startup", "fed_client.json")), 0o644);
    assert.ok(statSync(join(kit, "transfer")).isDirectory());
    assert.equal(
      readFileSync(join(kit, "startup", "client.key"), "utf8"),
      readFileSync(join(made.folder as string, "hospital-c.key"), "utf8"),
    );
  });

  test("the CLI approves a request made in the page and packages the page's request folder", () => {
    const init = okData(cli(["cert", "init", "--profile", "project_profile.yaml", "-o", "ca"]));
    made.cliFingerprint = init.rootca_fingerprint_sha256 as string;
    mkdirSync(join(cliDir, "inbox"));
    cpSync(made.requestZip as string, join(cliDir, "inbox", "hospital-c.request.zip"));
    const approved = okData(
      cli([
        "cert",
        "approve",
        "inbox/hospital-c.request.zip",
        "--ca-dir",
        "ca",
        "--profile",
        "project_profile.yaml",
      ]),
    );
    assert.equal(approved.name, "hospital-c");
    const packaged = okData(
      cli([
        "package",
        "inbox/hospital-c.signed.zip",
        "--fingerprint",
        init.rootca_fingerprint_sha256 as string,
        "--request-dir",
        made.folder as string,
        "-w",
        "ws-c",
      ]),
    );
    assert.equal(packaged.name, "hospital-c");
    assert.equal(mode(join(packaged.output_dir as string, "startup", "client.key")), 0o600);
  });

  test("the CLI packages a signed zip made in the page, into the same kit as the page's", async () => {
    okData(cli(["cert", "request", "-p", "hospital-b.yaml"]));
    const a = view("approve");
    await page.getByRole("link", { name: "2. Approve" }).click();
    await a.getByLabel("Request zips").setInputFiles(join(cliDir, "hospital-b", "hospital-b.request.zip"));
    const card = a.getByRole("article", { name: "Request hospital-b.request.zip" });
    await card.getByText("All 12 checks passed.").waitFor();
    await card.getByRole("button", { name: "Approve hospital-b" }).click();
    const signed = await download(page, downloads, () =>
      card.getByRole("button", { name: "Download hospital-b.signed.zip" }).click(),
    );

    // The page packages the CLI's request folder, picked as a folder.
    await page.getByRole("link", { name: "3. Package" }).click();
    const p = view("package");
    await p.getByLabel("Signed zip", { exact: true }).setInputFiles(signed);
    await p.getByLabel("Or pick the request folder").setInputFiles(join(cliDir, "hospital-b"));
    await p.getByLabel("Root CA fingerprint").fill(made.fingerprint as string);
    await page.keyboard.press("Tab");
    await p.getByText("Request folder: hospital-b (").waitFor();
    await p.getByRole("button", { name: "Build startup kit" }).click();
    const kitZip = await download(page, downloads, () =>
      p.getByRole("button", { name: "Download hospital-b.startup-kit.zip" }).click(),
    );
    const pageWs = join(dir, "page-ws-b");
    unzip(kitZip, pageWs);

    cpSync(signed, join(cliDir, "hospital-b", "hospital-b.signed.zip"));
    const packaged = okData(
      cli([
        "package",
        "hospital-b/hospital-b.signed.zip",
        "--fingerprint",
        made.fingerprint as string,
        "-w",
        "ws-b",
      ]),
    );
    assert.equal(packaged.output_dir, join(cliDir, "ws-b", "hospital_federation", "prod_00", "hospital-b"));
    // Same files, folders, modes and bytes: nothing in a kit is random.
    const fromPage = listTree(join(pageWs, "hospital_federation"));
    const fromCli = listTree(join(cliDir, "ws-b", "hospital_federation"));
    assert.deepEqual([...fromPage.keys()], [...fromCli.keys()]);
    for (const [path, entry] of fromCli) assert.deepEqual(fromPage.get(path), entry, path);
    assert.ok(fromCli.get("prod_00/hospital-b/startup/client.key")?.mode === 0o600);
  });

  test("errors show the CLI's codes and messages: a bad participant name, a wrong fingerprint", async () => {
    await page.getByRole("link", { name: "1. Request" }).click();
    const r = view("request");
    await r.getByLabel("Participant name").fill("bad name!");
    const pageName = await shownError(r);
    const definition = await r.getByLabel("Participant definition (YAML)").inputValue();
    const badDir = join(dir, "bad");
    mkdirSync(badDir);
    writeFileSync(join(badDir, "participant.yaml"), definition);
    const cliName = cli(["cert", "request", "-p", "participant.yaml"], badDir);
    assert.equal(cliName.code, 4);
    assert.equal(pageName.error_code, "INVALID_NAME");
    assert.deepEqual(pageName, {
      error_code: cliName.json?.error_code,
      message: cliName.json?.message,
      hint: cliName.json?.hint,
    });

    await page.getByRole("link", { name: "3. Package" }).click();
    const p = view("package");
    const wrong = `SHA256:${"00:".repeat(31)}00`;
    await p.getByLabel("Root CA fingerprint").fill(wrong);
    await page.keyboard.press("Tab");
    await p.getByRole("button", { name: "Build startup kit" }).click();
    const pageFp = await shownError(p.locator(".panel").last());
    await screenshot(page, "4-package-error-1280");
    const cliFp = cli([
      "package",
      "hospital-b/hospital-b.signed.zip",
      "--fingerprint",
      wrong,
      "-w",
      "ws-wrong",
    ]);
    assert.equal(cliFp.code, 4);
    assert.equal(pageFp.error_code, "ROOTCA_FINGERPRINT_MISMATCH");
    assert.deepEqual(pageFp, {
      error_code: cliFp.json?.error_code,
      message: cliFp.json?.message,
      hint: cliFp.json?.hint,
    });
  });

  test("Approve: the CLI's CA folder loads as a folder or as its files, and signs what the CLI packages", async () => {
    await page.getByRole("link", { name: "2. Approve" }).click();
    const a = view("approve");
    await a.getByLabel("CA folder", { exact: true }).setInputFiles(join(cliDir, "ca"));
    await a.getByText("CA folder ca loaded.").waitFor();
    await a.locator(`[data-fingerprint="${made.cliFingerprint}"]`).waitFor();
    await a.getByText("All 4 checks passed.").waitFor();
    await a
      .getByLabel("Or its files, or its zip")
      .setInputFiles(["ca.json", "rootCA.pem", "rootCA.key"].map((name) => join(cliDir, "ca", name)));
    await a.getByText("CA folder ca loaded.").waitFor();
    await a.locator(`[data-fingerprint="${made.cliFingerprint}"]`).waitFor();

    mkdirSync(join(cliDir, "again"));
    okData(cli(["cert", "request", "-p", "hospital-a.yaml", "--out", "again/hospital-a"]));
    await a
      .getByLabel("Request zips")
      .setInputFiles(join(cliDir, "again", "hospital-a", "hospital-a.request.zip"));
    const card = a.getByRole("article", { name: "Request hospital-a.request.zip" });
    await card.getByRole("button", { name: "Approve hospital-a" }).click();
    const signed = await download(page, downloads, () =>
      card.getByRole("button", { name: "Download hospital-a.signed.zip" }).click(),
    );
    cpSync(signed, join(cliDir, "again", "hospital-a", "hospital-a.signed.zip"));
    const packaged = okData(
      cli([
        "package",
        "again/hospital-a/hospital-a.signed.zip",
        "--fingerprint",
        made.cliFingerprint as string,
        "-w",
        "ws-a",
      ]),
    );
    assert.equal(packaged.rootca_fingerprint_sha256, made.cliFingerprint);
    assert.equal(packaged.name, "hospital-a");
  });

  test("Approve: an encrypted CA key needs its passphrase in the page; a wrong one is CA_KEY_LOCKED", async () => {
    const pass = "page passphrase for the test";
    const withPass = (args: string[]) =>
      runCli(["--format", "json", ...args], { cwd: cliDir, home, env: { FLARE_PROVISION_NOW: "", P: pass } });
    okData(withPass(["cert", "key", "encrypt", "-c", "ca", "--passphrase-env", "P"]));
    try {
      await page.getByRole("link", { name: "2. Approve" }).click();
      const a = view("approve");
      await a.getByLabel("CA folder", { exact: true }).setInputFiles(join(cliDir, "ca"));
      await a.getByText("CA folder ca loaded.").waitFor();
      await a.getByText(/rootCA\.key is encrypted \(PBES2, PBKDF2-HMAC-SHA256, 600000 iterations/).waitFor();
      mkdirSync(join(cliDir, "locked"));
      okData(cli(["cert", "request", "-p", "hospital-a.yaml", "--out", "locked/hospital-a"]));
      await a
        .getByLabel("Request zips")
        .setInputFiles(join(cliDir, "locked", "hospital-a", "hospital-a.request.zip"));
      const card = a.getByRole("article", { name: "Request hospital-a.request.zip" }).last();
      const approveButton = card.getByRole("button", { name: "Approve hospital-a" });
      const passphrase = a.getByLabel("Root key passphrase");
      await passphrase.fill("");
      await approveButton.click();
      await card.locator('[data-code="PASSPHRASE_REQUIRED"]').waitFor();
      await passphrase.fill("not it");
      await approveButton.click();
      await card.locator('[data-code="CA_KEY_LOCKED"]').waitFor();
      await passphrase.fill(pass);
      await approveButton.click();
      await card.getByRole("button", { name: "Download hospital-a.signed.zip" }).waitFor();
    } finally {
      okData(withPass(["cert", "key", "decrypt", "-c", "ca", "--passphrase-env", "P"]));
    }
  });

  test("readable on a narrow window: no sideways scrolling in any view at 400 px", async () => {
    await page.setViewportSize({ width: 400, height: 800 });
    for (const name of ["request", "approve", "package"]) {
      await page.getByRole("link", { name: new RegExp(`\\d\\. ${name}`, "i") }).click();
      await page.locator(`#view-${name} h1`).waitFor();
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 400, `${name} is ${width} px wide at a 400 px window`);
      await screenshot(page, `5-${name}-400`);
    }
    await page.locator("#view-package .panel").last().scrollIntoViewIfNeeded();
    await screenshot(page, "5-package-400-kit", true);
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, "5-package-400-top", true);
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  test("the page asked only for its own static files and reported no error or CSP violation", () => {
    const allowed = new Set([`${ui.origin}/`, `${ui.origin}/app.js`, `${ui.origin}/app.css`]);
    const foreign = browser.requests.filter(
      (url) => !allowed.has(url) && !url.startsWith(`blob:${ui.origin}/`),
    );
    assert.deepEqual(foreign, []);
    assert.ok(browser.requests.includes(`${ui.origin}/app.js`), "the recorder saw the page's own requests");
    assert.deepEqual(browser.problems, []);
  });
});
