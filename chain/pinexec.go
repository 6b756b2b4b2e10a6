package chain

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/freeflowuniverse/planetary/chain/token"
)

// scan lists up to limit keys in [start, end) as this overlay sees them: the tree's keys without
// those the overlay deleted, merged with those it wrote, in ascending order.
func (o *overlay) scan(start, end []byte, limit int) ([][]byte, error) {
	it, err := o.tree.Iterator(start, end, true)
	if err != nil {
		return nil, refuse(CodeInternal, "iterate state: %w", err)
	}
	var keys [][]byte
	for ; it.Valid() && len(keys) < limit; it.Next() {
		if v, ok := o.vals[string(it.Key())]; ok && v == nil {
			continue
		}
		keys = append(keys, bytes.Clone(it.Key()))
	}
	it.Close()
	full := len(keys) == limit
	for _, k := range o.order {
		kb := []byte(k)
		if o.vals[k] == nil || bytes.Compare(kb, start) < 0 || (end != nil && bytes.Compare(kb, end) >= 0) {
			continue
		}
		if full && bytes.Compare(kb, keys[len(keys)-1]) > 0 {
			continue
		}
		keys = append(keys, kb)
	}
	slices.SortFunc(keys, bytes.Compare)
	keys = slices.CompactFunc(keys, bytes.Equal)
	if len(keys) > limit {
		keys = keys[:limit]
	}
	return keys, nil
}

func (o *overlay) scanPrefix(prefix []byte, limit int) ([][]byte, error) {
	return o.scan(prefix, prefixEnd(prefix), limit)
}

func (o *overlay) pinParams() (PinParams, error) {
	v, err := o.get(pinParamsKey)
	if err != nil {
		return PinParams{}, refuse(CodeInternal, "read pin params: %w", err)
	}
	if v == nil {
		return PinParams{}.WithDefaults(), nil
	}
	p, err := DecodePinParams(v)
	if err != nil {
		return p, refuse(CodeInternal, "%w", err)
	}
	return p.WithDefaults(), nil
}

func (o *overlay) pinNode(k [32]byte) (PinNode, bool, error) {
	v, err := o.get(PinNodeKey(k))
	if err != nil {
		return PinNode{}, false, refuse(CodeInternal, "read pin node: %w", err)
	}
	if v == nil {
		return PinNode{}, false, nil
	}
	n, err := DecodePinNode(v)
	if err != nil {
		return n, false, refuse(CodeInternal, "%w", err)
	}
	return n, true, nil
}

func (o *overlay) pinSet(cid string) (PinSet, bool, error) {
	v, err := o.get(PinSetKey(cid))
	if err != nil {
		return PinSet{}, false, refuse(CodeInternal, "read pin set: %w", err)
	}
	if v == nil {
		return PinSet{CID: cid}, false, nil
	}
	s, err := DecodePinSet(v)
	if err != nil {
		return s, false, refuse(CodeInternal, "%w", err)
	}
	return s, true, nil
}

func (o *overlay) pinRecord(owner uint64, cid string) (PinRecord, bool, error) {
	v, err := o.get(PinRecordKey(owner, cid))
	if err != nil {
		return PinRecord{}, false, refuse(CodeInternal, "read pin: %w", err)
	}
	if v == nil {
		return PinRecord{}, false, nil
	}
	r, err := DecodePinRecord(v)
	if err != nil {
		return r, false, refuse(CodeInternal, "%w", err)
	}
	return r, true, nil
}

func (o *overlay) pinAccount(owner uint64) (PinAccount, error) {
	v, err := o.get(PinAccountKey(owner))
	if err != nil {
		return PinAccount{}, refuse(CodeInternal, "read pin account: %w", err)
	}
	if v == nil {
		return PinAccount{Owner: owner, Settled: o.at.UnixNano()}, nil
	}
	a, err := DecodePinAccount(v)
	if err != nil {
		return a, refuse(CodeInternal, "%w", err)
	}
	return a, nil
}

