package chain

import (
	"crypto/ed25519"
	"errors"
	"fmt"
)

// txVersion is the first byte of every encoded transaction.
const txVersion = 1

// signDomain prefixes the sign bytes so a signature over a tx can never be reused as another message.
const signDomain = "planetary-tx/1"

// Kind names a transaction's message type on the wire.
type Kind uint8

// Transaction kinds; the numbers are part of the wire format.
const (
	KindTransfer     Kind = 1
	KindFaucet       Kind = 2
	KindGrant        Kind = 3
	KindTopUp        Kind = 4
	KindCharge       Kind = 5
	KindRegisterTwin Kind = 10
	KindUpdateTwin   Kind = 11
	KindDeleteTwin   Kind = 12
	KindRotateKey    Kind = 13
	KindCreateCircle Kind = 20
	KindSetMember    Kind = 21
	KindRemoveMember Kind = 22
	KindDeleteCircle Kind = 23
	KindSetName      Kind = 30
	KindDeleteName   Kind = 31
	KindReportAudit  Kind = 40
)

// Msg is the body of a transaction.
type Msg interface {
	Kind() Kind
	encode(*enc)
	decode(*dec)
}

// Tx is one signed transaction: the signer's account key, its next sequence number, a message and the signature.
type Tx struct {
	Signer [32]byte
	Seq    uint64
	Msg    Msg
	Sig    [64]byte
}

func (tx *Tx) body() []byte {
	e := enc{b: make([]byte, 0, 160)}
	e.u8(txVersion)
	e.u8(uint8(tx.Msg.Kind()))
	e.key(tx.Signer)
	e.u64(tx.Seq)
	tx.Msg.encode(&e)
	return e.b
}

// SignBytes is what the signer signs: a domain tag, the chain id and the encoded tx without its signature.
func (tx *Tx) SignBytes(chainID string) []byte {
	e := enc{}
	e.b = append(e.b, signDomain...)
	e.str(chainID)
	e.b = append(e.b, tx.body()...)
	return e.b
}

// Sign sets the signer from key and signs the tx for chainID.
func (tx *Tx) Sign(chainID string, key ed25519.PrivateKey) {
	copy(tx.Signer[:], key.Public().(ed25519.PublicKey))
	copy(tx.Sig[:], ed25519.Sign(key, tx.SignBytes(chainID)))
}

// Verify checks the signature against the signer key for chainID.
func (tx *Tx) Verify(chainID string) error {
	if !ed25519.Verify(tx.Signer[:], tx.SignBytes(chainID), tx.Sig[:]) {
		return errors.New("bad signature")
	}
	return nil
}

// Encode returns the wire form of a signed tx.
func (tx *Tx) Encode() []byte { return append(tx.body(), tx.Sig[:]...) }

// DecodeTx parses the wire form; it refuses unknown versions and kinds, short input and trailing bytes.
func DecodeTx(b []byte) (*Tx, error) {
	d := dec{b: b}
	if v := d.u8(); d.err == nil && v != txVersion {
		return nil, fmt.Errorf("decode tx: version %d, want %d", v, txVersion)
	}
	k := Kind(d.u8())
	tx := &Tx{Signer: d.key(), Seq: d.u64()}
	if d.err != nil {
		return nil, d.end("tx")
	}
	tx.Msg = newMsg(k)
	if tx.Msg == nil {
		return nil, fmt.Errorf("decode tx: unknown kind %d", k)
	}
	if len(d.b) < 64 {
		return nil, fmt.Errorf("decode tx: %w", errShort)
	}
	body, sig := d.b[:len(d.b)-64], d.b[len(d.b)-64:]
	copy(tx.Sig[:], sig)
	md := dec{b: body}
	tx.Msg.decode(&md)
	if err := md.end(fmt.Sprintf("tx kind %d", k)); err != nil {
		return nil, err
	}
	return tx, nil
}

func newMsg(k Kind) Msg {
	switch k {
	case KindTransfer:
		return &Transfer{}
	case KindFaucet:
		return &Faucet{}
	case KindGrant:
		return &Grant{}
	case KindTopUp:
		return &TopUp{}
	case KindCharge:
		return &Charge{}
	case KindRegisterTwin:
		return &RegisterTwin{}
	case KindUpdateTwin:
		return &UpdateTwin{}
	case KindDeleteTwin:
		return &DeleteTwin{}
	case KindRotateKey:
		return &RotateKey{}
	case KindRelocateTwin:
		return &RelocateTwin{}
	case KindCreateCircle:
		return &CreateCircle{}
	case KindSetMember:
		return &SetMember{}
	case KindRemoveMember:
		return &RemoveMember{}
	case KindDeleteCircle:
		return &DeleteCircle{}
	case KindSetName:
		return &SetName{}
	case KindDeleteName:
		return &DeleteName{}
	case KindReportAudit:
		return &ReportAudit{}
	case KindPropose:
		return &Propose{}
	case KindVote:
		return &Vote{}
	case KindAttestKYC:
		return &AttestKYC{}
	case KindRevokeKYC:
		return &RevokeKYC{}
	case KindRegisterPinNode, KindPinHeartbeat, KindAddPin, KindRemovePin, KindConfirmPin:
		return newPinMsg(k)
	}
	return nil
}

