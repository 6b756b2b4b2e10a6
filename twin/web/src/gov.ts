// The Governance view (the chain's proposals: list, create, vote, result, and the twin's KYC
// status) and the Audit log view (the twin's security events on the chain, newest first, paged).
// Both read the chain through the twin, which checks every answer's proof.
import { AuditEntry, KycAttestation, Proposal, TwinClient } from "@planetary/twin";

type Deps = {
  api: () => TwinClient | null;
  h: <K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Record<string, string | ((e: Event) => void)>,
    ...children: (Node | string | null)[]) => HTMLElementTagNameMap[K];
  pane: () => HTMLElement;
  act: (what: string, f: () => Promise<unknown>) => Promise<void>;
  toast: (text: string, bad?: boolean) => void;
};

const actions = ["", "set parameter", "spend from the treasury", "add KYC provider", "remove KYC provider", "revoke KYC"];
const choices = ["", "yes", "no", "abstain"];

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

function when(unix: bigint): string {
  return new Date(Number(unix) * 1000).toLocaleString();
}

/** Governance and audit views; `shown` says which one the main pane holds. */
export function governance(d: Deps) {
  const { h } = d;
  let shown: "gov" | "audit" | null = null;
  let auditBefore: bigint[] = []; // pages read so far: the `before` of each

  const client = (): TwinClient => {
    const c = d.api();
    if (!c) throw new Error("not connected to your twin");
    return c;
  };

  function change(p: Proposal): string {
    const what = actions[p.action] ?? `action ${p.action}`;
    switch (p.action) {
      case 1: return `${what} ${p.param} = ${p.value}`;
      case 2: return `${what}: ${p.value} to ${hex(p.account.toUint8Array()).slice(0, 12)}…`;
      case 3: case 4: return `${what} ${hex(p.account.toUint8Array()).slice(0, 12)}…${p.param ? " (" + p.param + ")" : ""}`;
      case 5: return `${what} of twin ${p.target}`;
    }
    return what;
  }

  function proposalRow(p: Proposal): HTMLElement {
    const id = p.id;
    const vote = (c: 1 | 2 | 3) => d.act("Vote", async () => { await client().vote(id, c); await renderGov(); });
    const open = p.status === "open";
    return h("div", { class: "card proposal", "data-testid": `proposal-${id}`, "data-status": p.status, "data-myvote": String(p.myVote) },
      h("b", {}, `#${id} ${p.title}`),
      h("small", { class: "muted" }, `${change(p)} · by twin ${p.twin} · ${open ? "voting until" : "decided at"} height ${p.end}`),
      h("div", { "data-testid": `tally-${id}` },
        `${p.yes} yes · ${p.no} no · ${p.abstain} abstain (quorum ${p.quorum}, more than ${Number(p.threshold) / 10}% yes)`),
      h("div", { class: "status" }, h("span", { class: `chip status-${p.status}` }, p.status),
        p.result ? h("small", { class: "muted" }, " " + p.result) : null,
        p.myVote ? h("small", {}, ` · you voted ${choices[p.myVote]}`) : null),
      open && !p.myVote ? h("div", { class: "votes" },
        h("button", { class: "ok", "data-testid": `vote-yes-${id}`, onclick: () => vote(1) }, "Yes"),
        h("button", { class: "ghost", "data-testid": `vote-no-${id}`, onclick: () => vote(2) }, "No"),
        h("button", { class: "ghost", "data-testid": `vote-abstain-${id}`, onclick: () => vote(3) }, "Abstain")) : null);
  }

  function kycRow(k: KycAttestation): HTMLElement {
    return h("div", { class: "row", "data-testid": `kyc-${k.status}`, "data-level": String(k.level) },
      h("span", { class: `chip status-${k.status}` }, k.status),
      h("div", { class: "who" }, h("b", {}, `Level ${k.level}`),
        h("small", {}, `by ${hex(k.provider.toUint8Array()).slice(0, 12)}… · until ${when(k.expires)}${k.note ? " · " + k.note : ""}`)));
  }

  async function renderGov(): Promise<void> {
    const [props, kyc] = await Promise.all([client().proposals(), client().kyc()]);
    if (shown !== "gov") return;
    const title = h("input", { placeholder: "Title", "data-testid": "gov-title" });
    const param = h("input", { placeholder: "Parameter, e.g. pin.price.storage", "data-testid": "gov-param" });
    const value = h("input", { placeholder: "Value", inputmode: "numeric", "data-testid": "gov-value" });
    const form = h("form", { class: "gov-form", onsubmit: (e) => {
      e.preventDefault();
      const v = value.value.trim();
      if (!title.value.trim() || !param.value.trim() || !/^\d+$/.test(v)) { d.toast("A title, a parameter and a number", true); return; }
      void d.act("Propose", async () => {
        const p = await client().propose(title.value.trim(), { action: 1, param: param.value.trim(), value: BigInt(v) });
        d.toast(`Proposal ${p.id} made; voting until height ${p.end}`);
        await renderGov();
      });
    } }, title, param, value, h("button", { class: "ok", type: "submit", "data-testid": "gov-propose" }, "Propose"));
    const list = h("div", { class: "messages", "data-testid": "proposals" });
    const ps: Proposal[] = [];
    for (let i = props.length - 1; i >= 0; i--) ps.push(props[i]); // newest first
    if (!ps.length) list.append(h("p", { class: "hint" }, "No proposals yet."));
    for (const p of ps) list.append(proposalRow(p));
    const kycBox = h("div", { class: "members", "data-testid": "kyc" }, h("b", {}, "KYC"));
    if (!kyc.length) kycBox.append(h("small", { class: "muted", "data-testid": "kyc-none" }, "no attestation"));
    for (const k of kyc) kycBox.append(kycRow(k));
    d.pane().replaceChildren(h("header", {}, h("b", {}, "Governance"),
      h("button", { class: "ghost", "data-testid": "gov-refresh", onclick: () => d.act("Governance", renderGov) }, "Refresh")),
      kycBox, h("div", { class: "members" }, form), list);
  }

  async function renderAudit(page: number): Promise<void> {
    const before = auditBefore[page] ?? 0n;
    const evs = await client().audit(before, 20);
    if (shown !== "audit") return;
    const list = h("div", { class: "messages", "data-testid": "audit" });
    if (!evs.length) list.append(h("p", { class: "hint" }, "No events."));
    for (const e of evs) {
      list.append(h("div", { class: "row", "data-testid": "audit-entry", "data-kind": e.kind, "data-seq": String(e.seq) },
        h("span", { class: "chip" }, e.kind),
        h("div", { class: "who" }, h("small", {}, `#${e.seq} · height ${e.height}`), h("small", {}, e.detail))));
    }
    const last: AuditEntry | undefined = evs[evs.length - 1];
    const nav = h("div", { class: "members" },
      page > 0 ? h("button", { class: "ghost", "data-testid": "audit-newer", onclick: () => d.act("Audit log", () => renderAudit(page - 1)) }, "Newer") : null,
      last && last.seq > 1n && evs.length === 20 ? h("button", { class: "ghost", "data-testid": "audit-older",
        onclick: () => { auditBefore[page + 1] = last.seq; void d.act("Audit log", () => renderAudit(page + 1)); } }, "Older") : null);
    d.pane().replaceChildren(h("header", {}, h("b", {}, "Audit log"), h("small", { class: "muted" }, "security events on the chain, newest first"),
      h("button", { class: "ghost", "data-testid": "audit-refresh", onclick: () => d.act("Audit log", () => renderAudit(page)) }, "Refresh")),
      nav, list);
  }

  return {
    /** Whether one of these views holds the main pane. */
    get shown() { return shown; },
    /** Leaves the views (another pane was chosen). */
    hide() { shown = null; },
    showGov: () => { shown = "gov"; return d.act("Governance", renderGov); },
    showAudit: () => { shown = "audit"; auditBefore = [0n]; return d.act("Audit log", () => renderAudit(0)); },
    /** Refreshes the governance view while it is shown, so open votes move to their result. */
    tick: () => { if (shown === "gov" && d.api()?.open) renderGov().catch(() => {}); },
  };
}