func (o *overlay) pinPair(owner uint64, node [32]byte) (PinPair, error) {
	v, err := o.get(PinPairKey(owner, node))
	if err != nil {
		return PinPair{}, refuse(CodeInternal, "read pin pair: %w", err)
	}
	if v == nil {
		return PinPair{Owner: owner, Node: node}, nil
	}
	p, err := DecodePinPair(v)
	if err != nil {
		return p, refuse(CodeInternal, "%w", err)
	}
	return p, nil
}

// putPinPair stores the pair, or deletes it once it holds nothing and owes nothing.
func (o *overlay) putPinPair(p PinPair) {
	if p.Bytes == 0 && p.ServeRem == 0 {
		o.del(PinPairKey(p.Owner, p.Node))
		return
	}
	o.put(PinPairKey(p.Owner, p.Node), p.Encode())
}

func (o *overlay) putPinNode(n PinNode) { o.put(PinNodeKey(n.Key), n.Encode()) }

func hexKey(k [32]byte) string { return hex.EncodeToString(k[:]) }

// execPin applies one pinning-service message.
func execPin(o *overlay, chainID string, signer [32]byte, m Msg) error {
	p, err := o.pinParams()
	if err != nil {
		return err
	}
	switch m := m.(type) {
	case *RegisterPinNode:
		return registerPinNode(o, signer, m)
	case *PinHeartbeat:
		return pinHeartbeat(o, p, signer, m)
	case *AddPin:
		return addPin(o, p, chainID, signer, m)
	case *RemovePin:
		return removePin(o, p, chainID, signer, m)
	case *ConfirmPin:
		return confirmPin(o, p, signer, m)
	}
	return refuse(CodeDecode, "unknown message %T", m)
}

// seen records a heartbeat of n at the overlay's block time, reviving a dead node.
func seen(o *overlay, n *PinNode, known bool) {
	if known && !n.Dead {
		o.del(pinLiveKey(n.LastSeen, n.Key))
	}
	if n.Dead {
		o.del(pinDeadKey(n.Key)) // whatever was not moved yet stays with it
		o.event("pinnode_alive", "node", hexKey(n.Key))
		startRepair(o)
	}
	n.Dead = false
	n.LastSeen = o.at.UnixNano()
	o.put(pinLiveKey(n.LastSeen, n.Key), []byte{1})
}

func registerPinNode(o *overlay, signer [32]byte, m *RegisterPinNode) error {
	if err := validText("pin node name", m.Name, 1, 64); err != nil {
		return err
	}
	if err := validText("pin node api", m.API, 1, 256); err != nil {
		return err
	}
	if !strings.HasPrefix(m.API, "http://") && !strings.HasPrefix(m.API, "https://") {
		return refuse(CodeInvalid, "pin node api %q: want an http:// or https:// URL", m.API)
	}
	if m.Capacity == 0 {
		return refuse(CodeInvalid, "pin node capacity must be positive")
	}
	n, known, err := o.pinNode(signer)
	if err != nil {
		return err
	}
	if !known {
		keys, err := o.scanPrefix([]byte{prefixPinNode}, pinMaxNodes)
		if err != nil {
			return err
		}
		if len(keys) >= pinMaxNodes {
			return refuse(CodeConflict, "%d pinning nodes are registered already, the most there may be", pinMaxNodes)
		}
		n = PinNode{Key: signer}
	}
	n.PNIC, n.Name, n.API, n.Capacity, n.PriceStorage, n.PriceServed = m.PNIC, m.Name, m.API, m.Capacity, m.PriceStorage, m.PriceServed
	seen(o, &n, known)
	o.putPinNode(n)
	startRepair(o) // a new node, or more room: short sets may find holders now
	o.event("pinnode_registered", "node", hexKey(n.Key), "name", n.Name, "api", n.API)
	return nil
}

