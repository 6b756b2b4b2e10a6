package client

import (
	"testing"

	"github.com/freeflowuniverse/planetary/chain"
)

// FuzzNodeAnswers feeds arbitrary node answers to the two decoders of the node's own words: the
// JSON-RPC error of a websocket answer and the expected sequence in a refusal's log. Neither may
// panic, and a parsed sequence is the one the log names.
func FuzzNodeAnswers(f *testing.F) {
	f.Add([]byte(`{"jsonrpc":"2.0","id":1,"result":{}}`), "sequence 3, want 5")
	f.Add([]byte(`{"jsonrpc":"2.0","id":1,"error":{"code":-32603,"message":"Internal error","data":"x"}}`), "sequence 1, want 18446744073709551615")
	f.Add([]byte(`{"error":null}`), "sequence 1, want 99999999999999999999999")
	f.Add([]byte(`not json`), "")
	f.Fuzz(func(t *testing.T, answer []byte, log string) {
		_ = rpcError(answer)
		s := &Signer{}
		s.refused(7, chain.CodeSequence, log)
		if s.loaded && wantSeq.FindStringSubmatch(log) == nil {
			t.Fatalf("sequence taken from a log that names none: %q", log)
		}
	})
}
