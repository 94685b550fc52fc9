// Bundles dist/ with esbuild. Start-up time is the budget (BENCHMARKS.md), so:
// - dist/cli.js holds only argument parsing, help and output. Code splitting puts what each
//   command's `await import(...)` needs into dist/chunks/ (shared code once, one instance of
//   every module), so `--help` or an argument error never reads, compiles or evaluates yaml,
//   asn1 or fflate code; the build fails if cli.js ever pulls one of them in statically.
// - dist/ is CommonJS (dist/package.json says so): Node starts a CommonJS file ~4-5 ms faster
//   than an ES module, a fifth of `node -e 0` here. esbuild splits only ES modules, so each
//   split output is then converted to CommonJS, import() becoming require(). package.json
//   "bin" and "exports" are unchanged, and ESM callers still `import { approveCert } from
//   "flare-provision"` (Node reads the export names esbuild annotates).
// - Dependencies are taken as ES modules ("module" field; yaml's and fflate's own ESM builds
//   for non-Node targets, the same releases): esbuild inlines them instead of wrapping
//   CommonJS, and fflate's Node build would load worker_threads at start for an async API we
//   never call. Minified: less source to read and pre-parse on every start.
// - The @peculiar/asn1-* packages declare no "sideEffects", so esbuild keeps every module they
//   re-export, each running decorators (and asn1-rsa's AsnConvert.serialize calls) at load.
//   Their modules only define schema classes and constants, so they are marked side-effect
//   free: what we do not import is dropped (~5 ms less CPU to load `cert approve`).
// - Chunks are written before the entry, each file atomically (temp + rename), so a CLI
//   started by a parallel test run never sees a half-written file; chunks that no build uses
//   any more are removed once they are a few minutes old.
// - dist/core/ is `flare-provision/core`, the isomorphic core as one ES module bundled for
//   the browser (dist/core/package.json says "module"). The build fails if any Node built-in
//   is reachable from src/core/index.ts, and names the import chain that pulls it in.
// - Type declarations come from tsc (declaration emit, src/ -> .d.ts, relative `.ts`
//   specifiers rewritten to `.js`), twice: dist/types/ for the CommonJS main entry and
//   dist/core/ for the ES module (a .d.ts takes its module format from the nearest
//   package.json, like the .js beside it). Declaration emit type-checks the whole graph
//   (seconds), so it is skipped when no source, tsconfig or TypeScript version changed.
import { createHash } from "node:crypto";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { builtinModules, createRequire } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build, transform } from "esbuild";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const require = createRequire(import.meta.url);
const packageDir = (name) => dirname(require.resolve(`${name}/package.json`));

// Packages that a command-free start must not evaluate (checked against the metafile).
const HEAVY = /node_modules\/(yaml|fflate|asn1js|pvtsutils|pvutils|tslib|@peculiar)\//;
const STALE_CHUNK_MS = 5 * 60 * 1000;

const PURE_PACKAGE = /node_modules\/@peculiar\//;

/** Marks every module of the packages matched by PURE_PACKAGE as free of side effects. */
const pureDependencies = {
  name: "flare-pure-dependencies",
  setup(b) {
    b.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData === "flare-pure" || args.kind === "entry-point") return undefined;
      if (!PURE_PACKAGE.test(args.importer) && !args.path.startsWith("@peculiar/")) return undefined;
      const resolved = await b.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: "flare-pure",
      });
      if (resolved.errors.length > 0) return { errors: resolved.errors };
      // Anything else (tslib, asn1js, ...) resolves as usual, with its own package.json flags.
      if (resolved.external || !PURE_PACKAGE.test(resolved.path)) return undefined;
      return { path: resolved.path, sideEffects: false };
    });
  },
};

/** Options shared by every bundle (and by scripts/bench.mjs for its core bundle). */
export const bundleOptions = {
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  mainFields: ["module", "main"],
  alias: {
    yaml: join(packageDir("yaml"), "browser", "index.js"),
    fflate: join(packageDir("fflate"), "esm", "browser.js"),
  },
  minify: true,
  legalComments: "none",
  sourcemap: false,
  define: { __FLARE_VERSION__: JSON.stringify(version) },
  logLevel: "warning",
  write: false,
  metafile: true,
  absWorkingDir: root,
  plugins: [pureDependencies],
};