func pinHeartbeat(o *overlay, p PinParams, signer [32]byte, m *PinHeartbeat) error {
	n, known, err := o.pinNode(signer)
	if err != nil {
		return err
	}
	if !known {
		return refuse(CodePinNode, "%x is not a registered pinning node", signer[:8])
	}
	seen(o, &n, true)
	o.putPinNode(n)
	for _, s := range m.Served {
		if s.Bytes == 0 {
			continue
		}
		if err := chargeServed(o, p, n, s); err != nil {
			return err
		}
	}
	return nil
}

// validCID accepts 1 to 128 bytes of the multibase alphabets CIDs are written in.
func validCID(c string) error {
	if len(c) == 0 || len(c) > pinMaxCID {
		return refuse(CodeInvalid, "cid: want 1 to %d bytes, got %d", pinMaxCID, len(c))
	}
	for _, ch := range []byte(c) {
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '-' || ch == '_') {
			return refuse(CodeInvalid, "cid %q: unexpected character %q", c, ch)
		}
	}
	return nil
}

func validMeta(meta map[string]string) error {
	if len(meta) > pinMaxMetaKeys {
		return refuse(CodeInvalid, "meta: %d keys, at most %d", len(meta), pinMaxMetaKeys)
	}
	total := 0
	for k, v := range meta {
		if len(k) == 0 || len(k) > pinMaxMetaKey || !utf8.ValidString(k) {
			return refuse(CodeInvalid, "meta key: want 1 to %d bytes of UTF-8", pinMaxMetaKey)
		}
		if len(v) > pinMaxMetaValue || !utf8.ValidString(v) {
			return refuse(CodeInvalid, "meta %q: want at most %d bytes of UTF-8", k, pinMaxMetaValue)
		}
		total += len(k) + len(v)
	}
	if total > pinMaxMetaTotal {
		return refuse(CodeInvalid, "meta: %d bytes, at most %d", total, pinMaxMetaTotal)
	}
	return nil
}

// pinOwner checks a bearer token against its twin's key on the chain at the block's time.
func pinOwner(o *overlay, p PinParams, chainID, tok string) (Twin, error) {
	t, err := token.Parse(tok)
	if err != nil {
		return Twin{}, refuse(CodePinToken, "%w", err)
	}
	tw, err := o.twin(t.Twin)
	if err != nil {
		if codeOf(err) == CodeNotFound {
			return Twin{}, refuse(CodePinToken, "token of unknown twin %d", t.Twin)
		}
		return Twin{}, err
	}
	skew := time.Duration(p.TokenSkewSeconds) * time.Second
	if err := t.Verify(ed25519.PublicKey(tw.Key[:]), PinAudience(chainID), o.at, skew); err != nil {
		return Twin{}, refuse(CodePinToken, "%w", err)
	}
	return tw, nil
}

// pinSubmitter checks that signer is a registered pinning node.
func pinSubmitter(o *overlay, signer [32]byte) (PinNode, error) {
	n, known, err := o.pinNode(signer)
	if err != nil {
		return n, err
	}
	if !known {
		return n, refuse(CodePinNode, "%x is not a registered pinning node", signer[:8])
	}
	return n, nil
}

