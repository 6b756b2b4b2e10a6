// Browser end-to-end run, driven by cmd/twind's TestBrowserGovernance: the owner of a twin on the
// chain opens the Governance view, sees the twin's KYC attestation, makes a proposal, votes for
// it and watches it pass and be executed; then opens the Audit log and finds its security events
// newest first. Screenshots go to $OUT. Any console error on the page fails the run.
//
// Environment: CHROMIUM (executable), LINK (login link of twin ID), OUT.
import { chromium } from "playwright-core";
import { join } from "node:path";

const { CHROMIUM, LINK, ID, OUT } = process.env;
const step = (what) => console.log(`step: ${what}`);

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const consoleErrors = [];
try {
  const ctx = await browser.newContext({ viewport: { width: 1100, height: 700 } });
  const page = await ctx.newPage();
  page.setDefaultTimeout(60000);
  page.on("pageerror", (e) => consoleErrors.push(`page error: ${e.message}`));
  page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(`console error: ${m.text()} ${m.location().url}`); });
  await page.goto(LINK);
  await page.locator("#me", { hasText: `Twin ${ID}` }).waitFor();
  step("logged in");

  await page.getByTestId("gov-open").click();
  await page.locator('[data-testid="kyc-valid"][data-level="2"]').waitFor();
  step("KYC attestation shown");

  await page.getByTestId("gov-title").fill("Raise the storage price");
  await page.getByTestId("gov-param").fill("pin.price.storage");
  await page.getByTestId("gov-value").fill("4");
  await page.getByTestId("gov-propose").click();
  await page.locator('[data-testid="proposal-1"][data-status="open"]').waitFor();
  step("proposal made");

  await page.getByTestId("vote-yes-1").click();
  await page.locator('[data-testid="proposal-1"][data-myvote="1"]').waitFor();
  await page.getByTestId("tally-1").filter({ hasText: "1 yes" }).waitFor();
  step("voted");

  // The view refreshes itself; the chain decides at the end of the voting period.
  await page.locator('[data-testid="proposal-1"][data-status="executed"]').waitFor({ timeout: 90000 });
  step("proposal passed and executed");
  await page.screenshot({ path: join(OUT, "governance.png") });

  await page.getByTestId("audit-open").click();
  await page.locator('[data-testid="audit-entry"][data-kind="kyc_revoked"]').waitFor();
  const seqs = await page.locator('[data-testid="audit-entry"]').evaluateAll((els) => els.map((e) => Number(e.dataset.seq)));
  if (seqs.length < 3) throw new Error(`audit log shows ${seqs.length} events, want the 3 KYC events at least`);
  for (let i = 1; i < seqs.length; i++) {
    if (seqs[i] >= seqs[i - 1]) throw new Error(`audit log not newest first: ${seqs}`);
  }
  step(`audit log, newest first: ${seqs.join(" ")}`);
  await page.screenshot({ path: join(OUT, "audit.png") });
  if (consoleErrors.length) throw new Error(`the page logged errors:\n${consoleErrors.join("\n")}`);
  step("no console errors");
} finally {
  await browser.close();
}
