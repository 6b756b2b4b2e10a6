// Package cli holds what every Planetary command shares: exit statuses and the error line.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

// ExitError carries a process exit status with its error: 2 for bad flags or configuration.
type ExitError struct {
	Code int
	Err  error
}

func (e ExitError) Error() string { return e.Err.Error() }

// Unwrap returns the error behind the status.
func (e ExitError) Unwrap() error { return e.Err }

// Usage wraps err as a usage error (exit status 2).
func Usage(err error) error { return ExitError{2, err} }

// Usagef formats a usage error (exit status 2).
func Usagef(format string, a ...any) error { return ExitError{2, fmt.Errorf(format, a...)} }

// Code is the exit status for err: 0 for nil or -h, the ExitError's code, else 1.
func Code(err error) int {
	var ee ExitError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ee):
		return ee.Code
	}
	return 1
}

// Main runs a command's run function and exits with one line "name: error" on failure.
func Main(name string, run func(args []string, stdout, stderr io.Writer) error) {
	err := run(os.Args[1:], os.Stdout, os.Stderr)
	code := Code(err)
	if code != 0 {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
	}
	os.Exit(code)
}
