package chain

import (
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/cosmos/iavl"
)

// KYCKey is the state key of the attestation provider made for twin.
func KYCKey(twin uint64, provider [32]byte) []byte {
	return keyOf(prefixKYC, be64(twin), provider[:])
}

func kycExpiryKey(expires int64, twin uint64, provider [32]byte) []byte {
	return keyOf(prefixKYCExpiry, be64(uint64(expires)), be64(twin), provider[:])
}

// AttestKYC records, signed by a KYC provider the governance allows, that twin Twin passed the
// provider's verification at Level until Expires (unix seconds, after the block's time). Ref is
// the provider's opaque reference to its own record: no personal data belongs on the chain. It
// replaces an earlier attestation by the same provider.
type AttestKYC struct {
	Twin    uint64
	Level   uint8
	Ref     string
	Expires int64
}

// RevokeKYC withdraws the attestation the signing provider made for twin Twin.
type RevokeKYC struct {
	Twin   uint64
	Reason string
}

func (m *AttestKYC) Kind() Kind { return KindAttestKYC }
func (m *RevokeKYC) Kind() Kind { return KindRevokeKYC }
func (m *AttestKYC) encode(e *enc) {
	e.u64(m.Twin)
	e.u8(m.Level)
	e.str(m.Ref)
	e.u64(uint64(m.Expires))
}
func (m *AttestKYC) decode(d *dec) {
	m.Twin, m.Level, m.Ref, m.Expires = d.u64(), d.u8(), d.str(), int64(d.u64())
}
func (m *RevokeKYC) encode(e *enc) { e.u64(m.Twin); e.str(m.Reason) }
func (m *RevokeKYC) decode(d *dec) { m.Twin, m.Reason = d.u64(), d.str() }

// KYCStatus is where an attestation stands.
type KYCStatus uint8

// Attestation states: valid until it expires by block time or is revoked.
const (
	KYCValid   KYCStatus = 1
	KYCExpired KYCStatus = 2
	KYCRevoked KYCStatus = 3
)

func (s KYCStatus) String() string {
	switch s {
	case KYCValid:
		return "valid"
	case KYCExpired:
		return "expired"
	case KYCRevoked:
		return "revoked"
	}
	return "status(" + strconv.Itoa(int(s)) + ")"
}

// KYC is one provider's attestation about a twin.
type KYC struct {
	Twin     uint64    `json:"twin"`
	Provider [32]byte  `json:"provider"`
	Level    uint8     `json:"level"`
	Ref      string    `json:"ref"`
	Issued   int64     `json:"issued"`  // block time of the attestation, unix seconds
	Expires  int64     `json:"expires"` // unix seconds
	Height   int64     `json:"height"`  // height of the attestation
	Status   KYCStatus `json:"status"`
	Changed  int64     `json:"changed"` // height of the last change of status (the attestation's own at first)
	Note     string    `json:"note"`    // why it was revoked, and by whom
}

// Encode returns the stored form of the attestation.
func (k KYC) Encode() []byte {
	e := enc{}
	e.u64(k.Twin)
	e.key(k.Provider)
	e.u8(k.Level)
	e.str(k.Ref)
	e.u64(uint64(k.Issued))
	e.u64(uint64(k.Expires))
	e.u64(uint64(k.Height))
	e.u8(uint8(k.Status))
	e.u64(uint64(k.Changed))
	e.str(k.Note)
	return e.b
}

// DecodeKYC parses a stored attestation.
func DecodeKYC(b []byte) (k KYC, err error) {
	d := dec{b: b}
	k.Twin, k.Provider, k.Level, k.Ref = d.u64(), d.key(), d.u8(), d.str()
	k.Issued, k.Expires, k.Height = int64(d.u64()), int64(d.u64()), int64(d.u64())
	k.Status, k.Changed, k.Note = KYCStatus(d.u8()), int64(d.u64()), d.str()
	return k, d.end("kyc attestation")
}

// Valid reports whether the attestation holds at time now (unix seconds).
func (k KYC) Valid(now int64) bool { return k.Status == KYCValid && now < k.Expires }

// Audit kinds of KYC, recorded by the chain on the twin's audit log.
const (
	auditKYCAttested = "kyc_attested"
	auditKYCRevoked  = "kyc_revoked"
	auditKYCExpired  = "kyc_expired"
)

