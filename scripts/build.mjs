// Bundles the CLI and the library into dist/ with esbuild: one file each, so a command
// starts by reading one file; heavy modules are initialized only when a command imports them.
import { chmodSync, readFileSync } from "node:fs";
import { build } from "esbuild";

const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

const common = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  legalComments: "none",
  sourcemap: false,
  define: { __FLARE_VERSION__: JSON.stringify(version) },
  // CommonJS dependencies call require(); give the ESM bundle a real one.
  banner: {
    js: 'import { createRequire as __flareCreateRequire } from "node:module"; const require = __flareCreateRequire(import.meta.url);',
  },
  logLevel: "warning",
};

await build({
  ...common,
  entryPoints: ["src/cli/bin.ts"],
  outfile: "dist/cli.js",
  banner: { js: `#!/usr/bin/env node\n${common.banner.js}` },
});
chmodSync("dist/cli.js", 0o755);

await build({ ...common, entryPoints: ["src/index.ts"], outfile: "dist/index.js" });
