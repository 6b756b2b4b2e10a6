package chain

import (
	"encoding/hex"
	"math/big"
	"strconv"
)

// DIDMethod is the DID method of Planetary twins: did:planetary:<twin id>.
const DIDMethod = "did:planetary:"

// DIDDocument is a W3C DID Core document for one twin.
type DIDDocument struct {
	Context            []string             `json:"@context"`
	ID                 string               `json:"id"`
	Controller         string               `json:"controller"`
	VerificationMethod []VerificationMethod `json:"verificationMethod"`
	Authentication     []string             `json:"authentication"`
	AssertionMethod    []string             `json:"assertionMethod"`
	KeyAgreement       []string             `json:"keyAgreement"`
	Service            []DIDService         `json:"service"`
	// KYC holds the twin's KYC attestations (see DIDWithKYC); DID alone leaves it empty.
	KYC []KYCCredential `json:"planetaryKYC,omitempty"`
}

// VerificationMethod is one key of a DID document.
type VerificationMethod struct {
	ID                 string `json:"id"`
	Type               string `json:"type"`
	Controller         string `json:"controller"`
	PublicKeyMultibase string `json:"publicKeyMultibase"`
}

// DIDService is one service endpoint of a DID document.
type DIDService struct {
	ID              string `json:"id"`
	Type            string `json:"type"`
	ServiceEndpoint string `json:"serviceEndpoint"`
}

// TwinDID is the DID of twin id.
func TwinDID(id uint64) string { return DIDMethod + strconv.FormatUint(id, 10) }

// multibase encodes a key as base58btc with its multicodec prefix, as did:key does.
func multibase(codec []byte, key [32]byte) string {
	return "z" + base58(append(codec, key[:]...))
}

// DID derives the twin's DID document from its chain record; the chain stores no separate copy.
func DID(t Twin) DIDDocument {
	id := TwinDID(t.ID)
	return DIDDocument{
		Context:    []string{"https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"},
		ID:         id,
		Controller: id,
		VerificationMethod: []VerificationMethod{
			{ID: id + "#ed25519", Type: "Multikey", Controller: id, PublicKeyMultibase: multibase([]byte{0xed, 0x01}, t.Key)},
			{ID: id + "#x25519", Type: "Multikey", Controller: id, PublicKeyMultibase: multibase([]byte{0xec, 0x01}, t.X25519)},
		},
		Authentication:  []string{id + "#ed25519"},
		AssertionMethod: []string{id + "#ed25519"},
		KeyAgreement:    []string{id + "#x25519"},
		Service: []DIDService{{ID: id + "#pnic", Type: "PlanetaryPNIC",
			ServiceEndpoint: "pnic:" + hex.EncodeToString(t.PNIC[:])}},
	}
}

const b58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

// base58 encodes b in the Bitcoin alphabet.
func base58(b []byte) string {
	n := new(big.Int).SetBytes(b)
	var out []byte
	mod, radix := new(big.Int), big.NewInt(58)
	for n.Sign() > 0 {
		n.DivMod(n, radix, mod)
		out = append(out, b58[mod.Int64()])
	}
	for _, c := range b {
		if c != 0 {
			break
		}
		out = append(out, '1')
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return string(out)
}
