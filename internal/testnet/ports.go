package testnet

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"testing"
)

// lowestPort is where FreePorts starts picking: above CometBFT's defaults (26656, 26657) and
// other well-known ports.
const lowestPort = 27000

// FreePorts returns n distinct loopback TCP ports that were free a moment ago: each is bound,
// then all are released together, so a program under test can take them. They are picked at
// random below the kernel's ephemeral range (net.ipv4.ip_local_port_range), from which outgoing
// connections and listeners on port 0 get theirs, so in the moment between release and the
// program's bind only a listener asking for that very port could take one.
func FreePorts(t testing.TB, n int) []int {
	t.Helper()
	ports := make([]int, 0, n)
	taken := map[int]bool{}
	high := ephemeralLow()
	for tries := 0; len(ports) < n; tries++ {
		if tries > 100*n {
			t.Fatalf("reserve %d loopback ports: only %d free after %d tries", n, len(ports), tries)
		}
		port := 0 // the kernel's choice, when the range below the ephemeral one is too small
		if high-lowestPort >= 1000 {
			port = lowestPort + rand.IntN(high-lowestPort)
		}
		if taken[port] {
			continue
		}
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			continue
		}
		defer l.Close()
		port = l.Addr().(*net.TCPAddr).Port
		taken[port] = true
		ports = append(ports, port)
	}
	return ports
}

// ephemeralLow is the first port of the kernel's ephemeral range (32768 when it cannot be read).
func ephemeralLow() int {
	low := 32768
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		fmt.Sscan(string(b), &low)
	}
	return low
}
