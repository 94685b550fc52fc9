import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, posix } from "node:path";
import { after, before, describe, test } from "node:test";
import { transform } from "esbuild";
import { makeTempDir, REPO_ROOT } from "../helpers/fixtures.ts";

// What `npm pack` ships, installed the way a user gets it, without the network: the tarball
// from a copy of the working tree (so prepack runs its clean build without touching the
// dist/ other tests use), unpacked into a fresh project's node_modules, with its
// dependencies (and TypeScript's @types/node) linked from this repository's node_modules.

const PACKAGE = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8"));
const SOURCES = [
  "package.json",
  "README.md",
  "LICENSE",
  "tsconfig.json",
  "docs",
  "examples",
  "python",
  "scripts",
  "src",
];
const TSC = join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc");

interface PackedFile {
  path: string;
  size: number;
  mode: number;
}

interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  entryCount: number;
  files: PackedFile[];
}

function run(command: string, args: string[], cwd: string, home: string) {
  const result = spawnSync(command, args, {
    cwd,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: home,
      LANG: "C.UTF-8",
      npm_config_cache: join(home, "npm-cache"),
      npm_config_offline: "true",
      npm_config_update_notifier: "false",
      npm_config_fund: "false",
      npm_config_audit: "false",
    },
    encoding: "utf8",
    timeout: 300_000,
  });
  return { code: result.status, stdout: result.stdout ?? "", stderr: result.stderr ?? "" };
}

/** `names` and everything they depend on, as installed in this repository. */
function dependencyClosure(names: string[]): Set<string> {
  const seen = new Set<string>();
  const queue = [...names];
  while (queue.length > 0) {
    const name = queue.pop() as string;
    if (seen.has(name)) continue;
    seen.add(name);
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, "node_modules", name, "package.json"), "utf8"));
    queue.push(...Object.keys(manifest.dependencies ?? {}));
  }
  return seen;
}

/** Fenced ```ts blocks of the README section `heading`, in order. */
function readmeExamples(readme: string, heading: string): string[] {
  const start = readme.indexOf(`\n${heading}\n`);
  assert.ok(start >= 0, `README has no "${heading}" section`);
  const end = readme.indexOf("\n## ", start + heading.length + 2);
  const section = readme.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] as string);
}

const STRICT = {
  strict: true,
  noUncheckedIndexedAccess: true,
  exactOptionalPropertyTypes: true,
  skipLibCheck: false,
  noEmit: true,
  target: "ES2022",
};

// A Node project (ES module and CommonJS files) and a browser project that sees no Node types.
const NODE_TSCONFIG = {
  compilerOptions: {
    ...STRICT,
    module: "NodeNext",
    moduleResolution: "NodeNext",
    lib: ["ES2022"],
    types: ["node"],
  },
  files: ["node-app.ts", "cjs-app.cts", "readme-1.ts", "readme-2.ts"],
};
const BROWSER_TSCONFIG = {
  compilerOptions: {
    ...STRICT,
    module: "ESNext",
    moduleResolution: "Bundler",
    lib: ["ES2022", "DOM"],
    types: [],
  },
  files: ["browser-app.ts", "readme-2.ts"],
};

// Each file also uses an API wrongly once, marked as an expected error: were the declarations
// missing or `any`, that expectation would be unmet, itself an error (TS2578).
const NODE_APP = `import { approveCert, type ApproveCertResult, FlareError, packageSignedZip, platformDeps } from "flare-provision";
import { buildKit, type KitTree, verifySignedZip } from "flare-provision/core";

export async function approve(cwd: string, home: string): Promise<ApproveCertResult> {
  const env = { cwd, home, deps: platformDeps(), note: () => {}, textWarning: () => {} };
  // @ts-expect-error requestZip is a path, not bytes
  await approveCert({ requestZip: new Uint8Array(), caDir: "ca", profile: "p.yaml" }, env);
  await packageSignedZip({ input: "site-1.signed.zip", fingerprint: "SHA256:..." }, env);
  return approveCert({ requestZip: "site-1.request.zip", caDir: "ca", profile: "p.yaml" }, env);
}

export async function kitOf(zip: Uint8Array): Promise<KitTree | string> {
  try {
    const approval = await verifySignedZip(zip, { label: "x.signed.zip" }, platformDeps());
    const name: string = approval.name;
    // @ts-expect-error buildKit wants the whole KitInput
    return buildKit({ name });
  } catch (error) {
    return error instanceof FlareError ? error.code : "unexpected";
  }
}
`;
const CJS_APP = `import flare = require("flare-provision");

export const code: string = new flare.FlareError("INVALID_ARGS").code;
// @ts-expect-error not an error code of the catalogue
export const wrong = new flare.FlareError("NO_SUCH_CODE");
`;
const BROWSER_APP = `import { type CoreDeps, inspectSignedZip, failedChecks, platformDeps, readZip } from "flare-provision/core";

const deps: CoreDeps = platformDeps();
export async function check(zip: Uint8Array): Promise<string[]> {
  const names: string[] = readZip(zip).map((entry) => entry.name);
  const report = await inspectSignedZip(zip, { label: names.join(",") }, deps);
  // @ts-expect-error the label is required
  await inspectSignedZip(zip, {}, deps);
  return failedChecks(report);
}
`;

