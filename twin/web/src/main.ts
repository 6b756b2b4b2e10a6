// The owner's UI: contacts, circles and invitations on the left, the chat with the selected contact
// or circle on the right, files below, all live over the websocket.
import {
  ChatEntry, ChatState, Circle as WireCircle, Contact as WireContact, ContactState, FileAccess, FileEntry, TwinClient, TwinError,
  WsEvent, WsEvent_Which, WsRequest, WsResponse, connect,
} from "@planetary/twin";
import { governance } from "./gov";

type Contact = { twin: bigint; state: number; note: string; since: bigint; unread: number };
type FileItem = {
  sha: string; name: string; size: bigint; from: bigint; have: bigint; access: bigint[]; circles: string[];
  refusals: { twin: bigint; reason: string }[];
};
type Chat = { peer: bigint; seq: bigint; id: string; outgoing: boolean; text: string; sent: bigint; state: number; reason: string; circle: string };
type CircleItem = { name: string; members: bigint[]; chainId: bigint };

// The connection to the twin (the SDK's client), null while there is none.
let api: TwinClient | null = null;
const call = (fill: (q: WsRequest) => void, timeoutMs?: number): Promise<WsResponse> =>
  api ? api.request(fill, timeoutMs) : Promise.reject(new TwinError("not connected to your twin"));
const contacts = new Map<bigint, Contact>();
const chats = new Map<bigint, Map<string, Chat>>();
const files = new Map<string, FileItem>();
const circles = new Map<string, CircleItem>();
const downloading = new Set<string>();
const accessOpen = new Set<string>(); // shared files whose access list is shown
const exhausted = new Set<bigint>(); // peers whose oldest message is loaded
let selected: bigint | null = null; // the contact whose chat is open
let selectedCircle: string | null = null; // or the circle
let self = 0n;
let retry = 500;

// ---- DOM helpers ----

function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string | ((e: Event) => void)> = {},
  ...children: (Node | string | null)[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (typeof v === "function") el.addEventListener(k.replace(/^on/, ""), v);
    else el.setAttribute(k, v);
  }
  for (const c of children) if (c !== null) el.append(c);
  return el;
}

const $ = (id: string) => document.getElementById(id)!;

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

