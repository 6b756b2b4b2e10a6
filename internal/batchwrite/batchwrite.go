// Package batchwrite copies queued byte slices to a writer, many to a system call when they come in
// quick succession, and flushes as soon as the queue runs dry.
package batchwrite

import (
	"bufio"
	"io"
)

// Pump writes every slice from out to w through a buffer of size bytes, flushing whenever out has
// nothing more waiting, until done is closed (it returns nil) or a write fails (it returns the error).
func Pump(w io.Writer, size int, out <-chan []byte, done <-chan struct{}) error {
	bw := bufio.NewWriterSize(w, size)
	for {
		var b []byte
		select {
		case b = <-out:
		case <-done:
			return nil
		}
		if _, err := bw.Write(b); err != nil {
			return err
		}
	more:
		for {
			select {
			case b = <-out:
				if _, err := bw.Write(b); err != nil {
					return err
				}
			default:
				break more
			}
		}
		if err := bw.Flush(); err != nil {
			return err
		}
	}
}