// Transfer moves Amount from the signer to account To.
type Transfer struct {
	To     [32]byte
	Amount uint64
}

// Faucet credits the signer with Amount when the genesis enables the dev faucet.
type Faucet struct{ Amount uint64 }

// Grant sets how much account Service may charge the signer from now on.
type Grant struct {
	Service [32]byte
	Limit   uint64
}

// TopUp raises the allowance of account Service over the signer by Amount.
type TopUp struct {
	Service [32]byte
	Amount  uint64
}

// Charge moves Amount from Owner to the signer, within the allowance Owner granted the signer.
type Charge struct {
	Owner  [32]byte
	Amount uint64
}

// Location is where a twin lives: country, city and coordinates in degrees.
type Location struct {
	Country string  `json:"country"`
	City    string  `json:"city"`
	Lat     float64 `json:"lat"`
	Lon     float64 `json:"lon"`
}

// RegisterTwin creates a twin owned by the signer; the chain assigns the next twin id.
type RegisterTwin struct {
	Key    [32]byte // ed25519 signing key of the twin
	X25519 [32]byte // encryption key of the twin
	PNIC   [32]byte // ed25519 key of the hosting PNIC
	Loc    Location
}

// UpdateTwin changes a twin's hosting PNIC and location; a new PNIC is a relocation.
type UpdateTwin struct {
	ID   uint64
	PNIC [32]byte
	Loc  Location
}

// DeleteTwin removes a twin, its names and its circle memberships; a twin that still owns
// circles is refused (delete them first).
type DeleteTwin struct{ ID uint64 }

// RotateKey replaces a twin's signing and encryption keys. The twin's address-book entries stay
// signed by the old key, which clients refuse, until the owner publishes them again with SetName.
type RotateKey struct {
	ID     uint64
	Key    [32]byte
	X25519 [32]byte
}

// CreateCircle creates a circle owned by twin Twin, which the signer must own.
type CreateCircle struct {
	Twin uint64
	Name string
}

// Role is a twin's standing in a circle.
type Role uint8

// Circle roles: only owners and admins edit a circle.
const (
	RoleMember Role = 1
	RoleAdmin  Role = 2
	RoleOwner  Role = 3
)

// SetMember adds Member to Circle with Role, or changes its role; Twin is the acting twin.
type SetMember struct {
	Circle uint64
	Twin   uint64
	Member uint64
	Role   Role
}

// RemoveMember removes Member from Circle; Twin is the acting twin.
type RemoveMember struct {
	Circle uint64
	Twin   uint64
	Member uint64
}

// DeleteCircle deletes Circle; only its owner twin may.
type DeleteCircle struct {
	Circle uint64
	Twin   uint64
}

// SetName publishes the address-book entry Name → Twin. The tx is signed by the twin's owner
// account; Sig is the twin's own ed25519 signature over NameSignBytes, stored with the entry so
// anyone can check that the twin vouches for the name.
type SetName struct {
	Twin uint64
	Name string
	Sig  [64]byte
}

// DeleteName removes an address-book entry the signer owns.
type DeleteName struct{ Name string }

// ReportAudit appends an event the twin reports (e.g. "permission_denied") to its audit log.
type ReportAudit struct {
	Twin   uint64
	Event  string
	Detail string
}

func (m *Transfer) Kind() Kind     { return KindTransfer }
func (m *Faucet) Kind() Kind       { return KindFaucet }
func (m *Grant) Kind() Kind        { return KindGrant }
func (m *TopUp) Kind() Kind        { return KindTopUp }
func (m *Charge) Kind() Kind       { return KindCharge }
func (m *RegisterTwin) Kind() Kind { return KindRegisterTwin }
func (m *UpdateTwin) Kind() Kind   { return KindUpdateTwin }
func (m *DeleteTwin) Kind() Kind   { return KindDeleteTwin }
func (m *RotateKey) Kind() Kind    { return KindRotateKey }
func (m *CreateCircle) Kind() Kind { return KindCreateCircle }
func (m *SetMember) Kind() Kind    { return KindSetMember }
func (m *RemoveMember) Kind() Kind { return KindRemoveMember }
func (m *DeleteCircle) Kind() Kind { return KindDeleteCircle }
func (m *SetName) Kind() Kind      { return KindSetName }
func (m *DeleteName) Kind() Kind   { return KindDeleteName }
func (m *ReportAudit) Kind() Kind  { return KindReportAudit }

