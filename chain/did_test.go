package chain

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
)

func unhex(t *testing.T, s string) (k [32]byte) {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		t.Fatalf("bad test key %q", s)
	}
	copy(k[:], b)
	return k
}

// TestDIDDocument checks the document against the did:key test vectors of the W3C CCG
// (ed25519-x25519.json, the key of the all-zero seed and its X25519 counterpart): the same keys
// must give the same multibase strings, and the PNIC appears as the service entry.
func TestDIDDocument(t *testing.T) {
	tw := Twin{ID: 42,
		Key:    unhex(t, "3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29"),
		X25519: unhex(t, "5bf55c73b82ebe22be80f3430667af570fae2556a6415e6b30d4065300aa947d"),
		PNIC:   unhex(t, "00000000000000000000000000000000000000000000000000000000000000ff")}
	doc := DID(tw)
	const id = "did:planetary:42"
	if doc.ID != id || doc.Controller != id {
		t.Fatalf("id %q controller %q", doc.ID, doc.Controller)
	}
	want := []VerificationMethod{
		{ID: id + "#ed25519", Type: "Multikey", Controller: id, PublicKeyMultibase: "z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"},
		{ID: id + "#x25519", Type: "Multikey", Controller: id, PublicKeyMultibase: "z6LShs9GGnqk85isEBzzshkuVWrVKsRp24GnDuHk8QWkARMW"},
	}
	if len(doc.VerificationMethod) != 2 || doc.VerificationMethod[0] != want[0] || doc.VerificationMethod[1] != want[1] {
		t.Fatalf("verification methods %+v\nwant %+v", doc.VerificationMethod, want)
	}
	if len(doc.Authentication) != 1 || doc.Authentication[0] != id+"#ed25519" ||
		len(doc.AssertionMethod) != 1 || doc.AssertionMethod[0] != id+"#ed25519" ||
		len(doc.KeyAgreement) != 1 || doc.KeyAgreement[0] != id+"#x25519" {
		t.Fatalf("relationships: auth %v assert %v agree %v", doc.Authentication, doc.AssertionMethod, doc.KeyAgreement)
	}
	svc := DIDService{ID: id + "#pnic", Type: "PlanetaryPNIC",
		ServiceEndpoint: "pnic:00000000000000000000000000000000000000000000000000000000000000ff"}
	if len(doc.Service) != 1 || doc.Service[0] != svc {
		t.Fatalf("service %+v, want %+v", doc.Service, svc)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"@context", "id", "controller", "verificationMethod", "authentication", "assertionMethod", "keyAgreement", "service"} {
		if _, ok := m[k]; !ok {
			t.Errorf("document has no %q member: %s", k, b)
		}
	}
	if ctx := m["@context"].([]any); len(ctx) == 0 || ctx[0] != "https://www.w3.org/ns/did/v1" {
		t.Errorf("@context %v must start with the DID v1 context", ctx)
	}
}

// TestBase58 checks the encoder against Bitcoin's base58 test vectors, leading zero bytes included.
func TestBase58(t *testing.T) {
	for in, want := range map[string]string{
		"":       "",
		"61":     "2g",
		"626262": "a3gV",
		"636363": "aPEr",
		"73696d706c792061206c6f6e6720737472696e67":           "2cFupjhnEsSn59qHXstmK2ffpLv2",
		"00eb15231dfceb60925886b67d065299925915aeb172c06647": "1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L",
		"516b6fcd0f":           "ABnLTmg",
		"bf4f89001e670274dd":   "3SEo3LWLoPntC",
		"572e4794":             "3EFU7m",
		"ecac89cad93923c02321": "EJDM8drfXA6uyA",
		"10c8511e":             "Rt5zm",
		"00000000000000000000": "1111111111",
	} {
		b, _ := hex.DecodeString(in)
		if got := base58(b); got != want {
			t.Errorf("base58(%s) = %q, want %q", in, got, want)
		}
	}
}

// TestDIDQuery: did/<id> answers the document derived from the committed twin record.
func TestDIDQuery(t *testing.T) {
	alice := newAccount(1)
	app := newApp(t, "")
	twin := newAccount(0) // the all-zero seed of the did:key vectors
	pnic := [32]byte{31: 0xff}
	if r := block(t, app, 1, alice.tx(&RegisterTwin{Key: twin.pub, PNIC: pnic})); r[0].Code != 0 {
		t.Fatalf("register: %s", r[0].Log)
	}
	res, err := app.Query(context.Background(), &abci.QueryRequest{Path: "did/1"})
	if err != nil || res.Code != 0 {
		t.Fatalf("did/1: %v %s", err, res.Log)
	}
	var doc DIDDocument
	if err := json.Unmarshal(res.Value, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.ID != "did:planetary:1" || doc.VerificationMethod[0].PublicKeyMultibase != "z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp" ||
		doc.Service[0].ServiceEndpoint != "pnic:"+HexKey(pnic) {
		t.Fatalf("did/1 = %+v", doc)
	}
	if res, _ := app.Query(context.Background(), &abci.QueryRequest{Path: "did/2"}); res.Code != CodeNotFound {
		t.Fatalf("did/2: code %d, want not found", res.Code)
	}
}
