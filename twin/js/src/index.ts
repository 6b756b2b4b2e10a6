// Client for a Planetary twin's owner websocket. The twin speaks binary Cap'n Proto WsFrame
// messages (rmb/schema/twin.capnp): requests carry an id the response echoes, events have id 0.
import { Message } from "capnp-es";
import {
  AuditEntry, ChatEntry, Circle, Contact, FileAccess, FileEntry, KycAttestation, Proposal, WsEvent, WsEvent_Which, WsFrame, WsRequest, WsResponse, WsResponse_Which,
} from "./gen/twin.js";

export * from "./gen/twin.js";

/** An error the twin answered with, or a connection failure. */
export class TwinError extends Error {}

/** The smallest part of a WebSocket the client needs; browsers' and the `ws` package's both fit. */
interface Socket {
  binaryType: string;
  readyState: number;
  send(data: ArrayBuffer): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { reason?: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
}

/** Options of connect. */
export interface ConnectOptions {
  /** The twin's web address, e.g. http://127.0.0.1:9700. */
  url: string;
  /** The session cookie from login, as `twin_session_<id>=…` (Node); a browser sends its own cookie. */
  session?: string;
  /** How long a request may wait for its response (default 30 s). */
  timeoutMs?: number;
}

/**
 * Redeems a one-time login link (printed by twind or `twind login-link`) and returns the session
 * cookie (`twin_session_<twin id>=…`, named per twin) to pass to connect. For Node; in a browser,
 * open the link instead.
 */
export async function login(link: string): Promise<string> {
  const r = await fetch(link, { redirect: "manual" });
  if (r.status !== 200) throw new TwinError(`login: ${r.status} ${r.statusText}`);
  for (const c of r.headers.getSetCookie()) {
    const m = /^(twin_session_\d+=[^;]+)/.exec(c);
    if (m) return m[1];
  }
  throw new TwinError("login: the twin set no session cookie");
}

/** Opens the websocket of a twin. */
export async function connect(opts: ConnectOptions): Promise<TwinClient> {
  const base = new URL(opts.url);
  const wsURL = (base.protocol === "https:" ? "wss://" : "ws://") + base.host + "/ws";
  let sock: Socket;
  const g = globalThis as unknown as { WebSocket?: new (url: string) => Socket; window?: unknown };
  if (g.window !== undefined && g.WebSocket) {
    sock = new g.WebSocket(wsURL);
  } else {
    const { default: WS } = await import("ws");
    const headers: Record<string, string> = {};
    if (opts.session) headers.Cookie = opts.session;
    sock = new WS(wsURL, { headers, origin: base.origin }) as unknown as Socket;
  }
  sock.binaryType = "arraybuffer";
  await new Promise<void>((ok, fail) => {
    sock.onopen = () => ok();
    sock.onerror = (e) => fail(new TwinError(`connect ${wsURL}: ${(e as { message?: string }).message ?? "refused"}`));
  });
  return new TwinClient(sock, opts.timeoutMs ?? 30000, base.origin, opts.session);
}

/** A file's SHA-256: 64 hex digits or 32 bytes. */
export type SHA256 = string | Uint8Array;

/** Who may download a shared file: twins, and circles (their members when they ask). */
export interface Access {
  twins?: bigint[];
  circles?: string[];
}

function shaBytes(sha: SHA256): Uint8Array {
  if (typeof sha !== "string") return sha;
  if (!/^[0-9a-f]{64}$/i.test(sha)) throw new TwinError(`sha256 ${sha}: want 64 hex digits`);
  return new Uint8Array(sha.match(/../g)!.map((x) => parseInt(x, 16)));
}

/** The SHA-256 of a file entry in hex. */
export function shaHex(f: FileEntry): string {
  return Array.from(f.sha256.toUint8Array(), (x) => x.toString(16).padStart(2, "0")).join("");
}

function fillAccess(a: FileAccess, sha: SHA256, to: Access): void {
  a._initSha256(32).copyBuffer(shaBytes(sha));
  const twins = to.twins ?? [], circles = to.circles ?? [];
  const tl = a._initTwins(twins.length);
  twins.forEach((t, i) => tl.set(i, t));
  const cl = a._initCircles(circles.length);
  circles.forEach((c, i) => cl.set(i, c));
}

function list<T>(l: { length: number; get(i: number): T }): T[] {
  return Array.from({ length: l.length }, (_, i) => l.get(i));
}

type Pending = { ok: (r: WsResponse) => void; fail: (e: Error) => void };

/** A connection to a twin. */
export class TwinClient {
  private next = 1n;
  private pending = new Map<bigint, Pending>();
  private subscribers = new Set<(e: WsEvent) => void>();
  /** Resolves when the connection closes, with the reason. */
  readonly closed: Promise<string>;

