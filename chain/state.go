package chain

import (
	"crypto/ed25519"
	"encoding/binary"
	"errors"
)

// Key prefixes of the state tree; see the package documentation for the full layout.
const (
	prefixAccount    = 0x01 // | account key(32) → Account
	prefixAllowance  = 0x02 // | owner(32) | service(32) → u64 remaining
	prefixTwin       = 0x10 // | twin id(8) → Twin
	prefixTwinPNIC   = 0x11 // | pnic(32) | twin id(8) → twin id(8)
	prefixTwinKey    = 0x12 // | twin key(32) → twin id(8)
	prefixCircle     = 0x20 // | circle id(8) → Circle
	prefixMember     = 0x21 // | circle id(8) | twin id(8) → role(1)
	prefixTwinCircle = 0x22 // | twin id(8) | circle id(8) → role(1), the circles of a twin
	prefixName       = 0x30 // | name → NameEntry
	prefixTwinName   = 0x31 // | twin id(8) | name → twin id(8)
	prefixAudit      = 0x40 // | twin id(8) | seq(8) → AuditEvent
	prefixAuditNext  = 0x41 // | twin id(8) → next seq(8)
	prefixMeta       = 0xF0 // | name → value
)

// Meta keys under prefixMeta.
var (
	metaChainID    = metaKey("chain_id")
	metaFaucet     = metaKey("faucet")
	metaNextTwin   = metaKey("next_twin")
	metaNextCircle = metaKey("next_circle")
)

func metaKey(s string) []byte { return append([]byte{prefixMeta}, s...) }

func be64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func keyOf(prefix byte, parts ...[]byte) []byte {
	k := []byte{prefix}
	for _, p := range parts {
		k = append(k, p...)
	}
	return k
}

// AccountKey is the state key of an account.
func AccountKey(acct [32]byte) []byte { return keyOf(prefixAccount, acct[:]) }

// AllowanceKey is the state key of what service may still charge owner.
func AllowanceKey(owner, service [32]byte) []byte {
	return keyOf(prefixAllowance, owner[:], service[:])
}

// TwinKey is the state key of a twin record.
func TwinKey(id uint64) []byte { return keyOf(prefixTwin, be64(id)) }

func twinPNICKey(pnic [32]byte, id uint64) []byte { return keyOf(prefixTwinPNIC, pnic[:], be64(id)) }
func twinByKeyKey(k [32]byte) []byte              { return keyOf(prefixTwinKey, k[:]) }

// CircleKey is the state key of a circle record.
func CircleKey(id uint64) []byte { return keyOf(prefixCircle, be64(id)) }

// MemberKey is the state key of a twin's role in a circle.
func MemberKey(circle, twin uint64) []byte { return keyOf(prefixMember, be64(circle), be64(twin)) }

// TwinCircleKey is the state key of the index entry recording twin's role in circle, under the twin.
func TwinCircleKey(twin, circle uint64) []byte {
	return keyOf(prefixTwinCircle, be64(twin), be64(circle))
}

// NameKey is the state key of an address-book entry.
func NameKey(name string) []byte { return keyOf(prefixName, []byte(name)) }

func twinNameKey(twin uint64, name string) []byte {
	return keyOf(prefixTwinName, be64(twin), []byte(name))
}

// AuditKey is the state key of one audit event of a twin.
func AuditKey(twin, seq uint64) []byte { return keyOf(prefixAudit, be64(twin), be64(seq)) }

// Account is a balance and the sequence number its next tx must carry.
type Account struct {
	Balance uint64 `json:"balance"`
	Seq     uint64 `json:"seq"`
}

// Twin is a registered digital twin.
type Twin struct {
	ID     uint64   `json:"id"`
	Owner  [32]byte `json:"owner"`
	Key    [32]byte `json:"key"`
	X25519 [32]byte `json:"x25519"`
	PNIC   [32]byte `json:"pnic"`
	Loc    Location `json:"location"`
}

// Circle is a named group of twins owned by one twin.
type Circle struct {
	ID    uint64 `json:"id"`
	Owner uint64 `json:"owner"`
	Name  string `json:"name"`
}

// Member is one twin's role in a circle.
type Member struct {
	Twin uint64 `json:"twin"`
	Role Role   `json:"role"`
}

// Membership is one circle a twin belongs to, with its role there.
type Membership struct {
	Circle uint64 `json:"circle"`
	Role   Role   `json:"role"`
}