/** Output files of the browser core, for scripts/bench.mjs and tests. */
export const CORE_BUNDLE = join(dist, "core", "index.js");

function writeAtomic(path, contents, mode = 0o644) {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.tmp-${process.pid}`;
  writeFileSync(temp, contents, { mode });
  chmodSync(temp, mode);
  renameSync(temp, path);
}

/** Every dependency is bundled, so no output may need a require() esbuild could not resolve. */
function checkBundled(path, text) {
  if (text.includes("Dynamic require of"))
    throw new Error(`${relative(root, path)} calls require() at run time: bundle that dependency`);
}

/** Input files an output evaluates when loaded: its own and those of its static imports. */
function staticInputs(metafile, output, seen = new Set()) {
  if (seen.has(output)) return [];
  seen.add(output);
  const meta = metafile.outputs[output];
  const inputs = Object.keys(meta.inputs);
  for (const imported of meta.imports) {
    if (imported.kind === "import-statement" && !imported.external)
      inputs.push(...staticInputs(metafile, imported.path, seen));
  }
  return inputs;
}

function pruneStaleChunks(outdir, keep) {
  const dir = join(outdir, "chunks");
  let names;
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const path = join(dir, name);
    if (keep.has(path)) continue;
    try {
      if (Date.now() - statSync(path).mtimeMs > STALE_CHUNK_MS) rmSync(path, { force: true });
    } catch {
      // Already removed by a parallel build.
    }
  }
}

/**
 * Builds the CLI into `outdir` (default dist/): cli.js plus chunks/. With `profiling`, the
 * output stays unminified ES modules, whose `// <source path>` comments let a CPU profile be
 * attributed to packages and source files (scripts/bench.mjs --profile).
 */
export async function buildCli(outdir = dist, { profiling = false } = {}) {
  const result = await build({
    ...bundleOptions,
    format: "esm",
    minify: !profiling,
    entryPoints: { cli: "src/cli/bin.ts" },
    outdir,
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
    entryNames: "[name]",
  });
  const entryPath = join(outdir, "cli.js");
  const heavy = staticInputs(result.metafile, relative(root, entryPath)).filter((input) => HEAVY.test(input));
  if (heavy.length > 0)
    throw new Error(`cli.js must not load these before a command runs:\n  ${heavy.join("\n  ")}`);
  const files = [];
  for (const file of result.outputFiles) {
    // import() becomes require(): loading a command's chunks must not start the ESM loader.
    const { code } = profiling
      ? { code: file.text }
      : await transform(file.text, {
          format: "cjs",
          platform: "node",
          target: "node20",
          minify: true,
          supported: { "dynamic-import": false },
        });
    checkBundled(file.path, code);
    files.push({ path: file.path, code });
  }
  const type = profiling ? "module" : "commonjs";
  writeAtomic(join(outdir, "package.json"), `${JSON.stringify({ type }, null, 2)}\n`);
  for (const file of files) if (file.path !== entryPath) writeAtomic(file.path, file.code);
  const entry = files.find((file) => file.path === entryPath);
  writeAtomic(entryPath, `#!/usr/bin/env node\n${entry.code}`, 0o755);
  pruneStaleChunks(outdir, new Set(files.map((file) => file.path)));
}

async function buildLibrary() {
  const result = await build({
    ...bundleOptions,
    entryPoints: ["src/index.ts"],
    outfile: join(dist, "index.js"),
  });
  for (const file of result.outputFiles) {
    checkBundled(file.path, file.text);
    writeAtomic(file.path, file.contents);
  }
}

const BUILTINS = new Set(builtinModules);

/** True for `node:fs`, `fs`, `fs/promises`: a module only Node (or a Node polyfill) provides. */
function isNodeBuiltin(specifier) {
  if (specifier.startsWith("node:")) return true;
  return BUILTINS.has(specifier) || BUILTINS.has(specifier.split("/")[0]);
}

/**
 * Lets every import of a Node built-in through as external, so that one build finds them
 * all; {@link builtinChains} then turns them into an error naming each import chain.
 */
const nodeBuiltinMarker = {
  name: "flare-node-builtin-marker",
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) =>
      isNodeBuiltin(args.path) ? { path: args.path, external: true } : undefined,
    );
  },
};

