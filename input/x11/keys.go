package x11

import (
	"github.com/deskhand/deskhand/input"
	"github.com/jezek/xgb/xproto"
)

// keySyms is how a physical key is found on the host's map: the keysyms it
// carries, most telling first, and whether only a level-1 occurrence counts
// (for keysyms that other keys carry shifted: "<" is Shift+comma on a
// 104-key US map, and pressing the comma key for IntlBackslash would be
// wrong).
type keySyms struct {
	syms     []xproto.Keysym
	baseOnly bool
}

// Keysyms from X11/keysymdef.h and XF86keysym.h.
const (
	xkReturn        = 0xff0d
	xkTab           = 0xff09
	xkShiftL        = 0xffe1
	xkShiftR        = 0xffe2
	xkCapsLock      = 0xffe5
	xkISOLevel3     = 0xfe03
	unicodeKeysym   = 0x01000000 // a character's keysym is this plus its code point, above Latin-1
	maxUnicodeRune  = 0x10ffff
	firstLatin1High = 0xa0
)

// keyTable maps input keys to keysyms. Keys absent here are unsupported.
var keyTable = func() map[input.Key]keySyms {
	one := func(s xproto.Keysym) keySyms { return keySyms{syms: []xproto.Keysym{s}} }
	m := map[input.Key]keySyms{
		input.Enter: one(xkReturn), input.Escape: one(0xff1b), input.Backspace: one(0xff08),
		input.Tab: one(xkTab), input.Space: one(' '),
		input.Minus: one('-'), input.Equal: one('='), input.BracketLeft: one('['), input.BracketRight: one(']'),
		input.Backslash: one('\\'), input.Semicolon: one(';'), input.Quote: one('\''), input.Backquote: one('`'),
		input.Comma: one(','), input.Period: one('.'), input.Slash: one('/'),
		input.IntlBackslash: {syms: []xproto.Keysym{'<'}, baseOnly: true},
		input.IntlHash:      {syms: []xproto.Keysym{'#'}, baseOnly: true},
		input.CapsLock:      one(xkCapsLock), input.PrintScreen: one(0xff61), input.ScrollLock: one(0xff14),
		input.Pause: one(0xff13), input.Insert: one(0xff63), input.Home: one(0xff50), input.PageUp: one(0xff55),
		input.Delete: one(0xffff), input.End: one(0xff57), input.PageDown: one(0xff56),
		input.ArrowRight: one(0xff53), input.ArrowLeft: one(0xff51), input.ArrowDown: one(0xff54), input.ArrowUp: one(0xff52),
		input.NumLock: one(0xff7f), input.NumpadDivide: one(0xffaf), input.NumpadMultiply: one(0xffaa),
		input.NumpadSubtract: one(0xffad), input.NumpadAdd: one(0xffab), input.NumpadEnter: one(0xff8d),
		input.NumpadEqual: one(0xffbd), input.ContextMenu: one(0xff67),
		// Keypad digits: the keysym without Num Lock names the physical key
		// (KP_Left is only on the 4 key); KP_4 can sit on a second key.
		input.Numpad1: {syms: []xproto.Keysym{0xff9c, 0xffb1}}, input.Numpad2: {syms: []xproto.Keysym{0xff99, 0xffb2}},
		input.Numpad3: {syms: []xproto.Keysym{0xff9b, 0xffb3}}, input.Numpad4: {syms: []xproto.Keysym{0xff96, 0xffb4}},
		input.Numpad5: {syms: []xproto.Keysym{0xff9d, 0xffb5}}, input.Numpad6: {syms: []xproto.Keysym{0xff98, 0xffb6}},
		input.Numpad7: {syms: []xproto.Keysym{0xff95, 0xffb7}}, input.Numpad8: {syms: []xproto.Keysym{0xff97, 0xffb8}},
		input.Numpad9: {syms: []xproto.Keysym{0xff9a, 0xffb9}}, input.Numpad0: {syms: []xproto.Keysym{0xff9e, 0xffb0}},
		input.NumpadDecimal:   {syms: []xproto.Keysym{0xff9f, 0xffae}},
		input.AudioVolumeMute: one(0x1008ff12), input.AudioVolumeUp: one(0x1008ff13), input.AudioVolumeDown: one(0x1008ff11),
		input.MediaPlayPause: one(0x1008ff14), input.MediaStop: one(0x1008ff15),
		input.MediaTrackPrevious: one(0x1008ff16), input.MediaTrackNext: one(0x1008ff17),
		input.ControlLeft: one(0xffe3), input.ControlRight: one(0xffe4),
		input.ShiftLeft: one(xkShiftL), input.ShiftRight: one(xkShiftR),
		input.AltLeft: one(0xffe9),
		// Layouts with AltGr put ISO_Level3_Shift on the right Alt key.
		input.AltRight: {syms: []xproto.Keysym{0xffea, xkISOLevel3}},
		input.MetaLeft: one(0xffeb), input.MetaRight: one(0xffec),
	}
	for i := range 26 {
		m[input.KeyA+input.Key(i)] = one(xproto.Keysym('a' + i))
	}
	for i := range 9 {
		m[input.Digit1+input.Key(i)] = one(xproto.Keysym('1' + i))
	}
	m[input.Digit0] = one('0')
	for i := range 12 {
		m[input.F1+input.Key(i)] = one(xproto.Keysym(0xffbe + i))
		m[input.F13+input.Key(i)] = one(xproto.Keysym(0xffca + i))
	}
	return m
}()

// runeKeysym returns the keysym that types r: Latin-1 characters have their
// code point as keysym, the others the Unicode keysym.
func runeKeysym(r rune) xproto.Keysym {
	if (r >= 0x20 && r < 0x7f) || (r >= firstLatin1High && r <= 0xff) {
		return xproto.Keysym(r)
	}
	return xproto.Keysym(unicodeKeysym | uint32(r))
}

// keysymRune returns the character a keysym types, or -1 for keysyms that
// are not characters this package knows (function keys, and the legacy
// keysyms of non-Latin-1 scripts).
func keysymRune(s xproto.Keysym) rune {
	switch {
	case (s >= 0x20 && s < 0x7f) || (s >= firstLatin1High && s <= 0xff):
		return rune(s)
	case s >= unicodeKeysym && s <= unicodeKeysym+maxUnicodeRune:
		return rune(s - unicodeKeysym)
	}
	return -1
}
