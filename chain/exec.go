package chain

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cosmos/iavl"
)

// overlay buffers one tx's writes over the tree so a refused tx changes nothing.
type overlay struct {
	tree   *iavl.MutableTree
	vals   map[string][]byte // nil value: deleted
	order  []string
	events []abci.Event
	height int64
	now    int64     // block time, unix seconds
	at     time.Time // the block's time
	index  int       // the tx's index in its block
}

func newOverlay(tree *iavl.MutableTree, height int64) *overlay {
	return &overlay{tree: tree, vals: map[string][]byte{}, height: height}
}

func (o *overlay) get(k []byte) ([]byte, error) {
	if v, ok := o.vals[string(k)]; ok {
		return v, nil
	}
	return o.tree.Get(k)
}

func (o *overlay) put(k, v []byte) {
	if _, ok := o.vals[string(k)]; !ok {
		o.order = append(o.order, string(k))
	}
	o.vals[string(k)] = v
}

func (o *overlay) del(k []byte) { o.put(k, nil) }

// flush applies the writes to the tree in the order they were first made, which keeps the tree's shape deterministic.
func (o *overlay) flush() error {
	for _, k := range o.order {
		v := o.vals[k]
		var err error
		if v == nil {
			_, _, err = o.tree.Remove([]byte(k))
		} else {
			_, err = o.tree.Set([]byte(k), v)
		}
		if err != nil {
			return refuse(CodeInternal, "write state: %w", err)
		}
	}
	return nil
}

// keysWithPrefix lists the committed-or-working keys under prefix; the tx's own writes are not included.
func (o *overlay) keysWithPrefix(prefix []byte) ([][]byte, error) {
	it, err := o.tree.Iterator(prefix, prefixEnd(prefix), true)
	if err != nil {
		return nil, refuse(CodeInternal, "iterate state: %w", err)
	}
	defer it.Close()
	var keys [][]byte
	for ; it.Valid(); it.Next() {
		keys = append(keys, bytes.Clone(it.Key()))
	}
	return keys, nil
}

func (o *overlay) event(typ string, attrs ...string) {
	ev := abci.Event{Type: typ}
	for i := 0; i+1 < len(attrs); i += 2 {
		ev.Attributes = append(ev.Attributes, abci.EventAttribute{Key: attrs[i], Value: attrs[i+1], Index: true})
	}
	o.events = append(o.events, ev)
}