/**
 * Every import chain from `entry` to a Node built-in, from the metafile's import graph,
 * shortest first: `src/core/index.ts -> src/core/x.ts -> node:fs`.
 */
export function builtinChains(metafile, entry) {
  const parent = new Map([[entry, undefined]]);
  const queue = [entry];
  const chains = [];
  while (queue.length > 0) {
    const file = queue.shift();
    for (const imported of metafile.inputs[file]?.imports ?? []) {
      if (imported.external && isNodeBuiltin(imported.path)) {
        const chain = [imported.original ?? imported.path];
        for (let at = file; at !== undefined; at = parent.get(at)) chain.unshift(at);
        chains.push(chain.join(" -> "));
      } else if (!imported.external && !parent.has(imported.path)) {
        parent.set(imported.path, file);
        queue.push(imported.path);
      }
    }
  }
  return chains;
}

/**
 * Bundles `entry` (default src/core/index.ts) as one ES module for browsers and returns its
 * code; throws, naming every import chain, if any Node built-in is reachable from it.
 */
export async function bundleBrowserCore(entry = "src/core/index.ts", { minify = true } = {}) {
  const result = await build({
    ...bundleOptions,
    platform: "browser",
    format: "esm",
    target: "es2022",
    minify,
    entryPoints: [entry],
    outfile: CORE_BUNDLE,
    plugins: [nodeBuiltinMarker, ...bundleOptions.plugins],
  });
  const chains = builtinChains(result.metafile, relative(root, resolve(root, entry)));
  if (chains.length > 0) {
    throw new Error(
      `${entry} must run in a browser, but it imports Node built-ins:\n  ${chains.join("\n  ")}`,
    );
  }
  const [file] = result.outputFiles;
  checkBundled(file.path, file.text);
  return file.text;
}

async function buildBrowserCore() {
  const code = await bundleBrowserCore();
  writeAtomic(join(dist, "core", "package.json"), `${JSON.stringify({ type: "module" }, null, 2)}\n`);
  writeAtomic(CORE_BUNDLE, code);
}

const DECLARATION_ROOTS = ["src/index.ts", "src/core/index.ts"];
const DECLARATION_STAMP = join(root, "node_modules", ".cache", "flare-provision", "declarations.sha256");

/** Every input of declaration emit that can change its output, hashed. */
function declarationInputsHash() {
  const hash = createHash("sha256");
  for (const name of ["typescript", "@types/node"])
    hash.update(
      `${name}@${JSON.parse(readFileSync(join(packageDir(name), "package.json"), "utf8")).version}\n`,
    );
  const files = [join(root, "tsconfig.json"), fileURLToPath(import.meta.url)];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".ts")) files.push(path);
    }
  };
  walk(join(root, "src"));
  for (const file of files.sort()) hash.update(`${relative(root, file)}\n`).update(readFileSync(file));
  return hash.digest("hex");
}

