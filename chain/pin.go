package chain

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"
)

// Transaction kinds of the pinning service (80–99 are reserved for pins and billing).
const (
	KindRegisterPinNode Kind = 80
	KindPinHeartbeat    Kind = 81
	KindAddPin          Kind = 82
	KindRemovePin       Kind = 83
	KindConfirmPin      Kind = 84
)

// Result codes of the pinning service (20–29).
const (
	CodePinFunds   uint32 = 20 // the owner's balance cannot pay the pin for the minimum prepaid period
	CodePinToken   uint32 = 21 // the owner's bearer token is malformed, forged, expired or for another audience
	CodePinNode    uint32 = 22 // the signer is not a registered pinning node
	CodePinNoNodes uint32 = 23 // no live pinning node can take the pin
)

// Key prefixes of the pinning service (0x50–0x6F); see the package documentation.
const (
	prefixPinNode     = 0x50 // | node(32) → PinNode
	prefixPinSet      = 0x51 // | cid → PinSet (one allocation set per CID)
	prefixPinRecord   = 0x52 // | owner(8) | cid → PinRecord
	prefixPinCreated  = 0x53 // | owner(8) | created ns(8) → cid
	prefixPinAlloc    = 0x54 // | node(32) | cid → holder state(1)
	prefixPinOwners   = 0x55 // | u16 len | cid | owner(8) → replicas(1)
	prefixPinLive     = 0x56 // | last heartbeat ns(8) | node(32) → 1 (nodes not yet found dead)
	prefixPinDead     = 0x57 // | node(32) → 1 (dead nodes whose allocations are still being moved)
	prefixPinShort    = 0x58 // | cid → 1 (sets with fewer holders than replicas)
	prefixPinRequest  = 0x59 // | owner(8) | request id → cid
	prefixPinAccount  = 0x60 // | owner(8) → PinAccount
	prefixPinPair     = 0x61 // | owner(8) | node(32) → PinPair (what a node holds and earns of an owner)
	prefixPinMeta     = 0x6F // | name → value (params, settlement cursor)
	pinMaxCID         = 128
	pinMaxName        = 255
	pinMaxMetaKeys    = 16
	pinMaxMetaKey     = 64
	pinMaxMetaValue   = 256
	pinMaxMetaTotal   = 2048
	pinMaxServed      = 1000
	pinMaxReplicas    = 16
	pinDeadPerBlock   = 8   // nodes found dead per block at most
	pinMovesPerBlock  = 64  // allocations moved off dead nodes per block at most
	pinSettlePerBlock = 16  // accounts settled by the periodic sweep per block at most
	pinRepairPerBlock = 16  // short sets retried per block at most, after a node joins or returns
	pinMaxNodes       = 256 // registered pinning nodes at most (allocation scans them all)
)

var (
	pinParamsKey     = []byte{prefixPinMeta, 'p'}
	pinSettleNextKey = []byte{prefixPinMeta, 's'}
	pinRepairKey     = []byte{prefixPinMeta, 'r'} // → the next short-set key to retry, while a repair runs
)

// PinParams are the pinning service's genesis parameters; zero fields take the defaults.
type PinParams struct {
	// GraceSeconds is how long after its last heartbeat (in block time) a node counts as dead
	// and its allocations move (default 30).
	GraceSeconds uint64 `json:"grace_s,omitempty"`
	// DefaultReplicas is how many nodes keep a pin that asks for 0 (default 2).
	DefaultReplicas uint64 `json:"default_replicas,omitempty"`
	// MinPrepaidSeconds is how long the owner's balance must be able to pay all its pins,
	// the new one included, for a pin to be accepted (default 86400, one day).
	MinPrepaidSeconds uint64 `json:"min_prepaid_s,omitempty"`
	// SettleSeconds is how often, at least, every account's storage is charged even when
	// nothing touches it (default 60).
	SettleSeconds uint64 `json:"settle_s,omitempty"`
	// TokenSkewSeconds is how far before a token's issue time the block time may lie (default 120).
	TokenSkewSeconds uint64 `json:"token_skew_s,omitempty"`
	// UnpaidGraceSeconds is how long an owner's pins stay stored after a settlement first
	// found its balance short; past it they are removed, a few per block (default 604800, a week).
	UnpaidGraceSeconds uint64 `json:"unpaid_grace_s,omitempty"`
}

