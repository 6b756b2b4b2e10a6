package client_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"log"

	"github.com/freeflowuniverse/planetary/chain"
	"github.com/freeflowuniverse/planetary/chain/client"
)

// A resolver's use of the chain: look a twin up with a verified proof, then follow changes.
func Example() {
	ctx := context.Background()
	c, err := client.Dial(ctx, "http://127.0.0.1:26657", client.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	t, err := c.FindTwinByID(ctx, 1) // findDigitalTwinById, checked against a light-verified header
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("twin %d: ed25519 %x, x25519 %x, on pnic %x in %s\n", t.ID, t.Key, t.X25519, t.PNIC, t.Loc.City)

	for ev := range c.SubscribeTwins(ctx, 0) { // every register/update/relocate/rotate/delete, in order
		fmt.Println("twin", ev.ID, ev.Action, "now on pnic", chain.HexKey(ev.PNIC))
	}
}

// Registering a twin: a signed tx, waited for until committed.
func ExampleClient_Submit() {
	ctx := context.Background()
	c, err := client.Dial(ctx, "http://127.0.0.1:26657", client.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	_, account, _ := ed25519.GenerateKey(nil) // on a dev chain: the key in ~/.planetary/chain/dev.key
	owner := client.NewSigner(account)
	var twinKey, x25519, pnic [32]byte // the twin's keys and its PNIC's key
	res, err := c.Submit(ctx, owner, &chain.RegisterTwin{Key: twinKey, X25519: x25519, PNIC: pnic,
		Loc: chain.Location{Country: "BE", City: "Ghent", Lat: 51.05, Lon: 3.72}})
	if err != nil {
		log.Fatal(err) // a *client.RefusedError carries the chain's code and log
	}
	fmt.Println("registered at height", res.Height)
}