function time(ns: bigint): string {
  const d = new Date(Number(ns / 1000000n));
  const today = new Date();
  return d.toDateString() === today.toDateString()
    ? d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })
    : d.toLocaleString([], { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

let toastTimer = 0;
function toast(text: string, bad = false): void {
  const t = $("toast");
  t.textContent = text;
  t.className = bad ? "toast show bad" : "toast show";
  clearTimeout(toastTimer);
  toastTimer = window.setTimeout(() => (t.className = "toast"), 4000);
}

async function act(what: string, f: () => Promise<unknown>): Promise<void> {
  try {
    await f();
  } catch (e) {
    toast(`${what}: ${e instanceof Error ? e.message : String(e)}`, true);
  }
}

// ---- conversions ----

function toContact(c: WireContact): Contact {
  return { twin: c.twin, state: c.state, note: c.note, since: c.since, unread: c.unread };
}

function toChat(c: ChatEntry): Chat {
  return { peer: c.peer, seq: c.seq, id: hex(c.id.toUint8Array()), outgoing: c.outgoing, text: c.text, sent: c.sent,
    state: c.state, reason: c.reason, circle: c.circle };
}

function toFile(f: FileEntry): FileItem {
  const access: bigint[] = [], names: string[] = [];
  for (let i = 0; i < f.access.length; i++) access.push(f.access.get(i));
  for (let i = 0; i < f.circles.length; i++) names.push(f.circles.get(i));
  const refusals: FileItem["refusals"] = [];
  for (let i = 0; i < f.refusals.length; i++) refusals.push({ twin: f.refusals.get(i).twin, reason: f.refusals.get(i).reason });
  return { sha: hex(f.sha256.toUint8Array()), name: f.name, size: f.size, from: f.from, have: f.have, access, circles: names, refusals };
}

function toCircle(c: WireCircle): CircleItem {
  const members: bigint[] = [];
  for (let i = 0; i < c.members.length; i++) members.push(c.members.get(i));
  return { name: c.name, members, chainId: c.chainId };
}

function unhex(s: string): Uint8Array {
  return new Uint8Array(s.match(/../g)!.map((x) => parseInt(x, 16)));
}

function fillAccess(a: FileAccess, sha: string, twins: bigint[], names: string[]): void {
  a._initSha256(32).copyBuffer(unhex(sha));
  const tl = a._initTwins(twins.length);
  twins.forEach((t, i) => tl.set(i, t));
  const cl = a._initCircles(names.length);
  names.forEach((n, i) => cl.set(i, n));
}

function size(n: bigint): string {
  const v = Number(n);
  return v < 1024 ? `${v} B` : v < 1 << 20 ? `${(v / 1024).toFixed(1)} KiB` : `${(v / (1 << 20)).toFixed(1)} MiB`;
}

function renderFiles(): void {
  const box = $("files");
  const all = [...files.values()].sort((a, b) => a.name.localeCompare(b.name));
  box.replaceChildren();
  if (!all.length) return;
  box.append(h("h3", {}, "Files"));
  for (const f of all) {
    const done = f.have >= f.size;
    const mine = f.from === 0n;
    const refused = f.refusals.length ? ` · refused by ${f.refusals.map((r) => `twin ${r.twin}`).join(", ")}` : "";
    const what = mine ? `shared by you · ${audience(f)}${refused}` : `from twin ${f.from}`;
    const pct = f.size > 0n ? Number((f.have * 100n) / f.size) : 100;
    const actions: HTMLElement[] = [];
    if (mine) actions.push(h("button", { class: "ghost", "data-testid": `access-${f.name}`, title: "Who may download it",
      onclick: () => { if (accessOpen.has(f.sha)) accessOpen.delete(f.sha); else accessOpen.add(f.sha); renderFiles(); } }, "Access"));
    if (done) actions.push(h("a", { class: "ghost btn", href: `/files/${f.sha}`, download: f.name }, "Save"));
    else if (downloading.has(f.sha)) actions.push(h("span", { class: "muted" }, `${pct}%`));
    else actions.push(h("button", { class: "ok", "data-testid": `download-${f.name}`, onclick: () => download(f) }, f.have > 0n ? "Resume" : "Download"));
    box.append(h("div", { class: "row file", "data-testid": `file-${f.name}`, "data-done": done ? "yes" : "no" },
      h("div", { class: "avatar file-icon" }, "⇩"),
      h("div", { class: "who" }, h("b", {}, f.name), h("small", {}, `${size(f.size)} · ${what}`),
        done ? null : h("progress", { max: "100", value: String(pct) })),
      ...actions));
    if (mine && accessOpen.has(f.sha)) box.append(accessPanel(f));
  }
}

function audience(f: FileItem): string {
  const parts = [...f.access.map((t) => `twin ${t}`), ...f.circles.map((c) => `circle ${c}`)];
  return parts.length ? `with ${parts.join(", ")}` : "with nobody yet";
}

// accessPanel shows who may download a shared file: chips to revoke, a picker to allow more.
function accessPanel(f: FileItem): HTMLElement {
  const replace = (twins: bigint[], names: string[]) => act("Access", async () => {
    const r = await call((q) => fillAccess(q._initReplaceAccess(), f.sha, twins, names));
    const nf = toFile(r.file);
    files.set(nf.sha, nf);
    renderFiles();
  });
  const chips: HTMLElement[] = [];
  for (const t of f.access) {
    chips.push(h("span", { class: "chip", "data-testid": `access-twin-${t}` }, `Twin ${t}`,
      h("button", { class: "x", title: `Revoke twin ${t}`, "data-testid": `revoke-twin-${t}`,
        onclick: () => replace(f.access.filter((x) => x !== t), f.circles) }, "×")));
  }
  for (const c of f.circles) {
    chips.push(h("span", { class: "chip circle", "data-testid": `access-circle-${c}` }, `◎ ${c}`,
      h("button", { class: "x", title: `Revoke circle ${c}`, "data-testid": `revoke-circle-${c}`,
        onclick: () => replace(f.access, f.circles.filter((x) => x !== c)) }, "×")));
  }
  if (!chips.length) chips.push(h("span", { class: "muted" }, "Nobody may download it."));
  const pick = h("select", { "data-testid": `access-add-${f.name}` });
  pick.append(h("option", { value: "" }, "Allow…"));
  for (const c of [...contacts.values()].filter((c) => c.state === ContactState.CONTACT && !f.access.includes(c.twin))) {
    pick.append(h("option", { value: `twin:${c.twin}` }, `Twin ${c.twin}`));
  }
  for (const c of [...circles.keys()].filter((n) => !f.circles.includes(n)).sort()) {
    pick.append(h("option", { value: `circle:${c}` }, `Circle ${c}`));
  }
  const allow = () => {
    const v = pick.value;
    if (!v) return;
    const [kind, id] = [v.slice(0, v.indexOf(":")), v.slice(v.indexOf(":") + 1)];
    void act("Share", async () => {
      const r = await call((q) => fillAccess(q._initShareFile(), f.sha, kind === "twin" ? [BigInt(id)] : [], kind === "circle" ? [id] : []));
      const nf = toFile(r.file);
      files.set(nf.sha, nf);
      renderFiles();
      toast(`${f.name} offered to ${kind} ${id}`);
    });
  };
  return h("div", { class: "access", "data-testid": `access-panel-${f.name}` },
    h("div", { class: "chips" }, ...chips),
    ...f.refusals.map((r) => h("small", { class: "refusal", "data-testid": `refusal-${r.twin}` }, `Twin ${r.twin} refused it: ${r.reason}`)),
    h("div", { class: "access-add" }, pick, h("button", { class: "ghost", "data-testid": `allow-${f.name}`, onclick: allow }, "Allow")));
}

async function download(f: FileItem): Promise<void> {
  downloading.add(f.sha);
  renderFiles();
  const raw = unhex(f.sha);
  await act("Download", () => call((q) => { const d = q._initDownload(); d.twin = f.from; d._initSha256(32).copyBuffer(raw); }, 3600000));
  downloading.delete(f.sha);
  renderFiles();
}

// share uploads a file for a contact (to=) or a circle (circles=).
async function share(to: { twin?: bigint; circle?: string }, file: File): Promise<void> {
  const q = to.circle !== undefined ? `circles=${encodeURIComponent(to.circle)}` : `to=${to.twin}`;
  await act("Share", async () => {
    const r = await fetch(`/files?name=${encodeURIComponent(file.name)}&${q}`, { method: "POST", body: file, credentials: "same-origin" });
    if (!r.ok) throw new TwinError((await r.text()).trim() || r.statusText);
    toast(`Shared ${file.name} with ${to.circle !== undefined ? `circle ${to.circle}` : `twin ${to.twin}`}`);
  });
}

function putChat(c: Chat): void {
  let m = chats.get(c.peer);
  if (!m) chats.set(c.peer, (m = new Map()));
  m.set(c.id, c);
}

// ---- rendering ----

function renderContacts(): void {
  const byState = (s: number) => [...contacts.values()].filter((c) => c.state === s).sort((a, b) => (a.twin < b.twin ? -1 : 1));
  const list = $("contacts");
  list.replaceChildren();
  const invitedBy = byState(ContactState.INVITED_BY);
  if (invitedBy.length) {
    list.append(h("h3", {}, "Invitations"));
    for (const c of invitedBy) {
      list.append(h("div", { class: "row invite", "data-testid": `invitation-${c.twin}` },
        h("div", { class: "avatar" }, String(c.twin)),
        h("div", { class: "who" }, h("b", {}, `Twin ${c.twin}`), h("small", {}, c.note || "wants to connect")),
        h("button", { class: "ok", "data-testid": `accept-${c.twin}`, onclick: () => act("Accept", () => call((r) => (r.accept = c.twin))) }, "Accept"),
        h("button", { class: "ghost", onclick: () => act("Decline", () => call((r) => (r.decline = c.twin))) }, "Decline")));
    }
  }
  const mine = byState(ContactState.CONTACT);
  list.append(h("h3", {}, "Contacts"));
  if (!mine.length) list.append(h("p", { class: "empty" }, "No contacts yet. Invite a twin by its id above."));
  for (const c of mine) {
    const last = lastChat(c.twin);
    list.append(h("div", { class: "row contact" + (selected === c.twin ? " active" : ""), "data-testid": `contact-${c.twin}`,
      onclick: () => select(c.twin) },
      h("div", { class: "avatar" }, String(c.twin)),
      h("div", { class: "who" }, h("b", {}, `Twin ${c.twin}`), h("small", {}, last ? last.text : c.note || "")),
      c.unread ? h("span", { class: "badge", "data-testid": `unread-${c.twin}` }, String(c.unread)) : null));
  }
  list.append(h("h3", {}, "Circles"));
  const name = h("input", { placeholder: "New circle", "data-testid": "circle-name", maxlength: "64" });
  const create = () => {
    const n = name.value.trim();
    if (!n) return;
    void act("New circle", async () => {
      const c = toCircle((await call((q) => { q._initCreateCircle().name = n; })).circle);
      circles.set(c.name, c);
      selectCircle(c.name);
    });
  };
  name.addEventListener("keydown", (e) => { if (e.key === "Enter") create(); });
  list.append(h("div", { class: "new-circle" }, name, h("button", { class: "ghost", "data-testid": "create-circle", onclick: create }, "Create")));
  for (const c of [...circles.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    const last = lastCircleChat(c.name);
    list.append(h("div", { class: "row contact" + (selectedCircle === c.name ? " active" : ""), "data-testid": `circle-${c.name}`,
      onclick: () => selectCircle(c.name) },
      h("div", { class: "avatar circle" }, c.name.slice(0, 1).toUpperCase()),
      h("div", { class: "who" }, h("b", {}, c.name),
        h("small", {}, last ? last.text : `${c.members.length} member${c.members.length === 1 ? "" : "s"}`))));
  }
  const invited = byState(ContactState.INVITED);
  if (invited.length) {
    list.append(h("h3", {}, "Waiting for an answer"));
    for (const c of invited) {
      list.append(h("div", { class: "row", "data-testid": `invited-${c.twin}` },
        h("div", { class: "avatar dim" }, String(c.twin)),
        h("div", { class: "who" }, h("b", {}, `Twin ${c.twin}`), h("small", {}, "invited")),
        h("button", { class: "ghost", onclick: () => act("Cancel", () => call((r) => (r.remove = c.twin))) }, "Cancel")));
    }
  }
  const declined = byState(ContactState.DECLINED);
  if (declined.length) {
    list.append(h("h3", {}, "Declined"));
    for (const c of declined) {
      list.append(h("div", { class: "row", "data-testid": `declined-${c.twin}` },
        h("div", { class: "avatar dim" }, String(c.twin)),
        h("div", { class: "who" }, h("b", {}, `Twin ${c.twin}`), h("small", { title: c.note }, c.note || "declined")),
        h("button", { class: "ghost", onclick: () => act("Invite", () => call((q) => { const i = q._initInvite(); i.twin = c.twin; i.note = `Twin ${self} would like to connect`; })) }, "Ask again"),
        h("button", { class: "ghost", onclick: () => act("Dismiss", () => call((r) => (r.remove = c.twin))) }, "Dismiss")));
    }
  }
  const blocked = byState(ContactState.BLOCKED);
  if (blocked.length) {
    list.append(h("h3", {}, "Blocked"));
    for (const c of blocked) {
      list.append(h("div", { class: "row" },
        h("div", { class: "avatar dim" }, String(c.twin)),
        h("div", { class: "who" }, h("b", {}, `Twin ${c.twin}`)),
        h("button", { class: "ghost", onclick: () => act("Unblock", () => call((r) => (r.unblock = c.twin))) }, "Unblock")));
    }
  }
}

function sorted(peer: bigint): Chat[] {
  return [...(chats.get(peer)?.values() ?? [])].sort((a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0));
}

function lastChat(peer: bigint): Chat | undefined {
  const all = sorted(peer);
  return all[all.length - 1];
}

// A message to a circle is one chat message to each member, all with the same id.
type CircleMessage = { id: string; text: string; sent: bigint; copies: Chat[] };

function circleMessages(name: string): CircleMessage[] {
  const byID = new Map<string, CircleMessage>();
  for (const m of chats.values()) {
    for (const c of m.values()) {
      if (!c.outgoing || c.circle !== name) continue;
      let cm = byID.get(c.id);
      if (!cm) byID.set(c.id, (cm = { id: c.id, text: c.text, sent: c.sent, copies: [] }));
      cm.copies.push(c);
    }
  }
  return [...byID.values()].sort((a, b) => (a.sent < b.sent ? -1 : a.sent > b.sent ? 1 : 0));
}

function lastCircleChat(name: string): CircleMessage | undefined {
  const all = circleMessages(name);
  return all[all.length - 1];
}

function tick(c: Chat): HTMLElement {
  switch (c.state) {
    case ChatState.PENDING: return h("span", { class: "tick", title: "sending" }, "◷");
    case ChatState.SENT: return h("span", { class: "tick", title: "sent" }, "✓");
    case ChatState.DELIVERED: return h("span", { class: "tick", title: "delivered" }, "✓✓");
    case ChatState.READ: return h("span", { class: "tick read", title: "read" }, "✓✓");
    default: return h("span", { class: "tick bad", title: c.reason }, "!");
  }
}

const stateName: Record<number, string> = {
  [ChatState.PENDING]: "pending", [ChatState.SENT]: "sent", [ChatState.DELIVERED]: "delivered",
  [ChatState.READ]: "read", [ChatState.REFUSED]: "refused", [ChatState.FAILED]: "failed",
};

function renderChat(): void {
  if (gov.shown) return; // the governance or audit view holds the pane
  if (selectedCircle !== null) { renderCircle(selectedCircle); return; }
  const pane = $("chat");
  if (selected === null) {
    pane.replaceChildren(h("div", { class: "placeholder" }, h("h2", {}, "Your twin"),
      h("p", {}, "Pick a contact to chat, or invite a twin by its id.")));
    return;
  }
  const peer = selected;
  const list = h("div", { class: "messages", "data-testid": "messages" });
  if (!exhausted.has(peer) && (chats.get(peer)?.size ?? 0) > 0) {
    list.append(h("button", { class: "ghost older", onclick: () => loadHistory(peer, true) }, "Load older messages"));
  }
  for (const c of sorted(peer)) {
    list.append(h("div", { class: "bubble " + (c.outgoing ? "out" : "in"), "data-testid": "message", "data-state": stateName[c.state] ?? "" },
      c.circle ? h("div", { class: "via" }, c.outgoing ? `to your circle ${c.circle}` : `to their circle ${c.circle}`) : null,
      h("div", { class: "text" }, c.text),
      h("div", { class: "meta" }, time(c.sent), c.outgoing ? tick(c) : null),
      c.reason ? h("div", { class: "reason" }, c.reason) : null));
  }
  const input = h("textarea", { rows: "1", placeholder: `Message twin ${peer}`, "data-testid": "composer" });
  const send = async () => {
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    await act("Send", async () => {
      const r = await call((q) => { const s = q._initSendChat(); s.twin = peer; s.text = text; });
      putChat(toChat(r.chat));
      renderChat();
    });
  };
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); void send(); }
  });
  const rtt = h("span", { class: "rtt", "data-testid": "rtt" });
  const picker = h("input", { type: "file", hidden: "", "data-testid": "attach-input" });
  picker.addEventListener("change", () => {
    const f = picker.files?.[0];
    if (f) void share({ twin: peer }, f);
    picker.value = "";
  });
  pane.replaceChildren(
    h("header", {},
      h("div", { class: "avatar" }, String(peer)),
      h("div", { class: "who" }, h("b", {}, `Twin ${peer}`), rtt),
      h("button", { class: "ghost", "data-testid": "ping", onclick: () => ping(peer, rtt) }, "Ping"),
      h("button", { class: "ghost", onclick: () => act("Remove", () => call((r) => (r.remove = peer))) }, "Remove"),
      h("button", { class: "ghost danger", onclick: () => act("Block", () => call((r) => (r.block = peer))) }, "Block")),
    list,
    h("footer", {}, picker, h("button", { class: "ghost attach", title: "Share a file", "data-testid": "attach", onclick: () => picker.click() }, "+"),
      input, h("button", { class: "ok", "data-testid": "send", onclick: () => void send() }, "Send")));
  list.scrollTop = list.scrollHeight;
  input.focus();
}

