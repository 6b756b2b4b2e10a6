// Builds the UI into dist/: type-checks, bundles with esbuild (with the SDK, @planetary/twin from
// ../js, whose committed dist/ is built from the schema there), copies the static files and records the hash of the sources in
// dist/SOURCES, which a Go test compares against so a stale bundle cannot be committed.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync, statSync } from "node:fs";
import { join } from "node:path";
import * as esbuild from "esbuild";

const here = new URL(".", import.meta.url).pathname;
const schema = join(here, "../../rmb/schema");

execFileSync(join(here, "node_modules/.bin/tsc"), ["--noEmit", "-p", here], { stdio: "inherit" });
mkdirSync(join(here, "dist"), { recursive: true });
await esbuild.build({
  entryPoints: [join(here, "src/main.ts")], bundle: true, minify: true, format: "iife", target: "es2022",
  outfile: join(here, "dist/app.js"), legalComments: "none", logLevel: "warning",
});
for (const f of ["index.html", "style.css"]) copyFileSync(join(here, "src", f), join(here, "dist", f));
writeFileSync(join(here, "dist/SOURCES"), sourcesHash() + "\n");
console.log("build: dist/ written");

// sourcesHash must match the Go test's: sha256 over "path\0content\0" of every input, sorted by path.
function sourcesHash() {
  const files = [];
  const walk = (dir, rel) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name), r = rel ? `${rel}/${name}` : name;
      if (statSync(p).isDirectory()) walk(p, r); else files.push([r, p]);
    }
  };
  walk(join(here, "src"), "src");
  walk(join(here, "../js/src"), "sdk/src");
  files.push(["sdk/package.json", join(here, "../js/package.json")]);
  for (const f of ["build.mjs", "package.json", "package-lock.json", "tsconfig.json"]) files.push([f, join(here, f)]);
  files.push(["schema/twin.capnp", join(schema, "twin.capnp")]);
  files.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const h = createHash("sha256");
  for (const [r, p] of files) { h.update(r + "\0"); h.update(readFileSync(p)); h.update("\0"); }
  return h.digest("hex");
}
