package pinclient

import "testing"

// FuzzDecode feeds the decoders of the node's answers arbitrary bytes: an error or a value, never a crash.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"requestid":"x","status":"pinned","pin":{"cid":"bafy","name":"n"},"info":{"replicas":"2","allocations":"a,b"}}`))
	f.Add([]byte(`{"count":1,"results":[{"pin":{"cid":"Qm"},"info":{"allocations":","}}]}`))
	f.Add([]byte(`{"balance":1,"stored_bytes":2}`))
	f.Add([]byte("{\"Name\":\"a\",\"Hash\":\"Qm\",\"Size\":\"12\"}\n"))
	f.Add([]byte(`{"error":{"reason":"INSUFFICIENT_FUNDS","details":"balance 0"}}`))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, b []byte) {
		DecodePin(b)
		DecodeList(b)
		DecodeAccount(b)
		DecodeAdd(b)
		if err := DecodeError(409, b); err == nil || err.Error() == "" {
			t.Fatal("DecodeError gave no error")
		}
	})
}