// circleState sums up what became of a circle message at its members.
function circleState(m: CircleMessage): { label: string; state: string; bad: string[] } {
  const n = m.copies.length;
  const count = (pred: (c: Chat) => boolean) => m.copies.filter(pred).length;
  const read = count((c) => c.state === ChatState.READ);
  const reached = count((c) => c.state === ChatState.DELIVERED || c.state === ChatState.READ);
  const bad = m.copies.filter((c) => c.state === ChatState.REFUSED || c.state === ChatState.FAILED).map((c) => `twin ${c.peer}: ${c.reason}`);
  if (read === n) return { label: `read by all ${n}`, state: "read", bad };
  if (reached === n) return { label: read ? `read by ${read} of ${n}` : `delivered to all ${n}`, state: "delivered", bad };
  return { label: `delivered to ${reached} of ${n}`, state: bad.length ? "refused" : "sent", bad };
}

function renderCircle(name: string): void {
  const pane = $("chat");
  const c = circles.get(name);
  if (!c) { selectedCircle = null; renderChat(); return; }
  const list = h("div", { class: "messages", "data-testid": "circle-messages" });
  const msgs = circleMessages(name);
  if (!msgs.length) {
    list.append(h("p", { class: "hint" }, c.members.length
      ? `A message here goes to each of the ${c.members.length} members as a private message; their answers arrive in your chats with them.`
      : "Add members from your contacts above, then write to all of them at once."));
  }
  for (const m of msgs) {
    const st = circleState(m);
    list.append(h("div", { class: "bubble out", "data-testid": "circle-message", "data-state": st.state },
      h("div", { class: "text" }, m.text),
      h("div", { class: "meta" }, time(m.sent), h("span", { class: "tick" + (st.state === "read" ? " read" : "") }, st.label)),
      st.bad.length ? h("div", { class: "reason" }, st.bad.join("; ")) : null));
  }
  const chips = c.members.map((t) => h("span", { class: "chip", "data-testid": `member-${t}` }, `Twin ${t}`,
    h("button", { class: "x", title: `Take twin ${t} out`, "data-testid": `remove-member-${t}`,
      onclick: () => act("Remove member", async () => {
        const r = await call((q) => { const m = q._initRemoveMember(); m.circle = name; m.twin = t; });
        circles.set(name, toCircle(r.circle));
        renderCircle(name);
      }) }, "×")));
  const pick = h("select", { "data-testid": "member-select" });
  pick.append(h("option", { value: "" }, "Add a contact…"));
  for (const k of [...contacts.values()].filter((k) => k.state === ContactState.CONTACT && !c.members.includes(k.twin))) {
    pick.append(h("option", { value: String(k.twin) }, `Twin ${k.twin}`));
  }
  const add = () => {
    if (!pick.value) return;
    const t = BigInt(pick.value);
    void act("Add member", async () => {
      const r = await call((q) => { const m = q._initAddMember(); m.circle = name; m.twin = t; });
      circles.set(name, toCircle(r.circle));
      renderCircle(name);
      renderContacts();
    });
  };
  const input = h("textarea", { rows: "1", placeholder: `Message everyone in ${name}`, "data-testid": "circle-composer" });
  const send = async () => {
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    await act("Send", async () => {
      const r = await call((q) => { const cc = q._initCircleChat(); cc.circle = name; cc.text = text; });
      for (let i = 0; i < r.chats.length; i++) putChat(toChat(r.chats.get(i)));
      renderCircle(name);
      renderContacts();
    });
  };
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); void send(); }
  });
  const picker = h("input", { type: "file", hidden: "", "data-testid": "circle-attach-input" });
  picker.addEventListener("change", () => {
    const f = picker.files?.[0];
    if (f) void share({ circle: name }, f);
    picker.value = "";
  });
  pane.replaceChildren(
    h("header", {},
      h("div", { class: "avatar circle" }, name.slice(0, 1).toUpperCase()),
      h("div", { class: "who" }, h("b", {}, name),
        h("small", {}, `${c.members.length} member${c.members.length === 1 ? "" : "s"}${c.chainId ? ` · circle ${c.chainId} on the chain` : ""}`)),
      h("button", { class: "ghost danger", "data-testid": "delete-circle", onclick: () => {
        if (!confirm(`Delete the circle ${name}? Files shared with it are no longer shared with its members.`)) return;
        void act("Delete circle", async () => {
          await call((q) => (q.deleteCircle = name));
          circles.delete(name);
          selectedCircle = null;
          renderContacts();
          renderChat();
        });
      } }, "Delete")),
    h("div", { class: "members" }, ...chips, pick, h("button", { class: "ghost", "data-testid": "add-member", onclick: add }, "Add")),
    list,
    h("footer", {}, picker, h("button", { class: "ghost attach", title: "Share a file with the circle", "data-testid": "circle-attach", onclick: () => picker.click() }, "+"),
      input, h("button", { class: "ok", "data-testid": "circle-send", onclick: () => void send() }, "Send")));
  list.scrollTop = list.scrollHeight;
  input.focus();
}

