package main

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/freeflowuniverse/planetary/chain"
	"github.com/freeflowuniverse/planetary/chain/client"
	"github.com/freeflowuniverse/planetary/internal/cli"
)

const kycUsage = `usage: chaind kyc attest --key FILE --chain URL --twin ID --level N [--ref STR] --expires DURATION
       chaind kyc revoke --key FILE --chain URL --twin ID [--reason STR]`

// kyc runs the provider's side of KYC: attest that a twin passed verification, or revoke it,
// signed with the provider's account key.
func kyc(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "attest" && args[0] != "revoke" {
		fmt.Fprintln(stderr, kycUsage)
		return cli.Usagef("kyc: want attest or revoke")
	}
	verb := args[0]
	fs := flag.NewFlagSet("chaind kyc "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	keyFile := fs.String("key", "", "file holding the provider's ed25519 key: a hex seed, as dev.key (required)")
	url := fs.String("chain", "http://"+defaultChainRPC, "RPC address of a chain node")
	twin := fs.Uint64("twin", 0, "twin id (required)")
	level := fs.Uint("level", 0, "verification level, 1 to 255 (attest)")
	ref := fs.String("ref", "", "the provider's own reference to its record, no personal data (attest)")
	expires := fs.Duration("expires", 0, "how long the attestation holds from now, e.g. 8760h (attest)")
	reason := fs.String("reason", "", "why it is revoked (revoke)")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if *keyFile == "" || *twin == 0 {
		return cli.Usagef("kyc %s: --key and --twin are required", verb)
	}
	var m chain.Msg
	if verb == "attest" {
		if *level < 1 || *level > 255 {
			return cli.Usagef("kyc attest: --level %d: want 1 to 255", *level)
		}
		if *expires <= 0 {
			return cli.Usagef("kyc attest: --expires must be a positive duration")
		}
		m = &chain.AttestKYC{Twin: *twin, Level: uint8(*level), Ref: *ref, Expires: time.Now().Add(*expires).Unix()}
	} else {
		m = &chain.RevokeKYC{Twin: *twin, Reason: *reason}
	}
	key, err := loadKey(*keyFile)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	c, err := client.Dial(ctx, *url, client.Options{})
	if err != nil {
		return fmt.Errorf("kyc %s: %w", verb, err)
	}
	defer c.Close()
	res, err := c.Submit(ctx, client.NewSigner(key), m)
	if err != nil {
		return fmt.Errorf("kyc %s twin %d: %w", verb, *twin, err)
	}
	if a, ok := m.(*chain.AttestKYC); ok {
		fmt.Fprintf(stdout, "attested twin %d level %d until %s (tx %x at height %d)\n", a.Twin, a.Level,
			time.Unix(a.Expires, 0).UTC().Format(time.RFC3339), res.Hash[:8], res.Height)
	} else {
		fmt.Fprintf(stdout, "revoked the attestation of twin %d (tx %x at height %d)\n", *twin, res.Hash[:8], res.Height)
	}
	return nil
}

// defaultChainRPC is where a dev chain's node answers.
const defaultChainRPC = "127.0.0.1:26657"

// loadKey reads an ed25519 key file: a hex seed (32 bytes) or a hex private key (64 bytes).
func loadKey(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read key: %w", err)
	}
	raw, err := hex.DecodeString(strings.TrimSpace(string(b)))
	switch {
	case err == nil && len(raw) == ed25519.SeedSize:
		return ed25519.NewKeyFromSeed(raw), nil
	case err == nil && len(raw) == ed25519.PrivateKeySize:
		return ed25519.PrivateKey(raw), nil
	}
	return nil, fmt.Errorf("key %s: want %d or %d bytes in hex", path, ed25519.SeedSize, ed25519.PrivateKeySize)
}
