// Command wgbench runs one wireguard-go device for the pnic benchmark's userspace-tunnel
// reference: a kernel TUN, one peer, keys and endpoint from flags, configured through the
// device's UAPI. The benchmark adds the address and brings the interface up.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"golang.zx2c4.com/wireguard/conn"
	"golang.zx2c4.com/wireguard/device"
	"golang.zx2c4.com/wireguard/tun"
)

func main() {
	name := flag.String("name", "wg0", "TUN interface name")
	mtu := flag.Int("mtu", device.DefaultMTU, "interface MTU")
	priv := flag.String("private", "", "own private key, 64 hex digits")
	pub := flag.String("peer", "", "peer public key, 64 hex digits")
	port := flag.Int("port", 51820, "UDP listen port")
	endpoint := flag.String("endpoint", "", "peer endpoint host:port (empty: learnt from the peer)")
	allowed := flag.String("allowed", "", "peer allowed IP prefix")
	flag.Parse()
	if len(*priv) != 64 || len(*pub) != 64 || *allowed == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "wgbench: want --private, --peer (64 hex digits each) and --allowed")
		os.Exit(2)
	}
	if err := run(*name, *mtu, *priv, *pub, *port, *endpoint, *allowed); err != nil {
		fmt.Fprintln(os.Stderr, "wgbench:", err)
		os.Exit(1)
	}
}

func run(name string, mtu int, priv, pub string, port int, endpoint, allowed string) error {
	dev, err := tun.CreateTUN(name, mtu)
	if err != nil {
		return fmt.Errorf("create TUN %s: %w", name, err)
	}
	wg := device.NewDevice(dev, conn.NewDefaultBind(), device.NewLogger(device.LogLevelError, name+": "))
	defer wg.Close()
	conf := fmt.Sprintf("private_key=%s\nlisten_port=%d\npublic_key=%s\nallowed_ip=%s\n", priv, port, pub, allowed)
	if endpoint != "" {
		conf += "endpoint=" + endpoint + "\n"
	}
	if err := wg.IpcSet(conf); err != nil {
		return fmt.Errorf("configure: %w", err)
	}
	if err := wg.Up(); err != nil {
		return fmt.Errorf("up: %w", err)
	}
	fmt.Println("ready")
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	select {
	case <-sig:
	case <-wg.Wait():
	}
	return nil
}
