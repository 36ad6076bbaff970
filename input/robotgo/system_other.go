//go:build cgo && (windows || darwin)

package robotgo

import "context"

// otherSystem trusts robotgo: on Windows and macOS it reports errors
// instead of ending the process.
type otherSystem struct{}

func newSystem() (system, error) { return otherSystem{}, nil }

func (otherSystem) alive(context.Context) error { return nil }
func (otherSystem) keyOK(k keyInfo) bool        { return k.name != "" }
func (otherSystem) runeOK(r rune) bool          { return true }
func (otherSystem) close()                      {}
