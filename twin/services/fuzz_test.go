package services

import (
	"bytes"
	"testing"
	"time"

	"github.com/freeflowuniverse/planetary/rmb/client"
	"github.com/freeflowuniverse/planetary/rmb/schema"
	"github.com/freeflowuniverse/planetary/twin/store"
)

// FuzzPayloads feeds arbitrary bytes to every decoder of what other twins send: none may panic,
// and what they accept must respect the limits.
func FuzzPayloads(f *testing.F) {
	note, _ := encodeNote("hi")
	chat, _ := encodeChat(store.Message{ID: store.MessageID{1}, Text: "hello", Sent: time.Unix(1, 0)})
	circleChat, _ := encodeChat(store.Message{ID: store.MessageID{4}, Text: "hi all", Sent: time.Unix(2, 0), Circle: "friends"})
	receipt, _ := encodeReceipt(store.MessageID{2}, schema.ChatState_read, 5, "")
	offer, _ := encodeFileInfo(store.File{SHA256: [32]byte{3}, Name: "a.txt", Size: 10})
	chunk, _ := encodeChunk(0, 10, []byte("0123456789"), "")
	refusal, _ := encodeFileRefusal([32]byte{5}, FileRefusalText(2))
	for _, b := range [][]byte{note, chat, circleChat, receipt, offer, chunk, refusal, {}, []byte("garbage")} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if n, err := decodeNote(b); err == nil && len(n) > MaxNote {
			t.Fatalf("note of %d bytes accepted", len(n))
		}
		if c, err := decodeChat(b); err == nil && (len(c.text) > MaxText || len(c.circle) > MaxCircleName) {
			t.Fatalf("chat of %d bytes (circle %d bytes) accepted", len(c.text), len(c.circle))
		}
		if r, err := decodeReceipt(b); err == nil && r.state != schema.ChatState_delivered && r.state != schema.ChatState_read && r.state != schema.ChatState_refused {
			t.Fatalf("receipt state %v accepted", r.state)
		}
		if fi, err := decodeFileInfo(b); err == nil && (len(fi.Name) > 255 || fi.Size < 0) {
			t.Fatalf("file offer %+v accepted", fi)
		}
		if _, reason, err := decodeFileRefusal(b); err == nil && len(reason) > MaxNote {
			t.Fatalf("refusal reason of %d bytes accepted", len(reason))
		}
		(&Twin{}).chunkData(&client.Message{Schema: schema.FileChunk_TypeID, Body: b}, 0)
	})
}

// FuzzStreamHello feeds arbitrary bytes to the decoders of a file stream's set-up: the hello a
// requester sends the holder over the stream, and the ticket a holder answers over RMB.
func FuzzStreamHello(f *testing.F) {
	var tk [ticketSize]byte
	tk[0], tk[31] = 1, 2
	ticketBody, _ := encodeStreamTicket(tk, DefaultStreamPort, 0, 10)
	for _, b := range [][]byte{encodeHello(tk), []byte(helloMagic), ticketBody, {}, []byte("garbage")} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if k, err := decodeHello(b); err == nil && (len(b) != helloSize || !bytes.Equal(encodeHello(k), b)) {
			t.Fatalf("hello %x accepted as ticket %x", b, k)
		}
		if k, port, err := decodeStreamTicket(b, 0, 10); err == nil && port == 0 {
			t.Fatalf("ticket %x accepted without a port", k)
		}
	})
}
