package main

import (
	"flag"
	"time"

	"github.com/freeflowuniverse/planetary/chain"
	"github.com/freeflowuniverse/planetary/internal/cli"
)

// pinFlags adds the pinning service's genesis flags to fs; the function it returns checks them
// after parsing and gives the parameters.
func pinFlags(fs *flag.FlagSet) func() (chain.PinParams, error) {
	def := chain.PinParams{}.WithDefaults()
	grace := fs.Duration("pin-grace", def.Grace(), "how long a pinning node may miss heartbeats before its pins move")
	replicas := fs.Int("pin-replicas", int(def.DefaultReplicas), "how many nodes keep a pin that asks for no number")
	prepaid := fs.Duration("pin-prepaid", time.Duration(def.MinPrepaidSeconds)*time.Second, "how long an owner's balance must pay its pins for a new pin to be accepted")
	return func() (chain.PinParams, error) {
		if *grace < time.Second || *grace%time.Second != 0 {
			return chain.PinParams{}, cli.Usagef("--pin-grace %s: want whole seconds, at least 1s", *grace)
		}
		if *replicas < 1 || *replicas > 16 {
			return chain.PinParams{}, cli.Usagef("--pin-replicas %d: want 1 to 16", *replicas)
		}
		if *prepaid < time.Second || *prepaid%time.Second != 0 {
			return chain.PinParams{}, cli.Usagef("--pin-prepaid %s: want whole seconds, at least 1s", *prepaid)
		}
		return chain.PinParams{GraceSeconds: uint64(*grace / time.Second), DefaultReplicas: uint64(*replicas),
			MinPrepaidSeconds: uint64(*prepaid / time.Second)}.WithDefaults(), nil
	}
}