function selectCircle(name: string): void {
  gov.hide();
  selected = null;
  selectedCircle = name;
  renderContacts();
  renderChat();
}

async function ping(peer: bigint, out: HTMLElement): Promise<void> {
  out.textContent = "pinging…";
  try {
    const r = await call((q) => (q.ping = peer));
    out.textContent = `${(Number(r.rtt) / 1e6).toFixed(1)} ms`;
  } catch (e) {
    out.textContent = e instanceof Error ? e.message : String(e);
  }
}

function select(peer: bigint): void {
  gov.hide();
  selected = peer;
  selectedCircle = null;
  renderContacts();
  renderChat();
  void loadHistory(peer, false).then(() => markRead(peer));
}

async function markRead(peer: bigint): Promise<void> {
  const c = contacts.get(peer);
  if (document.hidden || selected !== peer || !c || c.unread === 0) return;
  await act("Mark read", () => call((q) => (q.markRead = peer)));
}

async function loadHistory(peer: bigint, older: boolean): Promise<void> {
  const have = sorted(peer);
  const before = older && have.length ? have[0].seq : 0n;
  await act("History", async () => {
    const r = await call((q) => { const hq = q._initHistory(); hq.twin = peer; hq.before = before; hq.limit = 50; });
    const page = r.history;
    for (let i = 0; i < page.length; i++) putChat(toChat(page.get(i)));
    if (page.length < 50) exhausted.add(peer);
    if (selected === peer) renderChat();
  });
}

