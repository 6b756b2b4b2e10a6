package testnet

import (
	"net"
	"testing"
)

// FreePorts returns n distinct loopback TCP ports that were free a moment ago: each is bound, then
// all are released together, so a program under test can take them.
func FreePorts(t testing.TB, n int) []int {
	t.Helper()
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("reserve a loopback port: %v", err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports
}