// `from "./x.ts"`, `import("../y.ts")` in emitted declarations: consumers resolve `.js`.
const TS_SPECIFIER = /((?:from|import)\s*\(?\s*)(["'])(\.{1,2}\/[^"']*)\.ts\2/g;
const SPECIFIER = /(?:from|import)\s*\(?\s*["']([^"']+)["']|\/\/\/\s*<reference\s+types=["']([^"']+)["']/g;

/** Declarations of src/index.ts and src/core/index.ts, by path relative to src/. */
async function emitDeclarations() {
  const { default: ts } = await import("typescript");
  const fail = (diagnostics) => {
    const host = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => "\n" };
    throw new Error(`declaration emit failed:\n${ts.formatDiagnostics(diagnostics, host)}`);
  };
  const config = ts.getParsedCommandLineOfConfigFile(
    join(root, "tsconfig.json"),
    {
      noEmit: false,
      declaration: true,
      emitDeclarationOnly: true,
      rootDir: join(root, "src"),
      outDir: join(root, "dist", "types"),
    },
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => fail([d]) },
  );
  if (config.errors.length > 0) fail(config.errors);
  const program = ts.createProgram(
    DECLARATION_ROOTS.map((file) => join(root, file)),
    config.options,
  );
  const emitted = new Map();
  const outDir = join(root, "dist", "types");
  const { diagnostics } = program.emit(
    undefined,
    (path, text) => emitted.set(relative(outDir, path), text.replace(TS_SPECIFIER, "$1$2$3.js$2")),
    undefined,
    true,
  );
  const errors = [...diagnostics, ...ts.getPreEmitDiagnostics(program)].filter(
    (d) => d.category === ts.DiagnosticCategory.Error,
  );
  if (errors.length > 0) fail(errors);
  return emitted;
}

/**
 * The browser core's declarations must stand alone: no Node types, nothing outside src/core/
 * (its tree is shipped on its own), no package that is not a dependency.
 */
function checkCoreDeclarations(emitted) {
  const { dependencies } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const problems = [];
  for (const [path, text] of emitted) {
    if (!path.startsWith("core/")) continue;
    for (const match of text.matchAll(SPECIFIER)) {
      const specifier = match[1] ?? match[2];
      const escapes =
        specifier.startsWith(".") && !join("core", dirname(path.slice(5)), specifier).startsWith("core/");
      const bare = !specifier.startsWith(".");
      const pkg = specifier.startsWith("@")
        ? specifier.split("/").slice(0, 2).join("/")
        : specifier.split("/")[0];
      if (escapes || (bare && (isNodeBuiltin(specifier) || !Object.hasOwn(dependencies, pkg))))
        problems.push(`${path}: ${specifier}`);
    }
    if (/\bNodeJS\.|\bBuffer\b/.test(text)) problems.push(`${path}: uses Node types`);
  }
  if (problems.length > 0)
    throw new Error(`flare-provision/core declarations must not need Node:\n  ${problems.join("\n  ")}`);
}

async function buildDeclarations() {
  const hash = declarationInputsHash();
  const outputs = [join(dist, "types", "index.d.ts"), join(dist, "core", "index.d.ts")];
  if (outputs.every((path) => existsSync(path))) {
    try {
      if (readFileSync(DECLARATION_STAMP, "utf8") === hash) return;
    } catch {
      // No stamp yet: emit.
    }
  }
  const emitted = await emitDeclarations();
  checkCoreDeclarations(emitted);
  for (const [path, text] of emitted) {
    writeAtomic(join(dist, "types", path), text);
    if (path.startsWith("core/")) writeAtomic(join(dist, path), text);
  }
  writeAtomic(DECLARATION_STAMP, hash);
}

/**
 * Builds the static web app into `outdir` (default dist/ui/). `entry` (default src/ui/main.ts)
 * lets tests check that the guards below fail a bundle that breaks them.
 */
export async function buildUi(outdir = join(dist, "ui"), { entry = "src/ui/main.ts" } = {}) {
  const result = await build({
    ...bundleOptions,
    platform: "browser",
    format: "iife",
    target: ["es2022"],
    mainFields: ["browser", "module", "main"],
    entryPoints: [
      { in: entry, out: "app" },
      { in: "src/ui/style.css", out: "app" },
    ],
    outdir,
    plugins: [nodeBuiltinMarker, pureDependencies],
  });
  const chains = builtinChains(result.metafile, relative(root, resolve(root, entry)));
  if (chains.length > 0)
    throw new Error(`the browser bundle must not import Node built-ins:\n  ${chains.join("\n  ")}`);
  const forbidden = Object.keys(result.metafile.inputs).filter((input) => /^src\/(node|cli)\//.test(input));
  if (forbidden.length > 0)
    throw new Error(`the browser bundle must not include Node or CLI code:\n  ${forbidden.join("\n  ")}`);
  const html = readFileSync(join(root, "src", "ui", "index.html"), "utf8");
  if (/<script(?![^>]*\ssrc=)[^>]*>/i.test(html) || /\son[a-z]+=/i.test(html) || /\sstyle=/i.test(html))
    throw new Error("src/ui/index.html must hold no inline script, event handler or style attribute (CSP)");
  for (const file of result.outputFiles) writeAtomic(file.path, file.contents);
  writeAtomic(join(outdir, "index.html"), html);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildCli();
  await buildLibrary();
  await buildBrowserCore();
  await buildDeclarations();
  await buildUi();
}