function onEvent(e: WsEvent): void {
  switch (e.which()) {
    case WsEvent_Which.CHAT: {
      const c = toChat(e.chat);
      putChat(c);
      if (selected === c.peer) {
        renderChat();
        if (!c.outgoing) void markRead(c.peer);
      } else if (selectedCircle !== null && c.outgoing && c.circle === selectedCircle) renderChat();
      renderContacts();
      break;
    }
    case WsEvent_Which.CIRCLE: {
      const c = toCircle(e.circle);
      circles.set(c.name, c);
      renderContacts();
      if (selectedCircle === c.name) renderChat();
      renderFiles();
      break;
    }
    case WsEvent_Which.CIRCLE_DELETED: {
      circles.delete(e.circleDeleted);
      if (selectedCircle === e.circleDeleted) { selectedCircle = null; renderChat(); }
      renderContacts();
      renderFiles();
      break;
    }
    case WsEvent_Which.CONTACT: {
      const c = toContact(e.contact);
      if (c.state === ContactState.DECLINED && contacts.get(c.twin)?.state !== ContactState.DECLINED) toast(c.note || `Twin ${c.twin} declined`, true);
      if (c.state === ContactState.NONE) {
        contacts.delete(c.twin);
        if (selected === c.twin) { selected = null; renderChat(); }
      } else contacts.set(c.twin, c);
      renderContacts();
      if (selected === c.twin) void markRead(c.twin);
      break;
    }
    case WsEvent_Which.FILE: {
      const f = toFile(e.file);
      const before = files.get(f.sha)?.refusals.length ?? 0;
      if (f.refusals.length > before) {
        const r = f.refusals[f.refusals.length - 1];
        toast(`Twin ${r.twin} refused ${f.name}: ${r.reason}`, true);
      }
      files.set(f.sha, f);
      renderFiles();
      break;
    }
  }
}