  constructor(private sock: Socket, private timeoutMs: number, private origin = "", private session?: string) {
    let done: (why: string) => void = () => {};
    this.closed = new Promise((ok) => (done = ok));
    sock.onerror = () => {};
    sock.onclose = (ev) => {
      for (const p of this.pending.values()) p.fail(new TwinError("connection closed"));
      this.pending.clear();
      done(ev.reason || "closed");
    };
    sock.onmessage = (ev) => this.receive(ev.data);
  }

  private receive(data: unknown): void {
    let buf: ArrayBuffer;
    if (data instanceof ArrayBuffer) buf = data;
    else if (ArrayBuffer.isView(data)) buf = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
    else return;
    let f: WsFrame;
    try {
      f = new Message(buf, false).getRoot(WsFrame);
    } catch {
      this.sock.close(1003, "malformed frame");
      return;
    }
    if (f._isResponse) {
      const p = this.pending.get(f.id);
      if (!p) return;
      this.pending.delete(f.id);
      const r = f.response;
      if (r.which() === WsResponse_Which.ERROR) p.fail(new TwinError(r.error));
      else p.ok(r);
    } else if (f._isEvent) {
      for (const s of this.subscribers) s(f.event);
    }
  }

  /** Sends a request filled in by fill and resolves with its response; an error answer rejects. */
  request(fill: (r: WsRequest) => void, timeoutMs = this.timeoutMs): Promise<WsResponse> {
    if (this.sock.readyState !== 1) return Promise.reject(new TwinError("not connected"));
    const id = this.next++;
    const m = new Message();
    const f = m.initRoot(WsFrame);
    f.id = id;
    fill(f._initRequest());
    this.sock.send(m.toArrayBuffer());
    return new Promise((ok, fail) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        fail(new TwinError("the twin did not answer in time"));
      }, timeoutMs);
      this.pending.set(id, {
        ok: (r) => { clearTimeout(timer); ok(r); },
        fail: (e) => { clearTimeout(timer); fail(e); },
      });
    });
  }

  /** Calls handler with every event (new chat messages, receipts, contact changes); returns a function to stop. */
  subscribe(handler: (e: WsEvent) => void): () => void {
    this.subscribers.add(handler);
    return () => this.subscribers.delete(handler);
  }

  /** Resolves with the first event for which match returns a value. */
  waitFor<T>(match: (e: WsEvent) => T | undefined, timeoutMs = this.timeoutMs): Promise<T> {
    return new Promise((ok, fail) => {
      const timer = setTimeout(() => { stop(); fail(new TwinError("no such event in time")); }, timeoutMs);
      const stop = this.subscribe((e) => {
        const v = match(e);
        if (v !== undefined) { clearTimeout(timer); stop(); ok(v); }
      });
    });
  }

  /** Sends a chat message to a contact; its later states arrive as chat events. */
  async send(twin: bigint, text: string): Promise<ChatEntry> {
    const r = await this.request((q) => { const s = q._initSendChat(); s.twin = twin; s.text = text; });
    return r.chat;
  }

  /** Asks another twin to become a contact. */
  async invite(twin: bigint, note = ""): Promise<void> {
    await this.request((q) => { const i = q._initInvite(); i.twin = twin; i.note = note; });
  }

  /** Accepts an invitation. */
  async accept(twin: bigint): Promise<void> {
    await this.request((q) => (q.accept = twin));
  }

  /** Lists contacts and invitations. */
  async contacts(): Promise<Contact[]> {
    const l = (await this.request((q) => (q.contacts = true))).contacts;
    return Array.from({ length: l.length }, (_, i) => l.get(i));
  }

  /** Returns up to limit messages with twin older than seq before (0n: the newest), oldest first. */
  async history(twin: bigint, before = 0n, limit = 50): Promise<ChatEntry[]> {
    const l = (await this.request((q) => { const h = q._initHistory(); h.twin = twin; h.before = before; h.limit = limit; })).history;
    return Array.from({ length: l.length }, (_, i) => l.get(i));
  }

  /** Marks every message from twin read, sending the read receipts. */
  async markRead(twin: bigint): Promise<void> {
    await this.request((q) => (q.markRead = twin));
  }

  /** Measures the round trip to another twin, in milliseconds. */
  async ping(twin: bigint): Promise<number> {
    return Number((await this.request((q) => (q.ping = twin))).rtt) / 1e6;
  }

  /** Lists the owner's circles with their members. */
  async circles(): Promise<Circle[]> {
    return list((await this.request((q) => (q.circles = true))).circles);
  }

  /** Creates a circle (on the chain when twind runs with --chain) with its first members. */
  async createCircle(name: string, members: bigint[] = []): Promise<Circle> {
    return (await this.request((q) => {
      const c = q._initCreateCircle();
      c.name = name;
      const l = c._initMembers(members.length);
      members.forEach((m, i) => l.set(i, m));
    })).circle;
  }

  /** Deletes a circle; files shared with it are no longer shared with its members. */
  async deleteCircle(name: string): Promise<void> {
    await this.request((q) => (q.deleteCircle = name));
  }

  /** Puts a twin in a circle. */
  async addMember(circle: string, twin: bigint): Promise<Circle> {
    return (await this.request((q) => { const m = q._initAddMember(); m.circle = circle; m.twin = twin; })).circle;
  }

  /** Takes a twin out of a circle: it may no longer download what was shared with the circle. */
  async removeMember(circle: string, twin: bigint): Promise<Circle> {
    return (await this.request((q) => { const m = q._initRemoveMember(); m.circle = circle; m.twin = twin; })).circle;
  }

  /** Sends text to every member of a circle, one chat message each (all with one id). */
  async sendToCircle(circle: string, text: string): Promise<ChatEntry[]> {
    return list((await this.request((q) => { const c = q._initCircleChat(); c.circle = circle; c.text = text; })).chats);
  }

  /** Lists the chain's proposals from id `from` on, each with this twin's vote (needs twind --chain). */
  async proposals(from = 0n): Promise<Proposal[]> {
    return list((await this.request((q) => (q.proposals = from))).proposals);
  }

  /**
   * Proposes a change in this twin's name: action 1 sets parameter `param` to `value`, 2 pays
   * `value` from the treasury to `account`, 3 and 4 add or remove KYC provider `account` (3 with
   * label `param`), 5 revokes the attestation `account` made for twin `target`.
   */
  async propose(title: string, change: { action: number; param?: string; value?: bigint; account?: Uint8Array; target?: bigint }): Promise<Proposal> {
    return (await this.request((q) => {
      const d = q._initPropose();
      d.title = title;
      d.action = change.action;
      d.param = change.param ?? "";
      d.value = change.value ?? 0n;
      d.target = change.target ?? 0n;
      if (change.account?.length) {
        d._initAccount(change.account.length).copyBuffer(change.account);
      }
    })).proposal;
  }

  /** Casts this twin's one vote on a proposal (1 yes, 2 no, 3 abstain) and resolves with its tally. */
  async vote(proposal: bigint, choice: 1 | 2 | 3): Promise<Proposal> {
    return (await this.request((q) => { const v = q._initVote(); v.proposal = proposal; v.choice = choice; })).proposal;
  }

  /** Lists this twin's KYC attestations (valid, expired or revoked), as the chain proves them. */
  async kyc(): Promise<KycAttestation[]> {
    return list((await this.request((q) => (q.kyc = true))).kyc);
  }

  /** Reads this twin's audit log on the chain, newest first: up to limit events before sequence before (0n: the newest). */
  async audit(before = 0n, limit = 50): Promise<AuditEntry[]> {
    return list((await this.request((q) => { const a = q._initAudit(); a.before = before; a.limit = limit; })).audit);
  }

  /** Lists the files this twin shares or was offered. */
  async files(): Promise<FileEntry[]> {
    return list((await this.request((q) => (q.files = true))).files);
  }

  /**
   * Shares data as a file named name with twins and circles, who are offered it, and resolves with
   * its SHA-256 in hex. In a browser the page's own cookie and Origin go with it.
   */
  async upload(name: string, data: Uint8Array | ArrayBuffer | Blob, to: Access = {}): Promise<string> {
    const q = new URLSearchParams({ name });
    if (to.twins?.length) q.set("to", to.twins.join(","));
    if (to.circles?.length) q.set("circles", to.circles.join(","));
    const headers: Record<string, string> = {};
    if (this.session) { headers.Cookie = this.session; headers.Origin = this.origin; }
    const r = await fetch(`${this.origin}/files?${q}`, { method: "POST", body: data as BodyInit, headers, credentials: "same-origin" });
    const text = (await r.text()).trim();
    if (!r.ok) throw new TwinError(`upload ${name}: ${text || r.status}`);
    return text;
  }

  /** Returns a shared file's entry with its access list. */
  async accessList(sha: SHA256): Promise<FileEntry> {
    return (await this.request((q) => { q._initAccessList(32).copyBuffer(shaBytes(sha)); })).file;
  }

  /** Lets more twins and circles download a shared file, and offers it to them. */
  async shareFile(sha: SHA256, to: Access): Promise<FileEntry> {
    return (await this.request((q) => fillAccess(q._initShareFile(), sha, to))).file;
  }

  /** Replaces a shared file's access list: whoever is left out is refused from now on. */
  async replaceAccess(sha: SHA256, to: Access): Promise<FileEntry> {
    return (await this.request((q) => fillAccess(q._initReplaceAccess(), sha, to))).file;
  }

  /** Downloads (or resumes) a file twin from offered; progress arrives as file events. */
  async download(from: bigint, sha: SHA256, timeoutMs = 3600000): Promise<void> {
    await this.request((q) => { const d = q._initDownload(); d.twin = from; d._initSha256(32).copyBuffer(shaBytes(sha)); }, timeoutMs);
  }

  /** Whether the connection is open. */
  get open(): boolean {
    return this.sock.readyState === 1;
  }

  /** Closes the connection. */
  close(): void {
    this.sock.close(1000, "");
  }
}

/** The chat entry of an event, if it is one. */
export function chatEvent(e: WsEvent): ChatEntry | undefined {
  return e.which() === WsEvent_Which.CHAT ? e.chat : undefined;
}

/** The contact of an event, if it is one. */
export function contactEvent(e: WsEvent): Contact | undefined {
  return e.which() === WsEvent_Which.CONTACT ? e.contact : undefined;
}

/** The file entry of an event (offered, progressing, complete, access changed), if it is one. */
export function fileEvent(e: WsEvent): FileEntry | undefined {
  return e.which() === WsEvent_Which.FILE ? e.file : undefined;
}

/** The circle of an event (created or changed), if it is one. */
export function circleEvent(e: WsEvent): Circle | undefined {
  return e.which() === WsEvent_Which.CIRCLE ? e.circle : undefined;
}
