package webtls

import (
	"os"
	"path/filepath"
	"testing"
)

// TestSelfSigned: made once for the loopback names, reused while it covers the host, made again for
// a host it does not cover or when its files are damaged.
func TestSelfSigned(t *testing.T) {
	dir := t.TempDir()
	c, made, err := SelfSigned(dir, "127.0.0.1")
	if err != nil || !made {
		t.Fatalf("first: made %v, %v", made, err)
	}
	for _, h := range []string{"127.0.0.1", "::1", "localhost"} {
		if err := c.Leaf.VerifyHostname(h); err != nil {
			t.Errorf("does not cover %s: %v", h, err)
		}
	}
	again, made, err := SelfSigned(dir, "localhost")
	if err != nil || made || Fingerprint(again) != Fingerprint(c) {
		t.Fatalf("second start: made %v, %v", made, err)
	}
	other, made, err := SelfSigned(dir, "127.0.0.2")
	if err != nil || !made || other.Leaf.VerifyHostname("127.0.0.2") != nil {
		t.Fatalf("another loopback address: made %v, %v", made, err)
	}
	if err := os.WriteFile(filepath.Join(dir, CertFile), []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := SelfSigned(dir, "127.0.0.1"); err == nil {
		t.Fatal("a damaged certificate file was silently replaced")
	}
}