async function refreshStatus(): Promise<void> {
  const st = (await call((q) => (q.status = true))).status;
  self = st.twin;
  $("me").textContent = `Twin ${self}`;
  const dot = $("pnic");
  dot.className = st.pnicConnected ? "dot up" : "dot down";
  dot.title = st.pnicConnected ? `PNIC connected${st.address ? " · " + st.address : ""}` : "PNIC not reachable";
  $("pnic-text").textContent = st.pnicConnected ? (st.address || "PNIC connected") : "PNIC offline";
  $("version").textContent = st.version;
}

async function refresh(): Promise<void> {
  await refreshStatus();
  const list = (await call((q) => (q.contacts = true))).contacts;
  contacts.clear();
  for (let i = 0; i < list.length; i++) {
    const c = toContact(list.get(i));
    contacts.set(c.twin, c);
  }
  const cl = (await call((q) => (q.circles = true))).circles;
  circles.clear();
  for (let i = 0; i < cl.length; i++) { const c = toCircle(cl.get(i)); circles.set(c.name, c); }
  renderContacts();
  const fl = (await call((q) => (q.files = true))).files;
  files.clear();
  for (let i = 0; i < fl.length; i++) { const f = toFile(fl.get(i)); files.set(f.sha, f); }
  renderFiles();
  for (const c of contacts.values()) if (c.state === ContactState.CONTACT) void loadHistory(c.twin, false).then(renderContacts);
  renderChat();
}

