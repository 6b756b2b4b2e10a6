package chain

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// Genesis is the app_state of the chain's genesis file.
type Genesis struct {
	// FaucetMax enables the dev faucet when above zero: the most one Faucet tx may credit.
	FaucetMax uint64 `json:"faucet_max,omitempty"`
	// Accounts are funded at genesis.
	Accounts []GenesisAccount `json:"accounts,omitempty"`
	// Pin sets the pinning service's parameters (absent: the defaults).
	Pin *PinParams `json:"pin,omitempty"`
	// Params override DefaultParams (faucet.max, if given, overrides FaucetMax).
	Params map[string]uint64 `json:"params,omitempty"`
	// Treasury is the community treasury's opening balance.
	Treasury uint64 `json:"treasury,omitempty"`
	// KYCProviders may attest KYC from the start.
	KYCProviders []GenesisProvider `json:"kyc_providers,omitempty"`
}

// GenesisProvider is a KYC provider allowed at genesis, by hex ed25519 public key, with a label.
type GenesisProvider struct {
	Address string `json:"address"`
	Label   string `json:"label,omitempty"`
}

// GenesisAccount is an account funded at genesis, by hex ed25519 public key.
type GenesisAccount struct {
	Address string `json:"address"`
	Balance uint64 `json:"balance"`
}

// ParseGenesis reads app_state bytes; empty input is an empty genesis.
func ParseGenesis(b []byte) (Genesis, error) {
	var g Genesis
	if len(b) == 0 {
		return g, nil
	}
	if err := json.Unmarshal(b, &g); err != nil {
		return g, fmt.Errorf("parse app_state: %w", err)
	}
	for _, a := range g.Accounts {
		if _, err := ParseAccount(a.Address); err != nil {
			return g, fmt.Errorf("genesis account: %w", err)
		}
	}
	if err := validateGovernance(g); err != nil {
		return g, err
	}
	return g, nil
}

// ParseAccount parses a hex ed25519 public key.
func ParseAccount(s string) (k [32]byte, err error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		return k, fmt.Errorf("account %q: want 64 hex digits", s)
	}
	copy(k[:], b)
	return k, nil
}
