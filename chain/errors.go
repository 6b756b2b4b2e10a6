package chain

import (
	"errors"
	"fmt"
)

// Result codes of refused transactions and queries; 0 is success.
const (
	CodeOK           uint32 = 0
	CodeDecode       uint32 = 1  // malformed bytes
	CodeSignature    uint32 = 2  // signature does not verify
	CodeSequence     uint32 = 3  // replayed or out-of-order sequence number
	CodeFunds        uint32 = 4  // balance or allowance too small
	CodeNotFound     uint32 = 5  // no such twin, circle, name or account
	CodeUnauthorized uint32 = 6  // signer may not do this
	CodeInvalid      uint32 = 7  // a field is out of range
	CodeFaucetOff    uint32 = 8  // the dev faucet is not enabled by the genesis
	CodeConflict     uint32 = 9  // already exists or taken
	CodeInternal     uint32 = 10 // the node failed, not the tx

	CodeVotingClosed   uint32 = 11 // the proposal's voting period is over
	CodeAlreadyVoted   uint32 = 12 // the twin has voted on the proposal already
	CodeNotEligible    uint32 = 13 // the twin may not vote on the proposal (too new, or not KYC-verified)
	CodeNotKYCProvider uint32 = 14 // the signer is not a KYC provider allowed by governance
)

// refusal is an error carrying the result code it maps to.
type refusal struct {
	code uint32
	err  error
}

func (r refusal) Error() string { return r.err.Error() }

func refuse(code uint32, format string, a ...any) error {
	return refusal{code, fmt.Errorf(format, a...)}
}

// codeOf maps an error to its result code: a refusal's own, else CodeInternal.
func codeOf(err error) uint32 {
	if err == nil {
		return CodeOK
	}
	var r refusal
	if errors.As(err, &r) {
		return r.code
	}
	return CodeInternal
}
