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
import {
  chmodSync,
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

// The browser front end (dist/ui/): index.html, app.js (one IIFE bundle, no module loader, so
// the page also works as plain files) and app.css. The build fails if the bundle would pull in
// a Node built-in or anything from src/node or src/cli, or if the HTML carries an inline script.
const NODE_BUILTIN = new RegExp(
  `^(node:.*|${builtinModules.map((m) => m.replace(/[/]/g, "\\/")).join("|")})$`,
);

/** Refuses Node built-ins in the page bundle, naming the importer. */
const noNodeBuiltins = {
  name: "flare-no-node-builtins",
  setup(b) {
    b.onResolve({ filter: NODE_BUILTIN }, (args) => ({
      errors: [
        {
          text: `the browser bundle must not import the Node built-in '${args.path}' (from ${args.importer})`,
        },
      ],
    }));
  },
};

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
    plugins: [noNodeBuiltins, pureDependencies],
  });
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
  await buildUi();
}