// chainAuditKind reports whether an audit kind is one only the chain records.
func chainAuditKind(kind string) bool { return strings.HasPrefix(kind, "kyc_") }

func (o *overlay) kyc(twin uint64, provider [32]byte) (KYC, error) {
	v, err := o.get(KYCKey(twin, provider))
	if err != nil {
		return KYC{}, refuse(CodeInternal, "read kyc: %w", err)
	}
	if v == nil {
		return KYC{}, refuse(CodeNotFound, "no attestation of twin %d by %x", twin, provider[:8])
	}
	k, err := DecodeKYC(v)
	if err != nil {
		return KYC{}, refuse(CodeInternal, "%w", err)
	}
	return k, nil
}

func isoTime(unix int64) string { return time.Unix(unix, 0).UTC().Format(time.RFC3339) }

func attestKYC(o *overlay, signer [32]byte, m *AttestKYC) error {
	if ok, err := o.isProvider(signer); err != nil {
		return err
	} else if !ok {
		return refuse(CodeNotKYCProvider, "account %x is not a KYC provider allowed by governance", signer[:8])
	}
	if _, err := o.twin(m.Twin); err != nil {
		return err
	}
	if m.Level == 0 {
		return refuse(CodeInvalid, "kyc level must be 1 or more")
	}
	if err := validText("kyc reference", m.Ref, 0, 128); err != nil {
		return err
	}
	if m.Expires <= o.now {
		return refuse(CodeInvalid, "kyc expiry %s is not after the block time %s", isoTime(m.Expires), isoTime(o.now))
	}
	if old, err := o.kyc(m.Twin, signer); err == nil {
		if old.Status == KYCValid {
			o.del(kycExpiryKey(old.Expires, old.Twin, signer))
		}
	} else if codeOf(err) != CodeNotFound {
		return err
	}
	k := KYC{Twin: m.Twin, Provider: signer, Level: m.Level, Ref: m.Ref, Issued: o.now, Expires: m.Expires,
		Height: o.height, Status: KYCValid, Changed: o.height}
	o.put(KYCKey(m.Twin, signer), k.Encode())
	o.put(kycExpiryKey(m.Expires, m.Twin, signer), present)
	o.event("kyc", "twin", u(m.Twin), "provider", hex.EncodeToString(signer[:]), "action", "attest", "level", strconv.Itoa(int(m.Level)))
	return o.audit(m.Twin, auditKYCAttested, "provider "+hex.EncodeToString(signer[:])+" level "+
		strconv.Itoa(int(m.Level))+" until "+isoTime(m.Expires)+" ref "+m.Ref)
}

// revokeKYC marks the attestation provider made for twin revoked; by names who did it.
func revokeKYC(o *overlay, twin uint64, provider [32]byte, by string) error {
	k, err := o.kyc(twin, provider)
	if err != nil {
		return err
	}
	if k.Status != KYCValid {
		return refuse(CodeConflict, "the attestation of twin %d by %x is already %s", twin, provider[:8], k.Status)
	}
	o.del(kycExpiryKey(k.Expires, twin, provider))
	k.Status, k.Changed, k.Note = KYCRevoked, o.height, by
	o.put(KYCKey(twin, provider), k.Encode())
	o.event("kyc", "twin", u(twin), "provider", hex.EncodeToString(provider[:]), "action", "revoke")
	return o.audit(twin, auditKYCRevoked, "provider "+hex.EncodeToString(provider[:])+" revoked by "+by)
}

func execKYC(o *overlay, signer [32]byte, m Msg) error {
	switch m := m.(type) {
	case *AttestKYC:
		return attestKYC(o, signer, m)
	case *RevokeKYC:
		if err := validText("revocation reason", m.Reason, 0, 256); err != nil {
			return err
		}
		by := "provider"
		if m.Reason != "" {
			by += ": " + m.Reason
		}
		return revokeKYC(o, m.Twin, signer, by)
	}
	return refuse(CodeDecode, "unknown message %T", m)
}

