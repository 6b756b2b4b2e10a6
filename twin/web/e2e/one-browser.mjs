// Browser end-to-end run, driven by cmd/twind's TestBrowserOneBrowserTwoTwins: one browser context
// logs in to two twins on 127.0.0.1 (different ports, the same host to the browser's cookies), and
// both stay logged in: each twin names its session cookie after itself, so the second login does
// not overwrite the first's cookie.
//
// Environment: CHROMIUM (executable), LINK_A and LINK_B (login links of twins A_ID and B_ID).
import { chromium } from "playwright-core";

const { CHROMIUM, LINK_A, LINK_B, A_ID, B_ID } = process.env;
const step = (what) => console.log(`step: ${what}`);

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const ctx = await browser.newContext({ viewport: { width: 1100, height: 700 } });
  const loggedIn = async (page, id) => {
    await page.locator("#me", { hasText: `Twin ${id}` }).waitFor();
    if (await page.locator("#login").isVisible()) throw new Error(`twin ${id} shows the login card`);
  };
  const open = async (link, id) => {
    const page = await ctx.newPage();
    page.setDefaultTimeout(60000);
    page.on("pageerror", (e) => console.log(`page error (twin ${id}): ${e.message}`));
    await page.goto(link);
    await loggedIn(page, id);
    return page;
  };
  const a = await open(LINK_A, A_ID);
  step(`logged in to twin ${A_ID}`);
  const b = await open(LINK_B, B_ID);
  step(`logged in to twin ${B_ID} in the same browser context`);

  const names = (await ctx.cookies()).map((c) => c.name).sort();
  step(`cookies: ${names.join(", ")}`);
  for (const id of [A_ID, B_ID]) {
    if (!names.includes(`twin_session_${id}`)) throw new Error(`no cookie twin_session_${id}`);
  }

  // Reloads load the app again from scratch (GET /session, then the websocket) with the cookies
  // the browser holds now.
  await a.reload();
  await loggedIn(a, A_ID);
  step(`twin ${A_ID}'s page reloaded: still logged in`);
  await b.reload();
  await loggedIn(b, B_ID);
  step(`twin ${B_ID}'s page reloaded: still logged in`);

  // Each twin answers its own owner request over its websocket: the find box looks the other twin up.
  for (const [page, other] of [[a, B_ID], [b, A_ID]]) {
    await page.getByTestId("find-id").fill(other);
    await page.locator("#find").click();
    await page.getByTestId("found").filter({ hasText: `Twin ${other}` }).waitFor();
  }
  step("both twins answer requests");
  await ctx.close();
} finally {
  await browser.close();
}
