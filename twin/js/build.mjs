// Builds dist/ (committed, so `npm install ./twin/js` needs no build): when capnp is installed it
// first regenerates src/gen/twin.ts, the TypeScript of rmb/schema/twin.capnp; then the types with
// tsc and two ES modules with esbuild, capnp-es (and for Node ws) bundled in: dist/index.js for Node
// 20, dist/browser.js for browsers. dist/SOURCES is the hash of the inputs, which twin/web's
// TestSDKIsFresh compares so a stale dist/ cannot be committed.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import * as esbuild from "esbuild";
import { join } from "node:path";

const here = new URL(".", import.meta.url).pathname;
const schema = join(here, "../../rmb/schema");

function which(cmd) {
  try { execFileSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }); return true; } catch { return false; }
}

const gen = join(here, "node_modules/.bin/capnp-es");
if (which("capnp") && which("go") && existsSync(gen) && existsSync(join(schema, "twin.capnp"))) {
  const std = execFileSync("go", ["list", "-m", "-f", "{{.Dir}}", "capnproto.org/go/capnp/v3"], { cwd: here }).toString().trim() + "/std";
  execFileSync(gen, [`-I${std}`, `--src-prefix=${schema}`, "-ots:src/gen", join(schema, "twin.capnp")], { cwd: here, stdio: "inherit" });
}
rmSync(join(here, "dist"), { recursive: true, force: true });
execFileSync(join(here, "node_modules/.bin/tsc"), ["-p", here, "--emitDeclarationOnly"], { stdio: "inherit" });
const common = { entryPoints: [join(here, "src/index.ts")], bundle: true, format: "esm", target: "es2022", legalComments: "none", logLevel: "warning" };
await esbuild.build({
  ...common, platform: "node", outfile: join(here, "dist/index.js"), external: ["bufferutil", "utf-8-validate"],
  // ws is CommonJS: give its require calls a real require.
  banner: { js: 'import { createRequire as __planetaryRequire } from "node:module"; const require = __planetaryRequire(import.meta.url);' },
});
// Browsers have WebSocket: ws becomes an empty module, so no bundler that takes browser.js looks for it.
const noWS = { name: "no-ws", setup(b) {
  b.onResolve({ filter: /^ws$/ }, () => ({ path: "ws", namespace: "no-ws" }));
  b.onLoad({ filter: /.*/, namespace: "no-ws" }, () => ({ contents: "export default undefined;" }));
} };
await esbuild.build({ ...common, platform: "browser", outfile: join(here, "dist/browser.js"), plugins: [noWS] });
writeFileSync(join(here, "dist/SOURCES"), sourcesHash() + "\n");

// sourcesHash must match twin/web's Go test: sha256 over "path\0content\0" of every input, sorted by path.
function sourcesHash() {
  const files = [];
  const walk = (dir, rel) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name), r = `${rel}/${name}`;
      if (statSync(p).isDirectory()) walk(p, r); else files.push([r, p]);
    }
  };
  walk(join(here, "src"), "src");
  for (const f of ["build.mjs", "package.json", "package-lock.json", "tsconfig.json"]) files.push([f, join(here, f)]);
  files.push(["schema/twin.capnp", join(schema, "twin.capnp")]);
  files.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const h = createHash("sha256");
  for (const [r, p] of files) { h.update(r + "\0"); h.update(readFileSync(p)); h.update("\0"); }
  return h.digest("hex");
}