// expireKYC marks expired every valid attestation whose expiry is at or before the block time.
func expireKYC(o *overlay) error {
	if o.now < 0 {
		return nil
	}
	keys, err := keysInRange(o.tree, []byte{prefixKYCExpiry}, keyOf(prefixKYCExpiry, be64(uint64(o.now)+1)))
	if err != nil {
		return err
	}
	for _, key := range keys {
		var provider [32]byte
		twin := be64of(key[9:17])
		copy(provider[:], key[17:])
		o.del(key)
		k, err := o.kyc(twin, provider)
		if err != nil {
			return err
		}
		if k.Status != KYCValid || int64(be64of(key[1:9])) != k.Expires {
			continue
		}
		k.Status, k.Changed = KYCExpired, o.height
		o.put(KYCKey(twin, provider), k.Encode())
		o.event("kyc", "twin", u(twin), "provider", hex.EncodeToString(provider[:]), "action", "expire")
		if err := o.audit(twin, auditKYCExpired, "provider "+hex.EncodeToString(provider[:])+" level "+
			strconv.Itoa(int(k.Level))+" expired "+isoTime(k.Expires)); err != nil {
			return err
		}
	}
	return nil
}

// kycLevel is the highest level among the twin's valid attestations by providers still allowed.
func kycLevel(o *overlay, twin uint64) (uint8, error) {
	keys, err := o.keysWithPrefix(keyOf(prefixKYC, be64(twin)))
	if err != nil {
		return 0, err
	}
	var best uint8
	for _, key := range keys {
		v, err := o.get(key)
		if err != nil {
			return 0, refuse(CodeInternal, "read kyc: %w", err)
		}
		if v == nil {
			continue
		}
		k, err := DecodeKYC(v)
		if err != nil {
			return 0, refuse(CodeInternal, "%w", err)
		}
		if !k.Valid(o.now) || k.Level <= best {
			continue
		}
		if ok, err := o.isProvider(k.Provider); err != nil {
			return 0, err
		} else if ok {
			best = k.Level
		}
	}
	return best, nil
}

// deleteKYC removes a deleted twin's attestations.
func deleteKYC(o *overlay, twin uint64) error {
	keys, err := o.keysWithPrefix(keyOf(prefixKYC, be64(twin)))
	if err != nil {
		return err
	}
	for _, key := range keys {
		k, err := o.kyc(twin, [32]byte(key[9:]))
		if err != nil {
			return err
		}
		if k.Status == KYCValid {
			o.del(kycExpiryKey(k.Expires, twin, k.Provider))
		}
		o.del(key)
	}
	return nil
}

// KYCCredential is a twin's KYC attestation as its DID document shows it, shaped like a W3C
// verifiable credential (without a proof of its own: it is proven by the chain's state).
type KYCCredential struct {
	Type              []string          `json:"type"`
	Issuer            string            `json:"issuer"`
	ValidFrom         string            `json:"validFrom"`
	ValidUntil        string            `json:"validUntil"`
	CredentialSubject KYCSubject        `json:"credentialSubject"`
	CredentialStatus  string            `json:"credentialStatus"`
	Evidence          map[string]string `json:"evidence,omitempty"`
}

// KYCSubject is what a KYC credential says about the twin.
type KYCSubject struct {
	ID    string `json:"id"`
	Level uint8  `json:"kycLevel"`
}

// ProviderDID is the did:key of a KYC provider's account key.
func ProviderDID(provider [32]byte) string {
	return "did:key:" + multibase([]byte{0xed, 0x01}, provider)
}

// DIDWithKYC is the twin's DID document with its KYC attestations as credentials.
func DIDWithKYC(t Twin, kyc []KYC) DIDDocument {
	doc := DID(t)
	for _, k := range kyc {
		if k.Twin != t.ID {
			continue
		}
		c := KYCCredential{Type: []string{"VerifiableCredential", "PlanetaryKYC"}, Issuer: ProviderDID(k.Provider),
			ValidFrom: isoTime(k.Issued), ValidUntil: isoTime(k.Expires),
			CredentialSubject: KYCSubject{ID: doc.ID, Level: k.Level}, CredentialStatus: k.Status.String()}
		if k.Ref != "" {
			c.Evidence = map[string]string{"reference": k.Ref}
		}
		doc.KYC = append(doc.KYC, c)
	}
	return doc
}

// kycOf reads a twin's attestations from a saved version; unreadable entries are skipped.
func kycOf(imm *iavl.ImmutableTree, twin uint64) []KYC {
	var out []KYC
	prefix := keyOf(prefixKYC, be64(twin))
	imm.IterateRange(prefix, prefixEnd(prefix), true, func(_, v []byte) bool {
		if k, err := DecodeKYC(v); err == nil {
			out = append(out, k)
		}
		return len(out) >= maxListLimit
	})
	return out
}
