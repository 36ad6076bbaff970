package input

import "fmt"

// Key is a physical, layout-independent key: the USB HID usage ID of the key
// on the keyboard page (0x07), which is the key the browser names in
// KeyboardEvent.code. The few media keys that live on the consumer page
// (0x0C) are Key(0x0C00 | usage), for example MediaPlayPause = 0x0CCD.
// 0 means none.
//
// Valid keys are 0x04..0xE7 and 0x0C00..0x0CFF; KeyFromCode and String know
// the named subset in this package's table.
type Key uint16

// valid reports whether k is in the ranges the wire form accepts. Unnamed
// keys in range are accepted so that a newer viewer's keys reach an older
// host, whose injector then reports ErrUnsupportedKey.
func (k Key) valid() bool {
	return (k >= 0x04 && k <= 0xe7) || (k >= 0x0c00 && k <= 0x0cff)
}

// keyByCode maps KeyboardEvent.code names, and a few older browser
// spellings, to keys. It is built once and only read.
var keyByCode = func() map[string]Key {
	m := make(map[string]Key, len(keyNames)+5)
	for _, n := range keyNames {
		m[n.code] = n.key
	}
	// Firefox before version 118 and old Chrome used these names.
	m["OSLeft"] = MetaLeft
	m["OSRight"] = MetaRight
	m["VolumeMute"] = AudioVolumeMute
	m["VolumeUp"] = AudioVolumeUp
	m["VolumeDown"] = AudioVolumeDown
	return m
}()

// KeyFromCode returns the key a KeyboardEvent.code names ("KeyA", "Enter",
// "ShiftLeft", "F5", "ArrowUp", "Numpad0", "Delete", "MediaPlayPause", ...),
// and false for codes outside this package's table.
func KeyFromCode(code string) (Key, bool) {
	k, ok := keyByCode[code]
	return k, ok
}

// String returns the key's KeyboardEvent.code name, or "Key(0x..)" for a key
// outside the table.
func (k Key) String() string {
	for _, n := range keyNames {
		if n.key == k {
			return n.code
		}
	}
	return fmt.Sprintf("Key(0x%04x)", uint16(k))
}

// IsModifier reports whether k is one of the eight modifier keys (Control,
// Shift, Alt, Meta, left and right).
func (k Key) IsModifier() bool { return k >= ControlLeft && k <= MetaRight }