// defaultUnpaidGrace is UnpaidGraceSeconds when unset; params holding it encode as before the field.
const defaultUnpaidGrace = 7 * 24 * 3600

// WithDefaults fills zero fields with the defaults.
func (p PinParams) WithDefaults() PinParams {
	def := func(v *uint64, d uint64) {
		if *v == 0 {
			*v = d
		}
	}
	def(&p.GraceSeconds, 30)
	def(&p.DefaultReplicas, 2)
	def(&p.MinPrepaidSeconds, 86400)
	def(&p.SettleSeconds, 60)
	def(&p.TokenSkewSeconds, 120)
	def(&p.UnpaidGraceSeconds, defaultUnpaidGrace)
	p.DefaultReplicas = min(p.DefaultReplicas, pinMaxReplicas)
	return p
}

// Grace is GraceSeconds as a duration.
func (p PinParams) Grace() time.Duration { return time.Duration(p.GraceSeconds) * time.Second }

// Encode returns the stored form of the params.
func (p PinParams) Encode() []byte {
	e := enc{}
	e.u64(p.GraceSeconds)
	e.u64(p.DefaultReplicas)
	e.u64(p.MinPrepaidSeconds)
	e.u64(p.SettleSeconds)
	e.u64(p.TokenSkewSeconds)
	if p.UnpaidGraceSeconds != 0 && p.UnpaidGraceSeconds != defaultUnpaidGrace {
		e.u64(p.UnpaidGraceSeconds)
	}
	return e.b
}

// DecodePinParams parses stored params.
func DecodePinParams(b []byte) (p PinParams, err error) {
	d := dec{b: b}
	p.GraceSeconds, p.DefaultReplicas, p.MinPrepaidSeconds, p.SettleSeconds, p.TokenSkewSeconds = d.u64(), d.u64(), d.u64(), d.u64(), d.u64()
	if d.err == nil && len(d.b) > 0 {
		p.UnpaidGraceSeconds = d.u64()
	}
	return p, d.end("pin params")
}

// PinAudience is the audience a bearer token must name for the chain of chainID to accept it.
func PinAudience(chainID string) string { return "pin:" + chainID }

// RegisterPinNode registers the signer as a pinning node, or updates its record.
type RegisterPinNode struct {
	PNIC         [32]byte
	Name         string // topology/host name
	API          string // base URL of its HTTP API
	Capacity     uint64 // bytes offered
	PriceStorage uint64 // balance units per GiB-month stored
	PriceServed  uint64 // balance units per GiB served
}

// Served is the bytes a node served for one owner since its last heartbeat.
type Served struct {
	Owner uint64
	Bytes uint64
}

// PinHeartbeat proves the signing node alive and reports what it served, by owner in ascending
// twin order, since its last heartbeat.
type PinHeartbeat struct {
	Served []Served
}

// AddPin records the token owner's pin of CID, submitted by the registered node that received it.
type AddPin struct {
	Token    string // the owner's bearer token (chain/token) for PinAudience
	CID      string
	Size     uint64
	Replicas uint8 // 0: the default
	Name     string
	Meta     map[string]string
}

// RemovePin removes the token owner's pin of CID; the signer is a registered node.
type RemovePin struct {
	Token string
	CID   string
}

// ConfirmPin tells the chain that the signing node stores every block of CID.
type ConfirmPin struct {
	CID string
}

func (m *RegisterPinNode) Kind() Kind { return KindRegisterPinNode }
func (m *PinHeartbeat) Kind() Kind    { return KindPinHeartbeat }
func (m *AddPin) Kind() Kind          { return KindAddPin }
func (m *RemovePin) Kind() Kind       { return KindRemovePin }
func (m *ConfirmPin) Kind() Kind      { return KindConfirmPin }

