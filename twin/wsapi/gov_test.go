package wsapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/freeflowuniverse/planetary/chain"
	"github.com/freeflowuniverse/planetary/chain/chaintest"
	chainclient "github.com/freeflowuniverse/planetary/chain/client"
	"github.com/freeflowuniverse/planetary/rmb/client"
	"github.com/freeflowuniverse/planetary/rmb/schema"
	"github.com/freeflowuniverse/planetary/twin/auth"
	"github.com/freeflowuniverse/planetary/twin/directory"
	"github.com/freeflowuniverse/planetary/twin/internal/twintest"
	"github.com/freeflowuniverse/planetary/twin/services"
	"github.com/freeflowuniverse/planetary/twin/store"
	"github.com/freeflowuniverse/planetary/twin/web"
	"github.com/freeflowuniverse/planetary/twin/wsapi"
)

// newChainEnv is newEnv with the twin's directory on a real dev chain, where the dev account owns
// the twin (the chain's first, so twin 1) and is also a KYC provider.
func newChainEnv(t *testing.T) (*env, *chainclient.Client, *chainclient.Signer) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dev := chaintest.StartDev(t)
	cc, err := chainclient.Dial(ctx, dev.RPC, chainclient.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	p := twintest.NewPNIC(t)
	k := p.AddTwin(t, 1)
	dir := directory.NewChain(cc, dev.DevKey, filepath.Join(t.TempDir(), "circles.json"))
	if err := dir.Register(ctx, directory.Record{ID: 1, SigningKey: k.SigningPublic(), EncryptionKey: k.EncryptionPublic(),
		PNIC: p.Key}); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c, err := client.Dial(ctx, client.Config{Path: p.Socket, Keys: k})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	tw := services.New(services.Config{Client: c, Store: st, Directory: dir, Self: 1})
	loginDir := filepath.Join(t.TempDir(), "login")
	au := auth.New(loginDir, st, auth.Options{Twin: 1})
	ws := wsapi.New(wsapi.Config{Twin: tw, Auth: au, Version: "test"})
	srv := httptest.NewServer(web.Handler(web.Config{Auth: au, WS: ws, Upload: http.HandlerFunc(ws.Upload), Download: http.HandlerFunc(ws.Serve),
		CloseSession: ws.CloseSession}))
	t.Cleanup(func() { srv.CloseClientConnections(); srv.Close(); ws.Wait() })
	rctx, stop := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() { tw.Run(rctx); close(ran) }()
	t.Cleanup(func() { stop(); <-ran })
	return &env{srv: srv, loginDir: loginDir, auth: au, twin: tw, pnic: p}, cc, chainclient.NewSigner(dev.DevKey)
}

func wantNoError(t *testing.T, r schema.WsResponse) {
	t.Helper()
	if r.Which() == schema.WsResponse_Which_error {
		msg, _ := r.Error()
		t.Fatalf("error response: %s", msg)
	}
}

// TestGovernanceOverWebsocket: the owner proposes, votes, lists proposals with its own vote,
// reads its KYC attestations and its audit log newest first, all through the twin's websocket,
// the twin reading the chain with proofs.
func TestGovernanceOverWebsocket(t *testing.T) {
	e, cc, dev := newChainEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conn, _, err := e.dial(ctx, e.login(t), e.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()

	r := call(t, ctx, conn, 1, func(rq schema.WsRequest) error {
		d, err := rq.NewPropose()
		if err != nil {
			return err
		}
		d.SetAction(uint8(chain.ActionSetParam))
		d.SetValue(2)
		if err := d.SetParam("pin.price.served"); err != nil {
			return err
		}
		return d.SetTitle("charge for serving")
	})
	wantNoError(t, r)
	p, _ := r.Proposal()
	title, _ := p.Title()
	if st, _ := p.Status(); p.Id() != 1 || st != "open" || title != "charge for serving" || p.Quorum() != 1 {
		t.Fatalf("proposal %d %q status %q quorum %d", p.Id(), title, st, p.Quorum())
	}
	r = call(t, ctx, conn, 2, func(rq schema.WsRequest) error {
		v, err := rq.NewVote()
		if err != nil {
			return err
		}
		v.SetProposal(1)
		v.SetChoice(uint8(chain.VoteYes))
		return nil
	})
	wantNoError(t, r)
	if p, _ := r.Proposal(); p.Yes() != 1 || p.MyVote() != uint8(chain.VoteYes) {
		t.Fatalf("after the vote: yes %d, my vote %d", p.Yes(), p.MyVote())
	}
	r = call(t, ctx, conn, 3, func(rq schema.WsRequest) error {
		v, err := rq.NewVote()
		if err != nil {
			return err
		}
		v.SetProposal(1)
		v.SetChoice(uint8(chain.VoteNo))
		return nil
	})
	if msg, _ := r.Error(); r.Which() != schema.WsResponse_Which_error || !strings.Contains(msg, "already voted") {
		t.Fatalf("second vote answered %v %q", r.Which(), msg)
	}
	r = call(t, ctx, conn, 4, func(rq schema.WsRequest) error { rq.SetProposals(0); return nil })
	wantNoError(t, r)
	if l, _ := r.Proposals(); l.Len() != 1 || l.At(0).MyVote() != uint8(chain.VoteYes) {
		t.Fatalf("proposals: %d, my vote %d", l.Len(), l.At(0).MyVote())
	}

	res, err := cc.Submit(ctx, dev, &chain.AttestKYC{Twin: 1, Level: 2, Ref: "case-1", Expires: time.Now().Add(time.Hour).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	if err := cc.WaitHeight(ctx, res.Height+1); err != nil {
		t.Fatal(err)
	}
	r = call(t, ctx, conn, 5, func(rq schema.WsRequest) error { rq.SetKyc(); return nil })
	wantNoError(t, r)
	k, _ := r.Kyc()
	if k.Len() != 1 {
		t.Fatalf("%d attestations", k.Len())
	}
	if st, _ := k.At(0).Status(); st != "valid" || k.At(0).Level() != 2 {
		t.Fatalf("attestation %q level %d", st, k.At(0).Level())
	}
	r = call(t, ctx, conn, 6, func(rq schema.WsRequest) error {
		a, err := rq.NewAudit()
		if err != nil {
			return err
		}
		a.SetLimit(10)
		return nil
	})
	wantNoError(t, r)
	if l, _ := r.Audit(); l.Len() == 0 {
		t.Fatal("empty audit log")
	} else if kind, _ := l.At(0).Kind(); kind != "kyc_attested" {
		t.Fatalf("newest audit event %q, want kyc_attested", kind)
	}

	// The decided proposal's change took effect on the chain.
	decided, err := cc.WaitDecided(ctx, 1)
	if err != nil || decided.Status != chain.ProposalExecuted {
		t.Fatalf("proposal 1 %+v %v", decided, err)
	}
	if v, _, err := cc.Param(ctx, "pin.price.served"); err != nil || v != 2 {
		t.Fatalf("pin.price.served = %d %v", v, err)
	}
}

// TestGovernanceNeedsChain: a twin whose directory is a file says governance needs the chain.
func TestGovernanceNeedsChain(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, _, err := e.dial(ctx, e.login(t), e.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	r := call(t, ctx, conn, 1, func(rq schema.WsRequest) error { rq.SetKyc(); return nil })
	if msg, _ := r.Error(); r.Which() != schema.WsResponse_Which_error || !strings.Contains(msg, "--chain") {
		t.Fatalf("kyc on a file directory: %v %q", r.Which(), msg)
	}
}
