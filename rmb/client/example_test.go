package client_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/freeflowuniverse/planetary/rmb/bus"
	"github.com/freeflowuniverse/planetary/rmb/client"
	"github.com/freeflowuniverse/planetary/rmb/resolve"
	"github.com/freeflowuniverse/planetary/rmb/seal"
	"github.com/freeflowuniverse/planetary/rmb/socket"
)

// Example runs a PNIC's bus and socket in-process and has two twins it hosts exchange a message,
// a request and a ping.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dir, _ := os.MkdirTemp("", "rmbexample")
	defer os.RemoveAll(dir)

	// The PNIC side: its key, the PacketConn it gives the bus, a resolver and the socket.
	_, pnicKey, _ := ed25519.GenerateKey(nil)
	pc, _ := net.ListenPacket("udp", "127.0.0.1:0")
	defer pc.Close()
	alice, _ := seal.GenerateTwinKeys(1)
	bob, _ := seal.GenerateTwinKeys(2)
	res := resolve.NewStatic()
	for _, k := range []seal.TwinKeys{alice, bob} {
		res.Put(resolve.TwinInfo{ID: k.ID, SigningKey: k.SigningPublic(), EncryptionKey: k.EncryptionPublic(),
			PNIC: pnicKey.Public().(ed25519.PublicKey)})
	}
	b, err := bus.New(bus.Config{
		Conn:     pc,
		Locate:   func(ed25519.PublicKey) (net.Addr, error) { return pc.LocalAddr(), nil },
		Key:      pnicKey,
		Resolver: res,
		DataDir:  filepath.Join(dir, "rmb"),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer b.Close()
	srv, err := socket.Listen(socket.Config{Path: filepath.Join(dir, "pnic.sock"), Bus: b})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()

	// The twins' side.
	a, err := client.Dial(ctx, client.Config{Path: filepath.Join(dir, "pnic.sock"), Keys: alice})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer a.Close()
	bb, err := client.Dial(ctx, client.Config{Path: filepath.Join(dir, "pnic.sock"), Keys: bob})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer bb.Close()
	got := make(chan string, 1)
	go func() {
		for m := range bb.Messages() {
			if m.Kind == seal.KindRequest {
				bb.Reply(ctx, m, 0, []byte("hi alice"))
			} else {
				got <- fmt.Sprintf("bob got %q from twin %d", m.Body, m.From)
			}
			m.Ack()
		}
	}()

	r, err := a.SendWait(ctx, client.Outgoing{To: 2, Command: "chat", Body: []byte("hello bob")})
	fmt.Println("delivered:", r.Delivered, err)
	fmt.Println(<-got)
	resp, err := a.Request(ctx, client.Outgoing{To: 2, Command: "greet", Body: []byte("hi?")})
	if err == nil {
		fmt.Printf("response %q\n", resp.Body)
	}
	if _, err := a.Ping(ctx, 2); err == nil {
		fmt.Println("ping answered")
	}
	// Output:
	// delivered: true <nil>
	// bob got "hello bob" from twin 1
	// response "hi alice"
	// ping answered
}