func addPin(o *overlay, p PinParams, chainID string, signer [32]byte, m *AddPin) error {
	if _, err := pinSubmitter(o, signer); err != nil {
		return err
	}
	if err := validCID(m.CID); err != nil {
		return err
	}
	if err := validText("pin name", m.Name, 0, pinMaxName); err != nil {
		return err
	}
	if err := validMeta(m.Meta); err != nil {
		return err
	}
	if m.Replicas > pinMaxReplicas {
		return refuse(CodeInvalid, "replicas %d: at most %d", m.Replicas, pinMaxReplicas)
	}
	tw, err := pinOwner(o, p, chainID, m.Token)
	if err != nil {
		return err
	}
	acct, err := settle(o, p, tw.ID)
	if err != nil {
		return err
	}
	want := m.Replicas
	if want == 0 {
		want = uint8(p.DefaultReplicas)
	}
	set, _, err := o.pinSet(m.CID)
	if err != nil {
		return err
	}
	rec, replace, err := o.pinRecord(tw.ID, m.CID)
	if err != nil {
		return err
	}
	if set.Owners == 0 {
		set.Size = m.Size
	}
	if replace {
		set.want(rec.Replicas, -1)
	} else {
		created := max(o.at.UnixNano()+int64(o.index), acct.LastCreated+1)
		rec = PinRecord{Owner: tw.ID, CID: m.CID, Created: created, RequestID: PinRequestID(tw.ID, m.CID, created)}
		acct.LastCreated = created
		acct.Pins++
		set.Owners++
		o.put(PinCreatedKey(tw.ID, created), []byte(m.CID))
		o.put(PinRequestKey(tw.ID, rec.RequestID), []byte(m.CID))
		// The owner pays for the copies already confirmed from now on.
		for _, h := range set.Holders {
			if h.State == PinHeld {
				if err := addHeld(o, tw.ID, h.Node, set.Size, &acct); err != nil {
					return err
				}
			}
		}
	}
	rec.Name, rec.Meta, rec.Size, rec.Replicas = m.Name, m.Meta, set.Size, want
	o.put(PinRecordKey(tw.ID, m.CID), rec.Encode())
	o.put(pinOwnerKey(m.CID, tw.ID), []byte{want})
	o.put(PinAccountKey(tw.ID), acct.Encode())
	set.want(want, 1)
	if err := rebalance(o, p, &set, &signer); err != nil {
		return err
	}
	if len(set.Holders) == 0 {
		return refuse(CodePinNoNodes, "no live pinning node has room for %d bytes", set.Size)
	}
	if err := prepaid(o, p, tw, set, replace); err != nil {
		return err
	}
	o.put(PinSetKey(set.CID), set.Encode())
	o.event("pin_added", "owner", u(tw.ID), "cid", m.CID, "request_id", rec.RequestID, "node", hexKey(signer))
	detail := m.CID
	if replace {
		detail += " (replaced)"
	}
	return o.audit(tw.ID, "pin_added", detail)
}

// owners lists the twins pinning cid.
func owners(o *overlay, cid string) ([]uint64, error) {
	prefix := pinOwnersPrefix(cid)
	keys, err := o.scanPrefix(prefix, 1<<30)
	if err != nil {
		return nil, err
	}
	out := make([]uint64, 0, len(keys))
	for _, k := range keys {
		out = append(out, be64of(k[len(prefix):]))
	}
	return out, nil
}

// addHeld starts billing owner for size bytes held by node; acct must be settled to now.
func addHeld(o *overlay, owner uint64, node [32]byte, size uint64, acct *PinAccount) error {
	pp, err := o.pinPair(owner, node)
	if err != nil {
		return err
	}
	pp.Bytes += size
	acct.StoredBytes += size
	o.putPinPair(pp)
	return nil
}

// subHeld stops billing owner for size bytes held by node; acct must be settled to now.
func subHeld(o *overlay, owner uint64, node [32]byte, size uint64, acct *PinAccount) error {
	pp, err := o.pinPair(owner, node)
	if err != nil {
		return err
	}
	pp.Bytes -= min(pp.Bytes, size)
	acct.StoredBytes -= min(acct.StoredBytes, size)
	o.putPinPair(pp)
	return nil
}

// heldChanged settles every owner of set and starts (add) or stops billing them for node's copy.
func heldChanged(o *overlay, p PinParams, set *PinSet, node [32]byte, add bool) error {
	list, err := owners(o, set.CID)
	if err != nil {
		return err
	}
	for _, ow := range list {
		acct, err := settle(o, p, ow)
		if err != nil {
			return err
		}
		if add {
			err = addHeld(o, ow, node, set.Size, &acct)
		} else {
			err = subHeld(o, ow, node, set.Size, &acct)
		}
		if err != nil {
			return err
		}
		o.put(PinAccountKey(ow), acct.Encode())
	}
	return nil
}

