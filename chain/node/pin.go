package node

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cometbft/cometbft/types"

	"github.com/freeflowuniverse/planetary/chain"
)

// SetPinParams writes the pinning service's parameters into the genesis of a home that has not
// started yet (the chain reads its genesis once).
func SetPinParams(home string, p chain.PinParams) error {
	if _, err := os.Stat(filepath.Join(home, "data", "app")); err == nil {
		return fmt.Errorf("%s has started already: its genesis can no longer change", home)
	}
	file := filepath.Join(home, "config", "genesis.json")
	doc, err := types.GenesisDocFromFile(file)
	if err != nil {
		return fmt.Errorf("read genesis: %w", err)
	}
	g, err := chain.ParseGenesis(doc.AppState)
	if err != nil {
		return err
	}
	p = p.WithDefaults()
	g.Pin = &p
	if doc.AppState, err = json.Marshal(g); err != nil {
		return err
	}
	if err := doc.SaveAs(file); err != nil {
		return fmt.Errorf("write genesis: %w", err)
	}
	return nil
}
