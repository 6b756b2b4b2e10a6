// Browser end-to-end run, driven by cmd/twind's TestBrowserTwoOwners: two owners log in to their
// twins in two browser contexts of headless Chromium, become contacts, and chat, each seeing the
// other's messages arrive live; the first makes a circle with the second and writes to it, and
// changes a shared file's access list (revoked: the download is refused; allowed through the
// circle: it works). Screenshots go to $OUT. Any console error on the owners' pages (a script
// error, a resource that fails to load, a Content-Security-Policy violation) fails the run.
//
// Environment: CHROMIUM (executable), LINK_A and LINK_B (login links of twins A_ID and B_ID), OUT.
import { chromium } from "playwright-core";
import { join } from "node:path";

const { CHROMIUM, LINK_A, LINK_B, A_ID, B_ID, OUT } = process.env;
const step = (what) => console.log(`step: ${what}`);

// launch() gives every run a fresh temporary user-data dir.
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const consoleErrors = [];
try {
  const open = async (link, id) => {
    const ctx = await browser.newContext({ viewport: { width: 1100, height: 700 } });
    const page = await ctx.newPage();
    page.setDefaultTimeout(60000);
    page.on("pageerror", (e) => consoleErrors.push(`page error (twin ${id}): ${e.message}`));
    page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(`console error (twin ${id}): ${m.text()} ${m.location().url}`); });
    await page.goto(link);
    await page.locator("#me", { hasText: `Twin ${id}` }).waitFor();
    await page.locator("#pnic.up").waitFor();
    return { ctx, page };
  };
  const a = await open(LINK_A, A_ID);
  const b = await open(LINK_B, B_ID);
  step("both owners logged in");

  // A browser without the session sees only the login card.
  const stranger = await browser.newContext();
  const sp = await stranger.newPage();
  await sp.goto(new URL("/", LINK_A).href);
  await sp.locator("#login").waitFor({ state: "visible" });
  if (await sp.locator("#app").isVisible()) throw new Error("the app is visible without a session");
  await stranger.close();
  step("a browser without a session sees the login card");

  await a.page.getByTestId("find-id").fill(B_ID);
  await a.page.getByTestId("invite").click();
  await a.page.getByTestId(`invited-${B_ID}`).waitFor();
  await b.page.getByTestId(`accept-${A_ID}`).click();
  await a.page.getByTestId(`contact-${B_ID}`).waitFor();
  await b.page.getByTestId(`contact-${A_ID}`).waitFor();
  step("contacts");

  await a.page.getByTestId(`contact-${B_ID}`).click();
  await a.page.getByTestId("composer").fill("Hello from the first owner");
  await a.page.getByTestId("composer").press("Enter");
  await b.page.getByTestId(`unread-${A_ID}`).waitFor();
  await b.page.getByTestId(`contact-${A_ID}`).click();
  await b.page.getByTestId("message").filter({ hasText: "Hello from the first owner" }).waitFor();
  await a.page.locator('[data-testid=message][data-state=read]', { hasText: "Hello from the first owner" }).waitFor();
  step("first message arrived live and was read");

  await b.page.getByTestId("composer").fill("Hi! Answer from the second owner");
  await b.page.getByTestId("send").click();
  await a.page.getByTestId("message").filter({ hasText: "Answer from the second owner" }).waitFor();
  await b.page.locator('[data-testid=message][data-state=read]', { hasText: "Answer from the second owner" }).waitFor();
  step("answer arrived live and was read");

  // A shares a file from the chat; B downloads it, resumably, checked against its SHA-256.
  const content = Buffer.from("x".repeat(200000) + " end of the shared file");
  await a.page.getByTestId("attach-input").setInputFiles({ name: "report.txt", mimeType: "text/plain", buffer: content });
  await b.page.getByTestId("download-report.txt").click();
  await b.page.locator('[data-testid="file-report.txt"][data-done=yes]').waitFor();
  const got = await b.page.evaluate(async () => {
    const a = document.querySelector('[data-testid="file-report.txt"] a');
    return (await (await fetch(a.getAttribute("href"))).text()).length;
  });
  if (got !== content.length) throw new Error(`downloaded ${got} bytes, want ${content.length}`);
  step("file shared and downloaded");

  // A makes a circle with B and writes to it; B reads it in its chat with A, marked as a circle's.
  await a.page.getByTestId("circle-name").fill("friends");
  await a.page.getByTestId("create-circle").click();
  await a.page.getByTestId("circle-friends").waitFor();
  await a.page.getByTestId("member-select").selectOption(B_ID);
  await a.page.getByTestId("add-member").click();
  await a.page.getByTestId(`member-${B_ID}`).waitFor();
  await a.page.getByTestId("circle-composer").fill("Hello circle");
  await a.page.getByTestId("circle-composer").press("Enter");
  await b.page.getByTestId("message").filter({ hasText: "Hello circle" }).filter({ hasText: "to their circle friends" }).waitFor();
  await a.page.locator("[data-testid=circle-message][data-state=read]", { hasText: "Hello circle" }).waitFor();
  step("circle chat delivered and read");
  await a.page.screenshot({ path: join(OUT, "owner-a-circle.png") });

  // A shares plan.txt with B, then revokes B: B's download is refused. A allows the circle: B downloads.
  await a.page.getByTestId(`contact-${B_ID}`).click();
  await a.page.getByTestId("attach-input").setInputFiles({ name: "plan.txt", mimeType: "text/plain", buffer: Buffer.from("the plan") });
  await a.page.getByTestId("access-plan.txt").click();
  await a.page.getByTestId(`access-twin-${B_ID}`).waitFor();
  await a.page.getByTestId(`revoke-twin-${B_ID}`).click();
  await a.page.getByTestId(`access-twin-${B_ID}`).waitFor({ state: "detached" });
  await b.page.getByTestId("download-plan.txt").click();
  await b.page.locator(".toast.bad", { hasText: "may not download" }).waitFor();
  step("revoked: the download is refused");
  await a.page.getByTestId("access-add-plan.txt").selectOption("circle:friends");
  await a.page.getByTestId("allow-plan.txt").click();
  await a.page.getByTestId("access-circle-friends").waitFor();
  await b.page.getByTestId("download-plan.txt").click();
  await b.page.locator('[data-testid="file-plan.txt"][data-done=yes]').waitFor();
  step("allowed through the circle: downloaded");

  await a.page.getByTestId("ping").click();
  await a.page.getByTestId("rtt").filter({ hasText: " ms" }).waitFor();
  console.log(`ping from the browser: ${await a.page.getByTestId("rtt").textContent()}`);

  await a.page.screenshot({ path: join(OUT, "owner-a.png") });
  await b.page.screenshot({ path: join(OUT, "owner-b.png") });
  step("screenshots saved");
  if (consoleErrors.length) throw new Error(`the owners' pages logged errors:\n${consoleErrors.join("\n")}`);
  step("no console errors");
} finally {
  await browser.close();
}
