package chainledger_test

import (
	"context"
	"crypto/ed25519"
	"log"
	"time"

	"github.com/freeflowuniverse/planetary/chain/client"
	"github.com/freeflowuniverse/planetary/pin/chainledger"
	"github.com/freeflowuniverse/planetary/pin/ledger"
)

// A pinning node on the chain: register, keep beating, follow its allocations.
func Example() {
	ctx := context.Background()
	c, err := client.Dial(ctx, "http://127.0.0.1:26657", client.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	_, nodeKey, _ := ed25519.GenerateKey(nil)
	l := chainledger.New(c, nodeKey)
	if err := l.Register(ctx, ledger.Node{Name: "a", API: "http://10.0.0.1:9800", Capacity: 100 << 30,
		PriceStorage: 1000, PriceServed: 100}); err != nil {
		log.Fatal(err)
	}
	every, err := l.HeartbeatInterval(ctx)
	if err != nil {
		log.Fatal(err)
	}
	go func() {
		for range time.Tick(every) {
			if err := l.Heartbeat(ctx, nil); err != nil { // bytes served per owner since the last one
				log.Print(err)
			}
		}
	}()
	allocs, err := l.Allocations(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for a := range allocs {
		if a.Hold {
			// fetch a.CID from a.From (or anywhere), then:
			if err := l.Confirm(ctx, a.CID); err != nil {
				log.Print(err)
			}
		}
	}
}