describe("the npm package", () => {
  const { dir, cleanup } = makeTempDir("flare-pack-");
  after(cleanup);
  const home = join(dir, "home");
  const consumer = join(dir, "consumer");
  const installed = join(consumer, "node_modules", "flare-provision");
  let packed: PackResult;

  before(() => {
    const source = join(dir, "source");
    for (const entry of SOURCES) cpSync(join(REPO_ROOT, entry), join(source, entry), { recursive: true });
    // The packages themselves are linked; the build's cache stays in the copy.
    mkdirSync(join(source, "node_modules"));
    for (const entry of readdirSync(join(REPO_ROOT, "node_modules")))
      if (entry !== ".cache")
        symlinkSync(join(REPO_ROOT, "node_modules", entry), join(source, "node_modules", entry));
    mkdirSync(home);
    const pack = run("npm", ["pack", "--json", "--pack-destination", dir], source, home);
    assert.equal(pack.code, 0, pack.stderr);
    const results = JSON.parse(pack.stdout) as PackResult[];
    assert.equal(results.length, 1);
    packed = results[0] as PackResult;

    mkdirSync(join(consumer, "node_modules"), { recursive: true });
    const untar = run(
      "tar",
      ["-xzf", join(dir, packed.filename), "-C", join(consumer, "node_modules")],
      dir,
      home,
    );
    assert.equal(untar.code, 0, untar.stderr);
    renameSync(join(consumer, "node_modules", "package"), installed);
    for (const name of dependencyClosure([...Object.keys(PACKAGE.dependencies), "@types/node"])) {
      mkdirSync(dirname(join(consumer, "node_modules", name)), { recursive: true });
      symlinkSync(join(REPO_ROOT, "node_modules", name), join(consumer, "node_modules", name));
    }
    const examples = readmeExamples(readFileSync(join(installed, "README.md"), "utf8"), "## As a library");
    assert.equal(examples.length, 2, "README's library section: one example on files, one in memory");
    const files: Record<string, string> = {
      "package.json": JSON.stringify({ name: "consumer", private: true, type: "module" }),
      "tsconfig.json": JSON.stringify(NODE_TSCONFIG),
      "tsconfig.browser.json": JSON.stringify(BROWSER_TSCONFIG),
      "node-app.ts": NODE_APP,
      "cjs-app.cts": CJS_APP,
      "browser-app.ts": BROWSER_APP,
      "readme-1.ts": examples[0] as string,
      "readme-2.ts": examples[1] as string,
    };
    for (const [name, text] of Object.entries(files)) writeFileSync(join(consumer, name), text);
  });

  const tsc = (project: string) =>
    run(process.execPath, [TSC, "-p", project, "--pretty", "false"], consumer, home);

  test("ships dist with its declarations, LICENSE, README, docs and examples, and nothing else", () => {
    const paths = packed.files.map((file) => file.path);
    for (const path of [
      "LICENSE",
      "README.md",
      "package.json",
      "docs/decisions.md",
      "docs/interop.md",
      "docs/security.md",
      "examples/hospital/project_profile.yaml",
      "dist/package.json",
      "dist/cli.js",
      "dist/index.js",
      "dist/types/index.d.ts",
      "dist/types/node/approve-cert.d.ts",
      "dist/types/core/index.d.ts",
      "dist/core/package.json",
      "dist/core/index.js",
      "dist/core/index.d.ts",
      "dist/core/package/build-kit-from-signed-zip.d.ts",
      "dist/ui/index.html",
      "dist/ui/app.js",
      "dist/ui/app.css",
      "python/flare_provision_builders.py",
      "python/flare_provision_revocation.py",
    ])
      assert.ok(paths.includes(path), `${path} is not in the tarball`);
    const unexpected = paths.filter(
      (path) =>
        !/^(LICENSE|README\.md|package\.json|docs\/[^/]+\.(md|png)|examples\/hospital\/[^/]+\.yaml|python\/[^/]+\.py)$/.test(
          path,
        ) &&
        !/^dist\/(package\.json|cli\.js|index\.js|chunks\/[^/]+\.js|core\/(package\.json|index\.js)|(types|core)\/.+\.d\.ts|ui\/(index\.html|app\.js|app\.css))$/.test(
          path,
        ),
    );
    assert.deepEqual(unexpected, []);
    // Every module of the Node entry has its declaration, and so has every core module.
    const declarations = paths.filter((path) => path.endsWith(".d.ts"));
    const coreTypes = declarations.filter((path) => path.startsWith("dist/types/core/"));
    assert.deepEqual(
      declarations
        .filter((path) => path.startsWith("dist/core/"))
        .map((path) => path.slice("dist/core/".length)),
      coreTypes.map((path) => path.slice("dist/types/core/".length)),
    );
    assert.equal(
      packed.files.find((file) => file.path === "dist/cli.js")?.mode,
      0o755,
      "the bin must be executable",
    );
  });

  test("LICENSE is the Apache License 2.0 that package.json names", () => {
    assert.equal(PACKAGE.license, "Apache-2.0");
    const text = readFileSync(join(installed, "LICENSE"), "utf8");
    assert.match(
      text,
      /^\s+Apache License\n\s+Version 2\.0, January 2004\n\s+http:\/\/www\.apache\.org\/licenses\/\n/,
    );
    assert.match(text, /TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION/);
    assert.match(text, /9\. Accepting Warranty or Additional Liability\./);
    assert.match(text, /END OF TERMS AND CONDITIONS/);
  });

  test("every export, types entry and bin of package.json exists in the tarball", () => {
    const targets = new Set<string>([PACKAGE.main, PACKAGE.types, ...Object.values(PACKAGE.bin as object)]);
    const collect = (value: unknown): void => {
      if (typeof value === "string") targets.add(value);
      else if (value && typeof value === "object") for (const item of Object.values(value)) collect(item);
    };
    collect(PACKAGE.exports);
    for (const target of targets)
      assert.ok(existsSync(join(installed, target)), `${target} is named by package.json but not shipped`);
    assert.equal(PACKAGE.exports["."].types, PACKAGE.types);
    assert.deepEqual(Object.keys(PACKAGE.exports["./core"]), ["types", "default"], "types must come first");
  });

  test("every relative link of the README leads to a file in the package", () => {
    const readme = readFileSync(join(installed, "README.md"), "utf8");
    const links = [...readme.matchAll(/\]\(([^)#\s]+)\)/g)].map((match) => match[1] as string);
    const relative = links.filter((link) => !/^[a-z]+:/.test(link));
    assert.ok(
      relative.some((link) => link.startsWith("docs/")),
      "the README links docs/",
    );
    for (const link of relative)
      assert.ok(
        existsSync(join(installed, posix.normalize(link))),
        `README links ${link}, which is not shipped`,
      );
  });

  test("a strict TypeScript project compiles against both entries and the README examples", () => {
    const node = tsc("tsconfig.json");
    assert.equal(node.code, 0, node.stdout + node.stderr);
    const browser = tsc("tsconfig.browser.json");
    assert.equal(browser.code, 0, browser.stdout + browser.stderr);
  });

  test("the README's in-memory example runs against the installed package", async () => {
    const { code } = await transform(readFileSync(join(consumer, "readme-2.ts"), "utf8"), { loader: "ts" });
    writeFileSync(join(consumer, "readme-2.mjs"), code);
    const example = run(process.execPath, ["readme-2.mjs"], consumer, home);
    assert.equal(example.code, 0, example.stderr);
    const listed = example.stdout.trim().split("\n");
    for (const line of [
      "600 startup/client.key",
      "644 startup/client.crt",
      "644 startup/fed_client.json",
      "755 startup/start.sh",
    ])
      assert.ok(listed.includes(line), `${line} missing from:\n${example.stdout}`);
    assert.equal(example.stderr, "");
  });

  test("both entries load at run time, from ES modules and from CommonJS", () => {
    const esm = run(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        'const main = await import("flare-provision"); const core = await import("flare-provision/core");' +
          "const missing = Object.keys(core).filter((name) => main[name] !== undefined && typeof main[name] !== typeof core[name]);" +
          "console.log(typeof main.approveCert, typeof core.buildKitFromSignedZip, typeof core.approveCert, missing.length);",
      ],
      consumer,
      home,
    );
    assert.equal(esm.stdout, "function function undefined 0\n", esm.stderr);
    const cjs = run(
      process.execPath,
      ["-e", 'console.log(typeof require("flare-provision").buildKit)'],
      consumer,
      home,
    );
    assert.equal(cjs.stdout, "function\n", cjs.stderr);
  });

  test("fails to compile without the declarations (TS7016), so the check above can fail", () => {
    const hidden = join(dir, "hidden-types");
    mkdirSync(hidden);
    renameSync(join(installed, "dist", "types"), join(hidden, "types"));
    const coreTypes = join(hidden, "core");
    cpSync(join(installed, "dist", "core"), coreTypes, { recursive: true });
    rmSync(join(installed, "dist", "core"), { recursive: true });
    mkdirSync(join(installed, "dist", "core"));
    for (const name of ["index.js", "package.json"])
      cpSync(join(coreTypes, name), join(installed, "dist", "core", name));
    try {
      const node = tsc("tsconfig.json");
      assert.notEqual(node.code, 0);
      assert.match(
        node.stdout,
        /node-app\.ts\(1,\d+\): error TS7016: Could not find a declaration file for module 'flare-provision'/,
      );
      const browser = tsc("tsconfig.browser.json");
      assert.notEqual(browser.code, 0);
      assert.match(
        browser.stdout,
        /error TS7016: Could not find a declaration file for module 'flare-provision\/core'/,
      );
    } finally {
      rmSync(join(installed, "dist", "core"), { recursive: true });
      renameSync(coreTypes, join(installed, "dist", "core"));
      renameSync(join(hidden, "types"), join(installed, "dist", "types"));
    }
  });
});
