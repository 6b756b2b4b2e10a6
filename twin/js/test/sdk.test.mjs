// Run by cmd/twind's TestJSClient against two real twind processes: TWIN_A, TWIN_B (web
// addresses), LINK_A, LINK_B, LINK_README (login links; the last one A's), A_ID, B_ID.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  connect, login, chatEvent, contactEvent, fileEvent, circleEvent, shaHex, ChatState, ContactState, TwinError,
} from "../dist/index.js";

const env = process.env;
const A = BigInt(env.A_ID), B = BigInt(env.B_ID);
// A login link works once: both tests use these sessions.
const sessionA = await login(env.LINK_A), sessionB = await login(env.LINK_B);
const hexID = (c) => Buffer.from(c.id.toUint8Array()).toString("hex");

test("two twins become contacts and chat through the SDK", async () => {
  await assert.rejects(connect({ url: env.TWIN_A, session: `twin_session_${env.A_ID}=forged` }), TwinError);
  const a = await connect({ url: env.TWIN_A, session: sessionA });
  const b = await connect({ url: env.TWIN_B, session: sessionB });
  try {
    const invited = b.waitFor((e) => { const c = contactEvent(e); return c && c.twin === A && c.state === ContactState.INVITED_BY ? c : undefined; });
    await a.invite(B, "from the SDK test");
    assert.equal((await invited).note, "from the SDK test");
    const accepted = a.waitFor((e) => { const c = contactEvent(e); return c && c.twin === B && c.state === ContactState.CONTACT ? c : undefined; });
    await b.accept(A);
    await accepted;

    // Both waiters are in place before the send: the receipt may come before send resolves.
    const got = b.waitFor((e) => { const c = chatEvent(e); return c && !c.outgoing && c.text === "hello from node" ? c.text : undefined; });
    const delivered = a.waitFor((e) => {
      const c = chatEvent(e);
      return c && c.outgoing && c.peer === B && c.text === "hello from node" && c.state === ChatState.DELIVERED ? hexID(c) : undefined;
    });
    const sent = await a.send(B, "hello from node");
    assert.equal(await got, "hello from node");
    assert.equal(await delivered, hexID(sent));
    const h = await b.history(A);
    assert.equal(h[h.length - 1].text, "hello from node");
    assert.ok((await a.ping(B)) > 0);
    await assert.rejects(a.request((q) => (q.findTwin = 424242n)), /not found/);
  } finally {
    a.close();
    b.close();
  }
});

test("a circle chat and a file's access list through the SDK", async () => {
  const a = await connect({ url: env.TWIN_A, session: sessionA });
  const b = await connect({ url: env.TWIN_B, session: sessionB });
  try {
    // A circle with B; a chat to it reaches B with the circle's name.
    const made = a.waitFor((e) => { const c = circleEvent(e); return c && c.name === "sdk friends" ? c : undefined; });
    const circle = await a.createCircle("sdk friends", [B]);
    assert.deepEqual(Array.from({ length: circle.members.length }, (_, i) => circle.members.get(i)), [B]);
    await made;
    assert.ok((await a.circles()).some((c) => c.name === "sdk friends"));
    const heard = b.waitFor((e) => { const c = chatEvent(e); return c && !c.outgoing && c.text === "hi circle" ? c.circle : undefined; });
    const copies = await a.sendToCircle("sdk friends", "hi circle");
    assert.equal(copies.length, 1);
    assert.equal(copies[0].peer, B);
    assert.equal(await heard, "sdk friends");

    // A file for B: offered, then B is taken off its access list and refused, then let in
    // through the circle and it downloads.
    const data = new TextEncoder().encode("shared from node, ".repeat(1000));
    const offered = b.waitFor((e) => { const f = fileEvent(e); return f && f.name === "node.txt" && f.from === A ? shaHex(f) : undefined; });
    const sha = await a.upload("node.txt", data, { twins: [B] });
    assert.equal(await offered, sha);
    let list = await a.accessList(sha);
    assert.deepEqual([list.access.length, list.access.get(0)], [1, B]);
    list = await a.replaceAccess(sha, {});
    assert.equal(list.access.length + list.circles.length, 0);
    await assert.rejects(b.download(A, sha), /may not download/);
    list = await a.shareFile(sha, { circles: ["sdk friends"] });
    assert.equal(list.circles.get(0), "sdk friends");
    const done = b.waitFor((e) => { const f = fileEvent(e); return f && shaHex(f) === sha && f.have === f.size ? true : undefined; });
    await b.download(A, sha);
    await done;
    const mine = (await b.files()).find((f) => shaHex(f) === sha);
    assert.equal(mine.have, BigInt(data.length));

    await a.deleteCircle("sdk friends");
    assert.ok(!(await a.circles()).some((c) => c.name === "sdk friends"));
    await assert.rejects(a.addMember("sdk friends", B), /no such circle/);
  } finally {
    a.close();
    b.close();
  }
});

// After the first test, which made A and B contacts.
test("the README example runs as written in a project that installed the SDK", () => {
  const here = new URL("..", import.meta.url).pathname;
  const example = /```js\n([\s\S]*?)```/.exec(readFileSync(join(here, "README.md"), "utf8"))[1];
  const dir = mkdtempSync(join(tmpdir(), "twin-sdk-"));
  try {
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "example", private: true, type: "module" }));
    execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", here], { cwd: dir, stdio: "pipe" });
    writeFileSync(join(dir, "example.js"), example);
    const out = execFileSync("node", ["example.js", env.LINK_README, String(B)], { cwd: dir, timeout: 60000 }).toString();
    assert.match(out, new RegExp(`^twin ${B} answers in [0-9.]+ ms\n"hello from Node" delivered at seq [0-9]+\n$`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