func allocEvent(o *overlay, set *PinSet, node [32]byte, hold bool, state string, from [][32]byte) {
	f := make([]string, len(from))
	for i, k := range from {
		f[i] = hexKey(k)
	}
	o.event("pin_allocated", "cid", set.CID, "node", hexKey(node), "hold", strconv.FormatBool(hold),
		"state", state, "size", u(set.Size), "from", strings.Join(f, ","))
}

// removeHolder takes holder i off set, stops its owners' billing for it and frees the node's room.
func removeHolder(o *overlay, p PinParams, set *PinSet, i int) error {
	h := set.Holders[i]
	if h.State == PinHeld {
		if err := heldChanged(o, p, set, h.Node, false); err != nil {
			return err
		}
	}
	set.Holders = slices.Delete(set.Holders, i, i+1)
	o.del(PinAllocKey(h.Node, set.CID))
	n, known, err := o.pinNode(h.Node)
	if err != nil {
		return err
	}
	if known {
		n.Used -= min(n.Used, set.Size)
		o.putPinNode(n)
	}
	allocEvent(o, set, h.Node, false, "released", nil)
	return nil
}

// rebalance brings set to its replicas, capped at the live nodes: surplus holders go (those not
// live first, then those not confirmed, the newest first), and missing ones are chosen from the live nodes with room,
// preferred first when it qualifies, then by rendezvous hash of the CID and the node key.
func rebalance(o *overlay, p PinParams, set *PinSet, preferred *[32]byte) error {
	if err := fill(o, p, set, preferred); err != nil {
		return err
	}
	if len(set.Holders) < int(set.Replicas) && set.Owners > 0 {
		o.put(pinShortKey(set.CID), []byte{1})
	} else {
		o.del(pinShortKey(set.CID))
	}
	return nil
}

// startRepair makes the blocks from this one retry every short set, a bounded number a block.
func startRepair(o *overlay) { o.put(pinRepairKey, []byte{prefixPinShort}) }

// repair retries up to pinRepairPerBlock short sets from the repair cursor, ending the repair
// when it has gone through them all.
func repair(o *overlay, p PinParams) error {
	from, err := o.get(pinRepairKey)
	if err != nil {
		return refuse(CodeInternal, "read repair cursor: %w", err)
	}
	if from == nil {
		return nil
	}
	keys, err := o.scan(from, prefixEnd([]byte{prefixPinShort}), pinRepairPerBlock)
	if err != nil {
		return err
	}
	for _, k := range keys {
		set, ok, err := o.pinSet(string(k[1:]))
		if err != nil {
			return err
		}
		if !ok {
			o.del(k)
			continue
		}
		if err := rebalance(o, p, &set, nil); err != nil {
			return err
		}
		o.put(PinSetKey(set.CID), set.Encode())
	}
	if len(keys) < pinRepairPerBlock {
		o.del(pinRepairKey)
	} else {
		o.put(pinRepairKey, append(bytes.Clone(keys[len(keys)-1]), 0))
	}
	return nil
}