// NameEntry is a public address-book entry: a name pointing at a twin, published by the twin's
// owner account and signed by the twin's own key (Sig, over NameSignBytes).
type NameEntry struct {
	Name  string   `json:"name"`
	Twin  uint64   `json:"twin"`
	Owner [32]byte `json:"owner"`
	Sig   [64]byte `json:"sig"`
}

// nameDomain prefixes the bytes a twin signs for an address-book entry.
const nameDomain = "planetary-name/1"

// NameSignBytes is the canonical message a twin signs to claim name on chain chainID:
// "planetary-name/1" | u16 len | chain id | u16 len | name | twin id(8).
func NameSignBytes(chainID, name string, twin uint64) []byte {
	e := enc{}
	e.b = append(e.b, nameDomain...)
	e.str(chainID)
	e.str(name)
	e.u64(twin)
	return e.b
}

// SignName is the twin's signature, with its ed25519 key, of the entry name → twin on chainID.
func SignName(chainID, name string, twin uint64, twinKey ed25519.PrivateKey) (sig [64]byte) {
	copy(sig[:], ed25519.Sign(twinKey, NameSignBytes(chainID, name, twin)))
	return sig
}

// Verify checks the entry's signature against the twin signing key twinKey.
func (n NameEntry) Verify(chainID string, twinKey [32]byte) error {
	if !ed25519.Verify(twinKey[:], NameSignBytes(chainID, n.Name, n.Twin), n.Sig[:]) {
		return errors.New("name signature does not verify with the twin's key")
	}
	return nil
}

// AuditEvent is one entry of a twin's append-only audit log.
type AuditEvent struct {
	Twin   uint64 `json:"twin"`
	Seq    uint64 `json:"seq"`
	Height int64  `json:"height"`
	Kind   string `json:"kind"`
	Detail string `json:"detail"`
}

// Encode returns the stored form of the account.
func (a Account) Encode() []byte { e := enc{}; e.u64(a.Balance); e.u64(a.Seq); return e.b }

// DecodeAccount parses a stored account.
func DecodeAccount(b []byte) (a Account, err error) {
	d := dec{b: b}
	a.Balance, a.Seq = d.u64(), d.u64()
	return a, d.end("account")
}

// Encode returns the stored form of the twin.
func (t Twin) Encode() []byte {
	e := enc{}
	e.u64(t.ID)
	e.key(t.Owner)
	e.key(t.Key)
	e.key(t.X25519)
	e.key(t.PNIC)
	t.Loc.encode(&e)
	return e.b
}

// DecodeTwin parses a stored twin.
func DecodeTwin(b []byte) (t Twin, err error) {
	d := dec{b: b}
	t.ID, t.Owner, t.Key, t.X25519, t.PNIC = d.u64(), d.key(), d.key(), d.key(), d.key()
	t.Loc.decode(&d)
	return t, d.end("twin")
}

// Encode returns the stored form of the circle.
func (c Circle) Encode() []byte { e := enc{}; e.u64(c.ID); e.u64(c.Owner); e.str(c.Name); return e.b }

// DecodeCircle parses a stored circle.
func DecodeCircle(b []byte) (c Circle, err error) {
	d := dec{b: b}
	c.ID, c.Owner, c.Name = d.u64(), d.u64(), d.str()
	return c, d.end("circle")
}

// Encode returns the stored form of the name entry.
func (n NameEntry) Encode() []byte {
	e := enc{}
	e.str(n.Name)
	e.u64(n.Twin)
	e.key(n.Owner)
	e.b = append(e.b, n.Sig[:]...)
	return e.b
}

// DecodeNameEntry parses a stored name entry.
func DecodeNameEntry(b []byte) (n NameEntry, err error) {
	d := dec{b: b}
	n.Name, n.Twin, n.Owner = d.str(), d.u64(), d.key()
	copy(n.Sig[:], d.take(64))
	return n, d.end("name")
}

// Encode returns the stored form of the audit event.
func (a AuditEvent) Encode() []byte {
	e := enc{}
	e.u64(a.Twin)
	e.u64(a.Seq)
	e.u64(uint64(a.Height))
	e.str(a.Kind)
	e.str(a.Detail)
	return e.b
}

// DecodeAuditEvent parses a stored audit event.
func DecodeAuditEvent(b []byte) (a AuditEvent, err error) {
	d := dec{b: b}
	a.Twin, a.Seq, a.Height, a.Kind, a.Detail = d.u64(), d.u64(), int64(d.u64()), d.str(), d.str()
	return a, d.end("audit event")
}

// decodeU64 parses an 8-byte big-endian value.
func decodeU64(b []byte) (uint64, error) {
	d := dec{b: b}
	v := d.u64()
	return v, d.end("u64")
}
