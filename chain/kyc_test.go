package chain

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func kycList(t *testing.T, app *App, twin uint64) map[[32]byte]KYC {
	t.Helper()
	l, err := DecodeList(query(t, app, "kyc/"+u(twin)).Value)
	if err != nil {
		t.Fatal(err)
	}
	out := map[[32]byte]KYC{}
	for _, e := range l {
		k, err := DecodeKYC(e.Value)
		if err != nil {
			t.Fatal(err)
		}
		out[k.Provider] = k
	}
	return out
}

func auditKinds(t *testing.T, app *App, twin uint64) string {
	t.Helper()
	l, err := DecodeList(query(t, app, "audit/"+u(twin)).Value)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range l {
		ev, _ := DecodeAuditEvent(e.Value)
		kinds = append(kinds, ev.Kind)
	}
	return strings.Join(kinds, " ")
}

// TestKYCAttestExpireRevoke: providers the governance allows attest; an attestation expires by
// block time, a provider revokes its own, the governance revokes another and removes a provider;
// every step is on the twin's audit log, in the proven kyc/<twin> answer and in the DID document.
func TestKYCAttestExpireRevoke(t *testing.T) {
	alice, p1, p2, p3, stranger := newAccount(1), newAccount(21), newAccount(22), newAccount(23), newAccount(24)
	app := newApp(t, `{"params":{"dao.quorum":1,"dao.period":1},"kyc_providers":[
		{"address":"`+HexKey(p1.pub)+`","label":"one"},{"address":"`+HexKey(p2.pub)+`"},{"address":"`+HexKey(p3.pub)+`"}]}`)
	wantCodes(t, blockAt(t, app, 1, t0,
		alice.tx(&RegisterTwin{Key: [32]byte{1}}),
		p1.tx(&AttestKYC{Twin: 1, Level: 1, Ref: "one-1", Expires: t0.Add(10 * time.Second).Unix()}),
		p2.tx(&AttestKYC{Twin: 1, Level: 3, Ref: "two-1", Expires: t0.Add(time.Hour).Unix()}),
		p3.tx(&AttestKYC{Twin: 1, Level: 2, Ref: "three-1", Expires: t0.Add(time.Hour).Unix()}),
		stranger.tx(&AttestKYC{Twin: 1, Level: 2, Expires: t0.Add(time.Hour).Unix()}),
		p1.tx(&AttestKYC{Twin: 2, Level: 2, Expires: t0.Add(time.Hour).Unix()}),
		p1.tx(&AttestKYC{Twin: 1, Level: 0, Expires: t0.Add(time.Hour).Unix()}),
		p1.tx(&AttestKYC{Twin: 1, Level: 1, Expires: t0.Unix()}),
		alice.tx(&ReportAudit{Twin: 1, Event: "kyc_attested"}),
		stranger.tx(&RevokeKYC{Twin: 1}),
	).TxResults, []uint32{0, 0, 0, 0, CodeNotKYCProvider, CodeNotFound, CodeInvalid, CodeInvalid, CodeInvalid, CodeNotFound})
	if k := kycList(t, app, 1); len(k) != 3 || k[p1.pub].Status != KYCValid || k[p1.pub].Ref != "one-1" || k[p2.pub].Level != 3 {
		t.Fatalf("attestations %+v", k)
	}
	// Each listed attestation is proven.
	l := provenList(t, app, "kyc/1")
	if k, err := DecodeKYC(l[0].Value); err != nil || k.Twin != 1 || len(l) != 3 {
		t.Fatalf("first of %d attestations %+v %v", len(l), k, err)
	}

	blockAt(t, app, 2, t0.Add(9*time.Second))
	if k := kycList(t, app, 1); k[p1.pub].Status != KYCValid {
		t.Fatalf("expired early: %+v", k[p1.pub])
	}
	res := blockAt(t, app, 3, t0.Add(10*time.Second),
		p2.tx(&RevokeKYC{Twin: 1, Reason: "document withdrawn"}),
		p2.tx(&RevokeKYC{Twin: 1}),
		alice.tx(&Propose{Twin: 1, Title: "revoke three", Change: Change{Action: ActionRevokeKYC, Account: p3.pub, Twin: 1}}),
		alice.tx(&Propose{Twin: 1, Title: "drop two", Change: Change{Action: ActionRemoveKYCProvider, Account: p2.pub}}),
		alice.tx(&Propose{Twin: 1, Title: "revoke twice", Change: Change{Action: ActionRevokeKYC, Account: p2.pub, Twin: 1}}),
	)
	wantCodes(t, res.TxResults, []uint32{0, CodeConflict, 0, 0, CodeConflict})
	k3 := kycList(t, app, 1)
	if k3[p1.pub].Status != KYCExpired || k3[p1.pub].Changed != 3 || k3[p2.pub].Status != KYCRevoked ||
		!strings.Contains(k3[p2.pub].Note, "document withdrawn") {
		t.Fatalf("after expiry and revocation: %+v", k3)
	}
	wantCodes(t, blockAt(t, app, 4, t0.Add(20*time.Second),
		alice.tx(&Vote{Proposal: 1, Twin: 1, Choice: VoteYes}),
		alice.tx(&Vote{Proposal: 2, Twin: 1, Choice: VoteYes}),
	).TxResults, []uint32{0, 0})
	wantCodes(t, blockAt(t, app, 5, t0.Add(30*time.Second),
		p2.tx(&AttestKYC{Twin: 1, Level: 1, Expires: t0.Add(time.Hour).Unix()}),
		p1.tx(&AttestKYC{Twin: 1, Level: 2, Ref: "one-2", Expires: t0.Add(time.Hour).Unix()}),
	).TxResults, []uint32{CodeNotKYCProvider, 0})
	k5 := kycList(t, app, 1)
	if k5[p3.pub].Status != KYCRevoked || k5[p3.pub].Note != "governance" || k5[p1.pub].Status != KYCValid || k5[p1.pub].Level != 2 {
		t.Fatalf("after the governance's revocation and a renewal: %+v", k5)
	}
	if got, want := auditKinds(t, app, 1), "kyc_attested kyc_attested kyc_attested kyc_revoked kyc_expired kyc_revoked kyc_attested"; got != want {
		t.Errorf("audit log %q, want %q", got, want)
	}

	var doc DIDDocument
	if err := json.Unmarshal(query(t, app, "did/1").Value, &doc); err != nil {
		t.Fatal(err)
	}
	status := map[string]string{}
	for _, c := range doc.KYC {
		status[c.Issuer] = c.CredentialStatus
		if c.CredentialSubject.ID != "did:planetary:1" {
			t.Errorf("credential about %q", c.CredentialSubject.ID)
		}
	}
	if len(doc.KYC) != 3 || status[ProviderDID(p1.pub)] != "valid" || status[ProviderDID(p2.pub)] != "revoked" ||
		status[ProviderDID(p3.pub)] != "revoked" {
		t.Fatalf("DID credentials %+v", doc.KYC)
	}

	// Deleting the twin deletes its attestations and their expiry entries.
	wantCodes(t, blockAt(t, app, 6, t0.Add(40*time.Second), alice.tx(&DeleteTwin{ID: 1})).TxResults, []uint32{0})
	if k := kycList(t, app, 1); len(k) != 0 {
		t.Errorf("a deleted twin keeps %d attestations", len(k))
	}
	blockAt(t, app, 7, t0.Add(2*time.Hour)) // the sweep finds nothing left to expire
}