// fill is rebalance without the short-set bookkeeping.
func fill(o *overlay, p PinParams, set *PinSet, preferred *[32]byte) error {
	keys, err := o.scanPrefix([]byte{prefixPinNode}, pinMaxNodes)
	if err != nil {
		return err
	}
	var live []PinNode
	for _, k := range keys {
		n, known, err := o.pinNode([32]byte(k[1:]))
		if err != nil {
			return err
		}
		if known && n.Live(o.at, p.Grace()) {
			live = append(live, n)
		}
	}
	target := min(int(set.Replicas), len(live))
	isLive := func(k [32]byte) bool {
		return slices.ContainsFunc(live, func(n PinNode) bool { return n.Key == k })
	}
	for len(set.Holders) > target {
		// Drop the holder worth least: one not live, else one not confirmed, else the newest.
		i, worst := len(set.Holders)-1, 0
		for j := len(set.Holders) - 1; j >= 0; j-- {
			w := 0
			switch h := set.Holders[j]; {
			case !isLive(h.Node):
				w = 2
			case h.State == PinAllocated:
				w = 1
			}
			if w > worst {
				i, worst = j, w
			}
		}
		if err := removeHolder(o, p, set, i); err != nil {
			return err
		}
	}
	if len(set.Holders) >= target {
		return nil
	}
	holds := func(k [32]byte) bool {
		return slices.ContainsFunc(set.Holders, func(h PinHolder) bool { return h.Node == k })
	}
	var cands []PinNode
	for _, n := range live {
		if !holds(n.Key) && n.Capacity >= n.Used && n.Capacity-n.Used >= set.Size {
			cands = append(cands, n)
		}
	}
	rank := func(n PinNode) []byte {
		if preferred != nil && n.Key == *preferred {
			return nil
		}
		h := sha256.Sum256(append([]byte(set.CID), n.Key[:]...))
		return h[:]
	}
	slices.SortFunc(cands, func(a, b PinNode) int { return bytes.Compare(rank(a), rank(b)) })
	for _, n := range cands {
		if len(set.Holders) >= target {
			break
		}
		from := sources(o, p, set)
		if preferred != nil && !holds(*preferred) && !slices.ContainsFunc(set.Holders, func(h PinHolder) bool { return h.State == PinHeld }) {
			// The submitting node imported the blocks but has no room to keep them: fetch from it first.
			from = append([][32]byte{*preferred}, from...)
		}
		set.Holders = append(set.Holders, PinHolder{Node: n.Key, State: PinAllocated})
		n.Used += set.Size
		o.putPinNode(n)
		o.put(PinAllocKey(n.Key, set.CID), []byte{PinAllocated})
		allocEvent(o, set, n.Key, true, "allocated", from)
	}
	return nil
}

// sources are the holders a new holder fetches from: the live confirmed ones, else every other.
func sources(o *overlay, p PinParams, set *PinSet) [][32]byte {
	var held, other [][32]byte
	for _, h := range set.Holders {
		n, known, err := o.pinNode(h.Node)
		if err != nil || !known || !n.Live(o.at, p.Grace()) {
			continue
		}
		if h.State == PinHeld {
			held = append(held, h.Node)
		} else {
			other = append(other, h.Node)
		}
	}
	if len(held) > 0 {
		return held
	}
	return other
}

func removePin(o *overlay, p PinParams, chainID string, signer [32]byte, m *RemovePin) error {
	if _, err := pinSubmitter(o, signer); err != nil {
		return err
	}
	if err := validCID(m.CID); err != nil {
		return err
	}
	tw, err := pinOwner(o, p, chainID, m.Token)
	if err != nil {
		return err
	}
	rec, ok, err := o.pinRecord(tw.ID, m.CID)
	if err != nil {
		return err
	}
	if !ok {
		return refuse(CodeNotFound, "twin %d does not pin %s", tw.ID, m.CID)
	}
	acct, err := settle(o, p, tw.ID)
	if err != nil {
		return err
	}
	return dropPin(o, p, tw, m.CID, rec, acct, "pin_removed")
}

// dropPin removes owner tw's pin rec of cid, releasing the set's holders when no owner is left,
// and records event (pin_removed, or pin_unpaid_removed past the unpaid grace period).
func dropPin(o *overlay, p PinParams, tw Twin, cid string, rec PinRecord, acct PinAccount, event string) error {
	set, _, err := o.pinSet(cid)
	if err != nil {
		return err
	}
	for _, h := range set.Holders {
		if h.State == PinHeld {
			if err := subHeld(o, tw.ID, h.Node, set.Size, &acct); err != nil {
				return err
			}
		}
	}
	acct.Pins -= min(acct.Pins, 1)
	o.put(PinAccountKey(tw.ID), acct.Encode())
	o.del(PinRecordKey(tw.ID, cid))
	o.del(PinCreatedKey(tw.ID, rec.Created))
	o.del(PinRequestKey(tw.ID, rec.RequestID))
	o.del(pinOwnerKey(cid, tw.ID))
	set.Owners -= min(set.Owners, 1)
	set.want(rec.Replicas, -1)
	if set.Owners == 0 {
		for len(set.Holders) > 0 {
			if err := removeHolder(o, p, &set, len(set.Holders)-1); err != nil {
				return err
			}
		}
		o.del(PinSetKey(cid))
		o.del(pinShortKey(cid))
	} else {
		if err := rebalance(o, p, &set, nil); err != nil {
			return err
		}
		o.put(PinSetKey(cid), set.Encode())
	}
	o.event(event, "owner", u(tw.ID), "cid", cid, "request_id", rec.RequestID)
	return o.audit(tw.ID, event, cid)
}