// prefixEnd is the first key after every key starting with prefix.
func prefixEnd(prefix []byte) []byte {
	end := bytes.Clone(prefix)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xFF {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

func (o *overlay) account(a [32]byte) (Account, error) {
	v, err := o.get(AccountKey(a))
	if err != nil {
		return Account{}, refuse(CodeInternal, "read account: %w", err)
	}
	if v == nil {
		return Account{}, nil
	}
	acct, err := DecodeAccount(v)
	if err != nil {
		return Account{}, refuse(CodeInternal, "%w", err)
	}
	return acct, nil
}

func (o *overlay) putAccount(k [32]byte, a Account) { o.put(AccountKey(k), a.Encode()) }

func (o *overlay) u64(k []byte) (uint64, error) {
	v, err := o.get(k)
	if err != nil {
		return 0, refuse(CodeInternal, "read state: %w", err)
	}
	if v == nil {
		return 0, nil
	}
	n, err := decodeU64(v)
	if err != nil {
		return 0, refuse(CodeInternal, "%w", err)
	}
	return n, nil
}

// next returns the counter at k (starting at 1) and stores its successor.
func (o *overlay) next(k []byte) (uint64, error) {
	n, err := o.u64(k)
	if err != nil {
		return 0, err
	}
	if n == 0 {
		n = 1
	}
	o.put(k, be64(n+1))
	return n, nil
}

func (o *overlay) twin(id uint64) (Twin, error) {
	v, err := o.get(TwinKey(id))
	if err != nil {
		return Twin{}, refuse(CodeInternal, "read twin %d: %w", id, err)
	}
	if v == nil {
		return Twin{}, refuse(CodeNotFound, "unknown twin %d", id)
	}
	t, err := DecodeTwin(v)
	if err != nil {
		return Twin{}, refuse(CodeInternal, "%w", err)
	}
	return t, nil
}

// ownedTwin loads twin id and checks that signer owns it.
func (o *overlay) ownedTwin(id uint64, signer [32]byte) (Twin, error) {
	t, err := o.twin(id)
	if err != nil {
		return t, err
	}
	if t.Owner != signer {
		return t, refuse(CodeUnauthorized, "twin %d is not owned by the signer", id)
	}
	return t, nil
}

func (o *overlay) audit(twin uint64, kind, detail string) error {
	seq, err := o.next(keyOf(prefixAuditNext, be64(twin)))
	if err != nil {
		return err
	}
	ev := AuditEvent{Twin: twin, Seq: seq, Height: o.height, Kind: kind, Detail: detail}
	o.put(AuditKey(twin, seq), ev.Encode())
	o.event("audit", "twin", u(twin), "kind", kind)
	return nil
}

func u(v uint64) string { return strconv.FormatUint(v, 10) }

func validText(what, s string, minLen, maxLen int) error {
	if len(s) < minLen || len(s) > maxLen || !utf8.ValidString(s) {
		return refuse(CodeInvalid, "%s: want %d to %d bytes of UTF-8, got %d", what, minLen, maxLen, len(s))
	}
	return nil
}

func validLocation(l Location) error {
	if err := validText("country", l.Country, 0, 64); err != nil {
		return err
	}
	if err := validText("city", l.City, 0, 128); err != nil {
		return err
	}
	if math.Abs(l.Lat) > 90 || math.Abs(l.Lon) > 180 {
		return refuse(CodeInvalid, "location %v,%v out of range", l.Lat, l.Lon)
	}
	return nil
}

// validName accepts address-book names of 1 to 64 bytes of a-z, 0-9, '.', '-' and '_'.
func validName(n string) error {
	if len(n) == 0 || len(n) > 64 {
		return refuse(CodeInvalid, "name: want 1 to 64 bytes, got %d", len(n))
	}
	for _, c := range []byte(n) {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			return refuse(CodeInvalid, "name %q: only a-z, 0-9, '.', '-' and '_'", n)
		}
	}
	return nil
}

// execMsg applies one message signed by signer on chain chainID; faucetMax is 0 when the faucet is off.
func execMsg(o *overlay, chainID string, signer [32]byte, m Msg, faucetMax uint64) error {
	switch m := m.(type) {
	case *Transfer:
		return move(o, signer, m.To, m.Amount)
	case *Faucet:
		if faucetMax == 0 {
			return refuse(CodeFaucetOff, "the faucet is not enabled on this chain")
		}
		if m.Amount == 0 || m.Amount > faucetMax {
			return refuse(CodeInvalid, "faucet amount %d: want 1 to %d", m.Amount, faucetMax)
		}
		a, err := o.account(signer)
		if err != nil {
			return err
		}
		if a.Balance > math.MaxUint64-m.Amount {
			return refuse(CodeInvalid, "balance would overflow")
		}
		a.Balance += m.Amount
		o.putAccount(signer, a)
		o.event("faucet", "to", hex.EncodeToString(signer[:]), "amount", u(m.Amount))
		return nil
	case *Grant:
		if m.Limit == 0 {
			o.del(AllowanceKey(signer, m.Service))
		} else {
			o.put(AllowanceKey(signer, m.Service), be64(m.Limit))
		}
		o.event("allowance", "owner", hex.EncodeToString(signer[:]), "service", hex.EncodeToString(m.Service[:]), "limit", u(m.Limit))
		return nil
	case *TopUp:
		k := AllowanceKey(signer, m.Service)
		cur, err := o.u64(k)
		if err != nil {
			return err
		}
		if cur > math.MaxUint64-m.Amount {
			return refuse(CodeInvalid, "allowance would overflow")
		}
		o.put(k, be64(cur+m.Amount))
		o.event("allowance", "owner", hex.EncodeToString(signer[:]), "service", hex.EncodeToString(m.Service[:]), "limit", u(cur+m.Amount))
		return nil
	case *Charge:
		k := AllowanceKey(m.Owner, signer)
		left, err := o.u64(k)
		if err != nil {
			return err
		}
		if m.Amount > left {
			return refuse(CodeFunds, "charge %d exceeds the allowance %d", m.Amount, left)
		}
		if err := move(o, m.Owner, signer, m.Amount); err != nil {
			return err
		}
		if left == m.Amount {
			o.del(k)
		} else {
			o.put(k, be64(left-m.Amount))
		}
		return nil
	case *RegisterTwin:
		return registerTwin(o, signer, m)
	case *UpdateTwin:
		return updateTwin(o, signer, m)
	case *DeleteTwin:
		return deleteTwin(o, signer, m)
	case *RotateKey:
		return rotateKey(o, signer, m)
	case *RelocateTwin:
		return relocateTwin(o, signer, m)
	case *CreateCircle, *SetMember, *RemoveMember, *DeleteCircle:
		return execCircle(o, signer, m)
	case *SetName:
		return setName(o, chainID, signer, m)
	case *DeleteName:
		return deleteName(o, signer, m)
	case *RegisterPinNode, *PinHeartbeat, *AddPin, *RemovePin, *ConfirmPin:
		return execPin(o, chainID, signer, m)
	case *ReportAudit:
		t, err := o.twin(m.Twin)
		if err != nil {
			return err
		}
		if t.Owner != signer && t.Key != signer {
			return refuse(CodeUnauthorized, "only twin %d or its owner may report to its audit log", m.Twin)
		}
		if err := validText("audit kind", m.Event, 1, 64); err != nil {
			return err
		}
		if m.Event == auditKeyRotation || m.Event == auditRelocation || chainAuditKind(m.Event) {
			return refuse(CodeInvalid, "audit kind %q is recorded by the chain itself", m.Event)
		}
		if err := validText("audit detail", m.Detail, 0, 1024); err != nil {
			return err
		}
		return o.audit(m.Twin, m.Event, m.Detail)
	case *Propose:
		return propose(o, signer, m)
	case *Vote:
		return vote(o, signer, m)
	case *AttestKYC, *RevokeKYC:
		return execKYC(o, signer, m)
	}
	return refuse(CodeDecode, "unknown message %T", m)
}

// Audit kinds the chain records itself.
const (
	auditKeyRotation = "key_rotation"
	auditRelocation  = "relocation"
)

func move(o *overlay, from, to [32]byte, amount uint64) error {
	if amount == 0 {
		return refuse(CodeInvalid, "amount must be positive")
	}
	if from == to {
		return refuse(CodeInvalid, "transfer to the same account")
	}
	a, err := o.account(from)
	if err != nil {
		return err
	}
	if a.Balance < amount {
		return refuse(CodeFunds, "balance %d is less than %d", a.Balance, amount)
	}
	b, err := o.account(to)
	if err != nil {
		return err
	}
	if b.Balance > math.MaxUint64-amount {
		return refuse(CodeInvalid, "balance would overflow")
	}
	a.Balance -= amount
	b.Balance += amount
	o.putAccount(from, a)
	o.putAccount(to, b)
	o.event("transfer", "from", hex.EncodeToString(from[:]), "to", hex.EncodeToString(to[:]), "amount", u(amount))
	return nil
}

func twinEvent(o *overlay, t Twin, action string) {
	o.event("twin", "id", u(t.ID), "pnic", hex.EncodeToString(t.PNIC[:]), "action", action)
}

func keyFree(o *overlay, k [32]byte) error {
	v, err := o.get(twinByKeyKey(k))
	if err != nil {
		return refuse(CodeInternal, "read twin key: %w", err)
	}
	if v != nil {
		return refuse(CodeConflict, "twin key %x is already registered", k[:8])
	}
	return nil
}

func registerTwin(o *overlay, signer [32]byte, m *RegisterTwin) error {
	if err := validLocation(m.Loc); err != nil {
		return err
	}
	if err := keyFree(o, m.Key); err != nil {
		return err
	}
	id, err := o.next(metaNextTwin)
	if err != nil {
		return err
	}
	t := Twin{ID: id, Owner: signer, Key: m.Key, X25519: m.X25519, PNIC: m.PNIC, Loc: m.Loc}
	o.put(TwinKey(id), t.Encode())
	o.put(twinPNICKey(t.PNIC, id), be64(id))
	o.put(twinByKeyKey(t.Key), be64(id))
	twinEvent(o, t, "register")
	return nil
}

func updateTwin(o *overlay, signer [32]byte, m *UpdateTwin) error {
	t, err := o.ownedTwin(m.ID, signer)
	if err != nil {
		return err
	}
	if err := validLocation(m.Loc); err != nil {
		return err
	}
	action := "update"
	if m.PNIC != t.PNIC {
		action = "relocate"
		if _, err := bumpEpoch(o, t.ID); err != nil { // a manual move fences automatic ones too
			return err
		}
		o.del(twinPNICKey(t.PNIC, t.ID))
		o.put(twinPNICKey(m.PNIC, t.ID), be64(t.ID))
		if err := o.audit(t.ID, auditRelocation, hex.EncodeToString(t.PNIC[:])+" -> "+hex.EncodeToString(m.PNIC[:])); err != nil {
			return err
		}
	}
	t.PNIC, t.Loc = m.PNIC, m.Loc
	o.put(TwinKey(t.ID), t.Encode())
	twinEvent(o, t, action)
	return nil
}

// deleteTwin removes a twin, its names and its memberships; a twin that owns circles is refused,
// so that no circle is left without an owner or removed behind its members' backs.
func deleteTwin(o *overlay, signer [32]byte, m *DeleteTwin) error {
	t, err := o.ownedTwin(m.ID, signer)
	if err != nil {
		return err
	}
	circles, err := o.keysWithPrefix(keyOf(prefixTwinCircle, be64(t.ID)))
	if err != nil {
		return err
	}
	var owned []string
	for _, k := range circles {
		c := be64of(k[9:])
		if r, err := o.role(c, t.ID); err != nil {
			return err
		} else if r == RoleOwner {
			owned = append(owned, u(c))
		}
	}
	if len(owned) > 0 {
		return refuse(CodeConflict, "twin %d owns circles %s: delete them first", t.ID, strings.Join(owned, ", "))
	}
	for _, k := range circles {
		c := be64of(k[9:])
		delRole(o, c, t.ID)
		o.event("circle", "id", u(c), "action", "remove_member", "twin", u(t.ID))
	}
	names, err := o.keysWithPrefix(keyOf(prefixTwinName, be64(t.ID)))
	if err != nil {
		return err
	}
	for _, k := range names {
		o.del(k)
		o.del(NameKey(string(k[9:])))
	}
	if err := deleteKYC(o, t.ID); err != nil {
		return err
	}
	o.del(TwinKey(t.ID))
	o.del(twinPNICKey(t.PNIC, t.ID))
	o.del(twinByKeyKey(t.Key))
	twinEvent(o, t, "delete")
	return nil
}

func rotateKey(o *overlay, signer [32]byte, m *RotateKey) error {
	t, err := o.ownedTwin(m.ID, signer)
	if err != nil {
		return err
	}
	if m.Key != t.Key {
		if err := keyFree(o, m.Key); err != nil {
			return err
		}
		o.del(twinByKeyKey(t.Key))
		o.put(twinByKeyKey(m.Key), be64(t.ID))
	}
	detail := "ed25519 " + hex.EncodeToString(t.Key[:]) + " -> " + hex.EncodeToString(m.Key[:]) +
		", x25519 " + hex.EncodeToString(t.X25519[:]) + " -> " + hex.EncodeToString(m.X25519[:])
	t.Key, t.X25519 = m.Key, m.X25519
	o.put(TwinKey(t.ID), t.Encode())
	if err := o.audit(t.ID, auditKeyRotation, detail); err != nil {
		return err
	}
	twinEvent(o, t, "rotate")
	return nil
}

func (o *overlay) circle(id uint64) (Circle, error) {
	v, err := o.get(CircleKey(id))
	if err != nil {
		return Circle{}, refuse(CodeInternal, "read circle %d: %w", id, err)
	}
	if v == nil {
		return Circle{}, refuse(CodeNotFound, "unknown circle %d", id)
	}
	c, err := DecodeCircle(v)
	if err != nil {
		return Circle{}, refuse(CodeInternal, "%w", err)
	}
	return c, nil
}

// setRole records twin's role in circle under both the circle and the twin.
func setRole(o *overlay, circle, twin uint64, r Role) {
	o.put(MemberKey(circle, twin), []byte{byte(r)})
	o.put(TwinCircleKey(twin, circle), []byte{byte(r)})
}

// delRole takes twin out of circle.
func delRole(o *overlay, circle, twin uint64) {
	o.del(MemberKey(circle, twin))
	o.del(TwinCircleKey(twin, circle))
}

// be64of reads an 8-byte big-endian id from a state key.
func be64of(b []byte) uint64 { return binary.BigEndian.Uint64(b) }

func (o *overlay) role(circle, twin uint64) (Role, error) {
	v, err := o.get(MemberKey(circle, twin))
	if err != nil {
		return 0, refuse(CodeInternal, "read member: %w", err)
	}
	if len(v) != 1 {
		return 0, nil
	}
	return Role(v[0]), nil
}

// editor checks that the signer owns twin acting and that it is owner or admin of circle.
func editor(o *overlay, signer [32]byte, circle, acting uint64) (Circle, Role, error) {
	c, err := o.circle(circle)
	if err != nil {
		return c, 0, err
	}
	if _, err := o.ownedTwin(acting, signer); err != nil {
		return c, 0, err
	}
	r, err := o.role(circle, acting)
	if err != nil {
		return c, 0, err
	}
	if r < RoleAdmin {
		return c, r, refuse(CodeUnauthorized, "twin %d is not an owner or admin of circle %d", acting, circle)
	}
	return c, r, nil
}

func execCircle(o *overlay, signer [32]byte, m Msg) error {
	switch m := m.(type) {
	case *CreateCircle:
		if _, err := o.ownedTwin(m.Twin, signer); err != nil {
			return err
		}
		if err := validText("circle name", m.Name, 1, 64); err != nil {
			return err
		}
		id, err := o.next(metaNextCircle)
		if err != nil {
			return err
		}
		o.put(CircleKey(id), Circle{ID: id, Owner: m.Twin, Name: m.Name}.Encode())
		setRole(o, id, m.Twin, RoleOwner)
		o.event("circle", "id", u(id), "action", "create", "twin", u(m.Twin))
	case *SetMember:
		c, _, err := editor(o, signer, m.Circle, m.Twin)
		if err != nil {
			return err
		}
		if m.Role != RoleMember && m.Role != RoleAdmin {
			return refuse(CodeInvalid, "role %d: want member (1) or admin (2)", m.Role)
		}
		if m.Member == c.Owner {
			return refuse(CodeUnauthorized, "the owner's role cannot change")
		}
		if _, err := o.twin(m.Member); err != nil {
			return err
		}
		setRole(o, m.Circle, m.Member, m.Role)
		o.event("circle", "id", u(m.Circle), "action", "set_member", "twin", u(m.Member))
	case *RemoveMember:
		c, _, err := editor(o, signer, m.Circle, m.Twin)
		if err != nil {
			return err
		}
		if m.Member == c.Owner {
			return refuse(CodeUnauthorized, "the owner cannot be removed from circle %d", c.ID)
		}
		if r, err := o.role(m.Circle, m.Member); err != nil {
			return err
		} else if r == 0 {
			return refuse(CodeNotFound, "twin %d is not in circle %d", m.Member, m.Circle)
		}
		delRole(o, m.Circle, m.Member)
		o.event("circle", "id", u(m.Circle), "action", "remove_member", "twin", u(m.Member))
	case *DeleteCircle:
		c, r, err := editor(o, signer, m.Circle, m.Twin)
		if err != nil {
			return err
		}
		if r != RoleOwner {
			return refuse(CodeUnauthorized, "only the owner may delete circle %d", c.ID)
		}
		members, err := o.keysWithPrefix(keyOf(prefixMember, be64(c.ID)))
		if err != nil {
			return err
		}
		for _, k := range members {
			delRole(o, c.ID, be64of(k[9:]))
		}
		o.del(CircleKey(c.ID))
		o.event("circle", "id", u(c.ID), "action", "delete", "twin", u(m.Twin))
	}
	return nil
}

func setName(o *overlay, chainID string, signer [32]byte, m *SetName) error {
	if err := validName(m.Name); err != nil {
		return err
	}
	t, err := o.ownedTwin(m.Twin, signer)
	if err != nil {
		return err
	}
	entry := NameEntry{Name: m.Name, Twin: m.Twin, Owner: signer, Sig: m.Sig}
	if err := entry.Verify(chainID, t.Key); err != nil {
		return refuse(CodeSignature, "name %q for twin %d: %w", m.Name, m.Twin, err)
	}
	v, err := o.get(NameKey(m.Name))
	if err != nil {
		return refuse(CodeInternal, "read name: %w", err)
	}
	if v != nil {
		old, err := DecodeNameEntry(v)
		if err != nil {
			return refuse(CodeInternal, "%w", err)
		}
		if old.Owner != signer {
			return refuse(CodeConflict, "name %q belongs to another account", m.Name)
		}
		o.del(twinNameKey(old.Twin, m.Name))
	}
	o.put(NameKey(m.Name), entry.Encode())
	o.put(twinNameKey(m.Twin, m.Name), be64(m.Twin))
	o.event("name", "name", m.Name, "twin", u(m.Twin), "action", "set")
	return nil
}

func deleteName(o *overlay, signer [32]byte, m *DeleteName) error {
	v, err := o.get(NameKey(m.Name))
	if err != nil {
		return refuse(CodeInternal, "read name: %w", err)
	}
	if v == nil {
		return refuse(CodeNotFound, "unknown name %q", m.Name)
	}
	e, err := DecodeNameEntry(v)
	if err != nil {
		return refuse(CodeInternal, "%w", err)
	}
	if e.Owner != signer {
		return refuse(CodeUnauthorized, "name %q belongs to another account", m.Name)
	}
	o.del(NameKey(m.Name))
	o.del(twinNameKey(e.Twin, m.Name))
	o.event("name", "name", m.Name, "twin", u(e.Twin), "action", "delete")
	return nil
}
