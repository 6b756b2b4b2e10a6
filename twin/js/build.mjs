// Builds dist/ with tsc, taking the schema's TypeScript from the web UI, which a Go test keeps in
// step with rmb/schema/twin.capnp.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";

const here = new URL(".", import.meta.url).pathname;
mkdirSync(join(here, "src/gen"), { recursive: true });
copyFileSync(join(here, "../web/src/gen/twin.ts"), join(here, "src/gen/twin.ts"));
execFileSync(join(here, "node_modules/.bin/tsc"), ["-p", here], { stdio: "inherit" });
