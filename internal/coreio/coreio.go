// Package coreio connects a sans-I/O core's output to a writer, for the client and server drivers alike.
package coreio

import "io"

// WriteAll writes what a core has pending (pending, then advance by what was written) until nothing is left
// or a write fails.
func WriteAll(w io.Writer, pending func() []byte, advance func(int)) error {
	for {
		p := pending()
		if len(p) == 0 {
			return nil
		}
		n, err := w.Write(p)
		advance(n)
		if err != nil {
			return err
		}
	}
}