func (m *RegisterPinNode) encode(e *enc) {
	e.key(m.PNIC)
	e.str(m.Name)
	e.str(m.API)
	e.u64(m.Capacity)
	e.u64(m.PriceStorage)
	e.u64(m.PriceServed)
}
func (m *RegisterPinNode) decode(d *dec) {
	m.PNIC, m.Name, m.API = d.key(), d.str(), d.str()
	m.Capacity, m.PriceStorage, m.PriceServed = d.u64(), d.u64(), d.u64()
}

func (m *PinHeartbeat) encode(e *enc) {
	e.b = append(e.b, byte(len(m.Served)>>8), byte(len(m.Served)))
	for _, s := range m.Served {
		e.u64(s.Owner)
		e.u64(s.Bytes)
	}
}

// decode refuses owners out of ascending order, so each heartbeat has one encoding.
func (m *PinHeartbeat) decode(d *dec) {
	n := d.take(2)
	if n == nil {
		return
	}
	count := int(n[0])<<8 | int(n[1])
	if count > pinMaxServed {
		d.err = fmt.Errorf("%d served entries, at most %d", count, pinMaxServed)
		return
	}
	for i := 0; i < count && d.err == nil; i++ {
		s := Served{Owner: d.u64(), Bytes: d.u64()}
		if d.err == nil && i > 0 && s.Owner <= m.Served[i-1].Owner {
			d.err = errors.New("served owners not in ascending order")
		}
		m.Served = append(m.Served, s)
	}
}