func confirmPin(o *overlay, p PinParams, signer [32]byte, m *ConfirmPin) error {
	if _, err := pinSubmitter(o, signer); err != nil {
		return err
	}
	set, ok, err := o.pinSet(m.CID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(set.Holders, func(h PinHolder) bool { return h.Node == signer })
	if !ok || i < 0 {
		return refuse(CodeNotFound, "%s is not allocated to node %x", m.CID, signer[:8])
	}
	if set.Holders[i].State == PinHeld {
		return nil
	}
	set.Holders[i].State = PinHeld
	o.put(PinAllocKey(signer, m.CID), []byte{PinHeld})
	if err := heldChanged(o, p, &set, signer, true); err != nil {
		return err
	}
	allocEvent(o, &set, signer, true, "held", nil)
	// A set left short by a node's death takes a new holder when one is live again.
	if err := rebalance(o, p, &set, nil); err != nil {
		return err
	}
	o.put(PinSetKey(m.CID), set.Encode())
	return nil
}

// pinEndBlock finds nodes past the grace period, moves a bounded number of their allocations to
// live nodes, retries a bounded number of short sets while a repair runs and settles a bounded
// number of accounts due, at the block's time.
func pinEndBlock(o *overlay) error {
	p, err := o.pinParams()
	if err != nil {
		return err
	}
	cutoff := o.at.UnixNano() - int64(p.Grace())
	if cutoff > 0 {
		dead, err := o.scan([]byte{prefixPinLive}, pinLiveKey(cutoff+1, [32]byte{}), pinDeadPerBlock)
		if err != nil {
			return err
		}
		for _, k := range dead {
			node := [32]byte(k[9:])
			o.del(k)
			n, known, err := o.pinNode(node)
			if err != nil {
				return err
			}
			if !known {
				continue
			}
			n.Dead = true
			o.putPinNode(n)
			o.put(pinDeadKey(node), []byte{1})
			o.event("pinnode_dead", "node", hexKey(node), "last_seen", strconv.FormatInt(n.LastSeen, 10))
		}
	}
	moves := 0
	deads, err := o.scanPrefix([]byte{prefixPinDead}, pinDeadPerBlock)
	if err != nil {
		return err
	}
	for _, dk := range deads {
		if moves >= pinMovesPerBlock {
			break
		}
		node := [32]byte(dk[1:])
		prefix := keyOf(prefixPinAlloc, node[:])
		allocs, err := o.scanPrefix(prefix, pinMovesPerBlock-moves)
		if err != nil {
			return err
		}
		if len(allocs) == 0 {
			o.del(dk)
			continue
		}
		for _, ak := range allocs {
			moves++
			cid := string(ak[len(prefix):])
			set, ok, err := o.pinSet(cid)
			if err != nil {
				return err
			}
			i := slices.IndexFunc(set.Holders, func(h PinHolder) bool { return h.Node == node })
			if !ok || i < 0 {
				o.del(ak) // an index entry without its holder: drop it
				continue
			}
			if err := removeHolder(o, p, &set, i); err != nil {
				return err
			}
			if err := rebalance(o, p, &set, nil); err != nil {
				return err
			}
			o.put(PinSetKey(cid), set.Encode())
		}
	}
	if err := repair(o, p); err != nil {
		return err
	}
	return settleSweep(o, p)
}