function twinInput(): bigint | null {
  const v = ($("find-id") as HTMLInputElement).value.trim();
  if (!/^\d+$/.test(v) || v === "0") {
    toast("Enter a twin id (a number)", true);
    return null;
  }
  return BigInt(v);
}

async function showSessions(): Promise<void> {
  const box = $("sessions");
  if (!box.hidden) { box.hidden = true; return; }
  await act("Sessions", async () => {
    const l = (await call((q) => (q.sessions = true))).sessions;
    box.replaceChildren(h("h3", {}, "Logged-in browsers"));
    for (let i = 0; i < l.length; i++) {
      const s = l.get(i);
      const id = s.id;
      box.append(h("div", { class: "row" },
        h("div", { class: "who" }, h("b", {}, s.current ? "This browser" : s.userAgent.slice(0, 60) || id),
          h("small", {}, `since ${time(s.created)} · last seen ${time(s.lastSeen)}`)),
        h("button", { class: "ghost danger", onclick: () => act("Revoke", async () => {
          await call((q) => (q.revokeSession = id));
          if (s.current) showLogin();
          else { box.hidden = true; void showSessions(); }
        }) }, s.current ? "Log out" : "Revoke")));
    }
    box.hidden = false;
  });
}

function showLogin(): void {
  document.body.className = "logged-out";
}