func encodeMeta(e *enc, meta map[string]string) {
	keys := make([]string, 0, len(meta))
	for k := range meta {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	e.u8(uint8(len(keys)))
	for _, k := range keys {
		e.str(k)
		e.str(meta[k])
	}
}

// decodeMeta refuses keys out of ascending order or repeated, so a meta map has one encoding.
func decodeMeta(d *dec) map[string]string {
	n := int(d.u8())
	if d.err != nil || n == 0 {
		return nil
	}
	m := make(map[string]string, n)
	last := ""
	for i := 0; i < n && d.err == nil; i++ {
		k, v := d.str(), d.str()
		if d.err == nil && i > 0 && k <= last {
			d.err = errors.New("meta keys not in ascending order")
		}
		last = k
		m[k] = v
	}
	return m
}

func (m *AddPin) encode(e *enc) {
	e.str(m.Token)
	e.str(m.CID)
	e.u64(m.Size)
	e.u8(m.Replicas)
	e.str(m.Name)
	encodeMeta(e, m.Meta)
}
func (m *AddPin) decode(d *dec) {
	m.Token, m.CID, m.Size, m.Replicas, m.Name = d.str(), d.str(), d.u64(), d.u8(), d.str()
	m.Meta = decodeMeta(d)
}
func (m *RemovePin) encode(e *enc)  { e.str(m.Token); e.str(m.CID) }
func (m *RemovePin) decode(d *dec)  { m.Token, m.CID = d.str(), d.str() }
func (m *ConfirmPin) encode(e *enc) { e.str(m.CID) }
func (m *ConfirmPin) decode(d *dec) { m.CID = d.str() }

func newPinMsg(k Kind) Msg {
	switch k {
	case KindRegisterPinNode:
		return &RegisterPinNode{}
	case KindPinHeartbeat:
		return &PinHeartbeat{}
	case KindAddPin:
		return &AddPin{}
	case KindRemovePin:
		return &RemovePin{}
	case KindConfirmPin:
		return &ConfirmPin{}
	}
	return nil
}

// PinNode is a registered pinning node as the chain records it.
type PinNode struct {
	Key          [32]byte `json:"key"`
	PNIC         [32]byte `json:"pnic"`
	Name         string   `json:"name"`
	API          string   `json:"api"`
	Capacity     uint64   `json:"capacity"`
	PriceStorage uint64   `json:"price_storage"`
	PriceServed  uint64   `json:"price_served"`
	Used         uint64   `json:"used"`      // bytes allocated to it
	LastSeen     int64    `json:"last_seen"` // block time of its last heartbeat, unix ns
	Dead         bool     `json:"dead"`      // found past the grace period; a heartbeat revives it
}

// Live reports whether the node counts as alive at now under grace.
func (n PinNode) Live(now time.Time, grace time.Duration) bool {
	return !n.Dead && now.UnixNano()-n.LastSeen < int64(grace)
}

// Encode returns the stored form of the node.
func (n PinNode) Encode() []byte {
	e := enc{}
	e.key(n.Key)
	e.key(n.PNIC)
	e.str(n.Name)
	e.str(n.API)
	e.u64(n.Capacity)
	e.u64(n.PriceStorage)
	e.u64(n.PriceServed)
	e.u64(n.Used)
	e.u64(uint64(n.LastSeen))
	e.u8(b2u(n.Dead))
	return e.b
}

// DecodePinNode parses a stored node.
func DecodePinNode(b []byte) (n PinNode, err error) {
	d := dec{b: b}
	n.Key, n.PNIC, n.Name, n.API = d.key(), d.key(), d.str(), d.str()
	n.Capacity, n.PriceStorage, n.PriceServed, n.Used = d.u64(), d.u64(), d.u64(), d.u64()
	n.LastSeen = int64(d.u64())
	dead := d.u8()
	if d.err == nil && dead > 1 {
		d.err = fmt.Errorf("dead flag %d", dead)
	}
	n.Dead = dead == 1
	return n, d.end("pin node")
}

func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// Holder states of an allocation.
const (
	PinAllocated uint8 = 1 // chosen, not confirmed yet
	PinHeld      uint8 = 2 // confirmed: the node stores every block
)

// PinHolder is one node a CID is allocated to.
type PinHolder struct {
	Node  [32]byte `json:"node"`
	State uint8    `json:"state"`
}

// PinWant counts the owners of a CID that ask for one number of replicas.
type PinWant struct {
	Replicas uint8  `json:"replicas"`
	Owners   uint64 `json:"owners"`
}

// PinSet is the one allocation set of a CID, shared by every owner that pins it.
type PinSet struct {
	CID      string      `json:"cid"`
	Size     uint64      `json:"size"`     // the first pin's size, what the nodes store
	Replicas uint8       `json:"replicas"` // the most any owner asks for
	Owners   uint64      `json:"owners"`   // how many owners pin it
	Wants    []PinWant   `json:"wants"`    // owners by replicas asked, ascending, none zero
	Holders  []PinHolder `json:"holders"`
}

// want counts one more (delta 1) or one fewer (delta -1) owner asking for r replicas and sets
// Replicas to the most any owner asks for.
func (s *PinSet) want(r uint8, delta int) {
	i, found := slices.BinarySearchFunc(s.Wants, r, func(w PinWant, r uint8) int { return int(w.Replicas) - int(r) })
	switch {
	case delta > 0 && found:
		s.Wants[i].Owners++
	case delta > 0:
		s.Wants = slices.Insert(s.Wants, i, PinWant{Replicas: r, Owners: 1})
	case found && s.Wants[i].Owners > 1:
		s.Wants[i].Owners--
	case found:
		s.Wants = slices.Delete(s.Wants, i, i+1)
	}
	s.Replicas = 0
	if len(s.Wants) > 0 {
		s.Replicas = s.Wants[len(s.Wants)-1].Replicas
	}
}

// Encode returns the stored form of the set.
func (s PinSet) Encode() []byte {
	e := enc{}
	e.str(s.CID)
	e.u64(s.Size)
	e.u8(s.Replicas)
	e.u64(s.Owners)
	e.u8(uint8(len(s.Wants)))
	for _, w := range s.Wants {
		e.u8(w.Replicas)
		e.u64(w.Owners)
	}
	e.u8(uint8(len(s.Holders)))
	for _, h := range s.Holders {
		e.key(h.Node)
		e.u8(h.State)
	}
	return e.b
}

// DecodePinSet parses a stored set.
func DecodePinSet(b []byte) (s PinSet, err error) {
	d := dec{b: b}
	s.CID, s.Size, s.Replicas, s.Owners = d.str(), d.u64(), d.u8(), d.u64()
	nw := int(d.u8())
	for i := 0; i < nw && d.err == nil; i++ {
		w := PinWant{Replicas: d.u8(), Owners: d.u64()}
		if d.err == nil && (w.Owners == 0 || i > 0 && w.Replicas <= s.Wants[i-1].Replicas) {
			d.err = errors.New("pin wants not ascending or zero")
		}
		s.Wants = append(s.Wants, w)
	}
	n := int(d.u8())
	for i := 0; i < n && d.err == nil; i++ {
		s.Holders = append(s.Holders, PinHolder{Node: d.key(), State: d.u8()})
	}
	return s, d.end("pin set")
}

// PinRecord is one owner's pin of one CID.
type PinRecord struct {
	Owner     uint64            `json:"owner"`
	CID       string            `json:"cid"`
	Name      string            `json:"name"`
	Meta      map[string]string `json:"meta,omitempty"`
	Size      uint64            `json:"size"`
	Replicas  uint8             `json:"replicas"`
	Created   int64             `json:"created"` // unix ns, unique per owner
	RequestID string            `json:"request_id"`
}

// Encode returns the stored form of the record.
func (r PinRecord) Encode() []byte {
	e := enc{}
	e.u64(r.Owner)
	e.str(r.CID)
	e.str(r.Name)
	encodeMeta(&e, r.Meta)
	e.u64(r.Size)
	e.u8(r.Replicas)
	e.u64(uint64(r.Created))
	e.str(r.RequestID)
	return e.b
}

// DecodePinRecord parses a stored record.
func DecodePinRecord(b []byte) (r PinRecord, err error) {
	d := dec{b: b}
	r.Owner, r.CID, r.Name = d.u64(), d.str(), d.str()
	r.Meta = decodeMeta(&d)
	r.Size, r.Replicas, r.Created, r.RequestID = d.u64(), d.u8(), int64(d.u64()), d.str()
	return r, d.end("pin record")
}

// PinRequestID is the stable request id of owner's pin of cid created at created (unix ns).
func PinRequestID(owner uint64, cid string, created int64) string {
	e := enc{}
	e.b = append(e.b, "planetary-pin/1"...)
	e.u64(owner)
	e.str(cid)
	e.u64(uint64(created))
	h := sha256.Sum256(e.b)
	return hex.EncodeToString(h[:16])
}

// PinAccount is an owner's usage and billing state.
type PinAccount struct {
	Owner       uint64 `json:"owner"`
	Pins        uint64 `json:"pins"`         // how many CIDs it pins
	StoredBytes uint64 `json:"stored_bytes"` // bytes held for it, summed over the holding nodes
	ServedBytes uint64 `json:"served_bytes"` // bytes served for it so far
	Charged     uint64 `json:"charged"`      // units paid to nodes so far
	Unpaid      uint64 `json:"unpaid"`       // units it owed when its balance ran dry
	Settled     int64  `json:"settled"`      // block time storage was charged up to, unix ns
	LastCreated int64  `json:"last_created"` // the newest pin's Created, unix ns
	UnpaidSince int64  `json:"unpaid_since"` // block time a settlement first found the balance short, unix ns; 0 when paid up
}

// Encode returns the stored form of the account.
func (a PinAccount) Encode() []byte {
	e := enc{}
	for _, v := range []uint64{a.Owner, a.Pins, a.StoredBytes, a.ServedBytes, a.Charged, a.Unpaid, uint64(a.Settled), uint64(a.LastCreated)} {
		e.u64(v)
	}
	if a.UnpaidSince != 0 { // absent when paid up, so accounts stored before the field keep their bytes
		e.u64(uint64(a.UnpaidSince))
	}
	return e.b
}

// DecodePinAccount parses a stored account.
func DecodePinAccount(b []byte) (a PinAccount, err error) {
	d := dec{b: b}
	a.Owner, a.Pins, a.StoredBytes, a.ServedBytes, a.Charged, a.Unpaid = d.u64(), d.u64(), d.u64(), d.u64(), d.u64(), d.u64()
	a.Settled, a.LastCreated = int64(d.u64()), int64(d.u64())
	if d.err == nil && len(d.b) > 0 {
		if a.UnpaidSince = int64(d.u64()); d.err == nil && a.UnpaidSince == 0 {
			d.err = errors.New("unpaid_since stored as 0")
		}
	}
	return a, d.end("pin account")
}

// PinPair is what one node holds for one owner, with the fractions of units not yet charged.
type PinPair struct {
	Owner    uint64   `json:"owner"`
	Node     [32]byte `json:"node"`
	Bytes    uint64   `json:"bytes"`     // bytes of the owner's pins the node holds (confirmed)
	StoreRem [16]byte `json:"store_rem"` // storage charge remainder, in units/(GiB·month ns)
	ServeRem uint64   `json:"serve_rem"` // bandwidth charge remainder, in units/GiB
}

// Encode returns the stored form of the pair.
func (p PinPair) Encode() []byte {
	e := enc{}
	e.u64(p.Owner)
	e.key(p.Node)
	e.u64(p.Bytes)
	e.b = append(e.b, p.StoreRem[:]...)
	e.u64(p.ServeRem)
	return e.b
}

// DecodePinPair parses a stored pair.
func DecodePinPair(b []byte) (p PinPair, err error) {
	d := dec{b: b}
	p.Owner, p.Node, p.Bytes = d.u64(), d.key(), d.u64()
	copy(p.StoreRem[:], d.take(16))
	p.ServeRem = d.u64()
	return p, d.end("pin pair")
}

// PinNodeKey is the state key of a pinning node.
func PinNodeKey(node [32]byte) []byte { return keyOf(prefixPinNode, node[:]) }

// PinSetKey is the state key of a CID's allocation set.
func PinSetKey(cid string) []byte { return keyOf(prefixPinSet, []byte(cid)) }

// PinRecordKey is the state key of owner's pin of cid.
func PinRecordKey(owner uint64, cid string) []byte {
	return keyOf(prefixPinRecord, be64(owner), []byte(cid))
}

// PinCreatedKey is the state key of the index entry of owner's pin created at created (unix ns).
func PinCreatedKey(owner uint64, created int64) []byte {
	return keyOf(prefixPinCreated, be64(owner), be64(uint64(created)))
}

// PinRequestKey is the state key of the index entry from owner's request id to its CID.
func PinRequestKey(owner uint64, requestID string) []byte {
	return keyOf(prefixPinRequest, be64(owner), []byte(requestID))
}

// PinAllocKey is the state key of node's allocation of cid.
func PinAllocKey(node [32]byte, cid string) []byte {
	return keyOf(prefixPinAlloc, node[:], []byte(cid))
}

func pinOwnersPrefix(cid string) []byte {
	return keyOf(prefixPinOwners, []byte{byte(len(cid) >> 8), byte(len(cid))}, []byte(cid))
}
func pinOwnerKey(cid string, owner uint64) []byte {
	return append(pinOwnersPrefix(cid), be64(owner)...)
}
func pinLiveKey(seen int64, node [32]byte) []byte {
	return keyOf(prefixPinLive, be64(uint64(seen)), node[:])
}
func pinDeadKey(node [32]byte) []byte { return keyOf(prefixPinDead, node[:]) }
func pinShortKey(cid string) []byte   { return keyOf(prefixPinShort, []byte(cid)) }

// PinAccountKey is the state key of an owner's pin account.
func PinAccountKey(owner uint64) []byte { return keyOf(prefixPinAccount, be64(owner)) }

// PinPairKey is the state key of what node holds and earns of owner.
func PinPairKey(owner uint64, node [32]byte) []byte {
	return keyOf(prefixPinPair, be64(owner), node[:])
}

// PinParamsKey is the state key of the pinning parameters (absent: the defaults).
func PinParamsKey() []byte { return slices.Clone(pinParamsKey) }