func (m *Transfer) encode(e *enc) { e.key(m.To); e.u64(m.Amount) }
func (m *Transfer) decode(d *dec) { m.To, m.Amount = d.key(), d.u64() }
func (m *Faucet) encode(e *enc)   { e.u64(m.Amount) }
func (m *Faucet) decode(d *dec)   { m.Amount = d.u64() }
func (m *Grant) encode(e *enc)    { e.key(m.Service); e.u64(m.Limit) }
func (m *Grant) decode(d *dec)    { m.Service, m.Limit = d.key(), d.u64() }
func (m *TopUp) encode(e *enc)    { e.key(m.Service); e.u64(m.Amount) }
func (m *TopUp) decode(d *dec)    { m.Service, m.Amount = d.key(), d.u64() }
func (m *Charge) encode(e *enc)   { e.key(m.Owner); e.u64(m.Amount) }
func (m *Charge) decode(d *dec)   { m.Owner, m.Amount = d.key(), d.u64() }
func (l *Location) encode(e *enc) { e.str(l.Country); e.str(l.City); e.f64(l.Lat); e.f64(l.Lon) }
func (l *Location) decode(d *dec) {
	l.Country, l.City, l.Lat, l.Lon = d.str(), d.str(), d.f64(), d.f64()
}
func (m *RegisterTwin) encode(e *enc) { e.key(m.Key); e.key(m.X25519); e.key(m.PNIC); m.Loc.encode(e) }
func (m *RegisterTwin) decode(d *dec) {
	m.Key, m.X25519, m.PNIC = d.key(), d.key(), d.key()
	m.Loc.decode(d)
}
func (m *UpdateTwin) encode(e *enc) { e.u64(m.ID); e.key(m.PNIC); m.Loc.encode(e) }
func (m *UpdateTwin) decode(d *dec) {
	m.ID, m.PNIC = d.u64(), d.key()
	m.Loc.decode(d)
}
func (m *DeleteTwin) encode(e *enc)   { e.u64(m.ID) }
func (m *DeleteTwin) decode(d *dec)   { m.ID = d.u64() }
func (m *RotateKey) encode(e *enc)    { e.u64(m.ID); e.key(m.Key); e.key(m.X25519) }
func (m *RotateKey) decode(d *dec)    { m.ID, m.Key, m.X25519 = d.u64(), d.key(), d.key() }
func (m *CreateCircle) encode(e *enc) { e.u64(m.Twin); e.str(m.Name) }
func (m *CreateCircle) decode(d *dec) { m.Twin, m.Name = d.u64(), d.str() }
func (m *SetMember) encode(e *enc) {
	e.u64(m.Circle)
	e.u64(m.Twin)
	e.u64(m.Member)
	e.u8(uint8(m.Role))
}
func (m *SetMember) decode(d *dec) {
	m.Circle, m.Twin, m.Member, m.Role = d.u64(), d.u64(), d.u64(), Role(d.u8())
}
func (m *RemoveMember) encode(e *enc) { e.u64(m.Circle); e.u64(m.Twin); e.u64(m.Member) }
func (m *RemoveMember) decode(d *dec) { m.Circle, m.Twin, m.Member = d.u64(), d.u64(), d.u64() }
func (m *DeleteCircle) encode(e *enc) { e.u64(m.Circle); e.u64(m.Twin) }
func (m *DeleteCircle) decode(d *dec) { m.Circle, m.Twin = d.u64(), d.u64() }
func (m *SetName) encode(e *enc)      { e.u64(m.Twin); e.str(m.Name); e.b = append(e.b, m.Sig[:]...) }
func (m *SetName) decode(d *dec)      { m.Twin, m.Name = d.u64(), d.str(); copy(m.Sig[:], d.take(64)) }
func (m *DeleteName) encode(e *enc)   { e.str(m.Name) }
func (m *DeleteName) decode(d *dec)   { m.Name = d.str() }
func (m *ReportAudit) encode(e *enc)  { e.u64(m.Twin); e.str(m.Event); e.str(m.Detail) }
func (m *ReportAudit) decode(d *dec)  { m.Twin, m.Event, m.Detail = d.u64(), d.str(), d.str() }