function wire(): void {
  $("find").addEventListener("click", () => {
    const id = twinInput();
    if (id === null) return;
    void act("Find", async () => {
      const t = (await call((q) => (q.findTwin = id))).twin;
      $("found").replaceChildren(h("div", { class: "card", "data-testid": "found" },
        h("b", {}, `Twin ${t.id}`), h("small", {}, t.location ? `in ${t.location}` : "no location"),
        h("code", {}, `PNIC ${hex(t.pnic.toUint8Array()).slice(0, 16)}…`)));
    });
  });
  $("ping-id").addEventListener("click", () => {
    const id = twinInput();
    if (id !== null) void ping(id, $("found"));
  });
  $("invite").addEventListener("click", () => {
    const id = twinInput();
    if (id === null) return;
    void act("Invite", async () => {
      await call((q) => { const i = q._initInvite(); i.twin = id; i.note = `Twin ${self} would like to connect`; });
      toast(`Invitation sent to twin ${id}`);
    });
  });
  $("me-box").addEventListener("click", () => void showSessions());
  $("gov-open").addEventListener("click", () => { selected = null; selectedCircle = null; renderContacts(); void gov.showGov(); });
  $("audit-open").addEventListener("click", () => { selected = null; selectedCircle = null; renderContacts(); void gov.showAudit(); });
  document.addEventListener("visibilitychange", () => { if (selected !== null) void markRead(selected); });
}

async function start(): Promise<void> {
  const r = await fetch("/session", { credentials: "same-origin" });
  if (r.status === 401) { showLogin(); return; }
  document.body.className = "";
  const closed = (why: string) => {
    api = null;
    $("conn").hidden = false;
    $("conn").textContent = `Disconnected from your twin (${why}); reconnecting…`;
    setTimeout(() => void start(), retry);
    retry = Math.min(retry * 2, 10000);
  };
  let c: TwinClient;
  try {
    c = await connect({ url: location.origin });
  } catch (e) {
    closed(e instanceof TwinError ? "connection refused" : String(e));
    return;
  }
  api = c;
  c.subscribe(onEvent);
  void c.closed.then(closed);
  retry = 500;
  $("conn").hidden = true;
  refresh().catch((e) => toast(e instanceof TwinError ? e.message : String(e), true));
}

// The governance and audit views, beside the chats.
const gov = governance({ api: () => api, h, pane: () => $("chat"), act, toast });
setInterval(() => gov.tick(), 3000); // open votes move to their result

// The PNIC's state, polled: twind reconnects to a restarted pnicd by itself.
setInterval(() => { if (api?.open) refreshStatus().catch(() => {}); }, 5000);
wire();
void start().catch(() => setTimeout(() => void start(), 1000));
