package x11

import (
	"fmt"
	"unicode"

	"github.com/deskhand/deskhand/input"
	"github.com/jezek/xgb/xproto"
)

// maxSpares bounds how many empty keycodes text typing takes over for
// characters that are not on the keyboard map.
const maxSpares = 16

// slot is where a keysym sits on the map: its keycode and column (0 plain,
// 1 with Shift, higher for other groups and levels).
type slot struct {
	code xproto.Keycode
	col  int
}

// spare is an empty keycode that text typing may map a character onto.
type spare struct {
	code xproto.Keycode
	sym  xproto.Keysym // what it carries now; 0 while free
	used uint64        // keymap.clock when last typed
}

// keymap is the server's keyboard map (GetKeyboardMapping), with indexes
// for the lookups key events and text need, and the spare keycodes text
// typing has taken over. It is not safe for concurrent use.
type keymap struct {
	min  xproto.Keycode
	per  int             // keysyms per keycode (columns)
	syms []xproto.Keysym // row of keycode c at (c-min)*per

	bySym  map[xproto.Keysym]slot // lowest column, then lowest keycode
	byRune map[rune]slot          // columns 0 and 1 only, with the implied upper case
	shift  xproto.Keycode         // a Shift key, 0 if the map has none

	spares []spare
	clock  uint64
}

// newKeymap indexes a keyboard map of the keycodes min, min+1, ... with per
// keysyms each. A malformed map (per 0, a partial row, keycodes past 255)
// is an error, not a panic.
func newKeymap(min xproto.Keycode, per int, syms []xproto.Keysym) (*keymap, error) {
	if per <= 0 || len(syms)%per != 0 || int(min)+len(syms)/per > 256 {
		return nil, fmt.Errorf("%w: the server's keyboard map is malformed (%d keysyms, %d per keycode, from keycode %d)",
			input.ErrNoDisplay, len(syms), per, min)
	}
	km := &keymap{min: min, per: per, syms: syms}
	km.index()
	return km, nil
}

func (km *keymap) codes() int { return len(km.syms) / km.per }

// row returns the keysyms of code, or nil for a keycode outside the map.
func (km *keymap) row(code xproto.Keycode) []xproto.Keysym {
	i := int(code) - int(km.min)
	if i < 0 || i >= km.codes() {
		return nil
	}
	return km.syms[i*km.per : (i+1)*km.per]
}

// level returns the keysym of code at column col (0 or 1), with X's rule
// that a letter alone in column 0 gives its upper case in column 1.
func (km *keymap) level(code xproto.Keycode, col int) xproto.Keysym {
	row := km.row(code)
	if col < len(row) && row[col] != 0 {
		return row[col]
	}
	if col != 1 || len(row) == 0 {
		return 0
	}
	r := keysymRune(row[0])
	if up := unicode.ToUpper(r); r >= 0 && unicode.IsLower(r) && up != r {
		return runeKeysym(up)
	}
	return row[0]
}

// alphabetic reports whether code types a lower-case letter plainly and
// its upper case with Shift: the keys Caps Lock acts on.
func (km *keymap) alphabetic(code xproto.Keycode) bool {
	r0, r1 := keysymRune(km.level(code, 0)), keysymRune(km.level(code, 1))
	return r0 >= 0 && unicode.IsLower(r0) && r1 == unicode.ToUpper(r0) && r1 != r0
}

func (km *keymap) index() {
	n := km.codes()
	km.bySym = make(map[xproto.Keysym]slot, n*2)
	km.byRune = make(map[rune]slot, n*2)
	for i := range n {
		code := km.min + xproto.Keycode(i)
		for col, s := range km.row(code) {
			// Keycodes go up, so among equal columns the lowest keycode stays.
			if old, ok := km.bySym[s]; s != 0 && (!ok || col < old.col) {
				km.bySym[s] = slot{code, col}
			}
		}
		for col := range 2 {
			r := keysymRune(km.level(code, col))
			if old, ok := km.byRune[r]; r >= 0 && (!ok || col < old.col) {
				km.byRune[r] = slot{code, col}
			}
		}
	}
	km.shift = 0
	for _, s := range []xproto.Keysym{xkShiftL, xkShiftR} {
		if sl, ok := km.bySym[s]; ok {
			km.shift = sl.code
			break
		}
	}
}

// pickSpares takes over the empty keycodes of the map, highest first (the
// ones least likely to be on a real keyboard), up to maxSpares.
func (km *keymap) pickSpares() {
	km.spares = km.spares[:0]
	for i := km.codes() - 1; i >= 0 && len(km.spares) < maxSpares; i-- {
		code := km.min + xproto.Keycode(i)
		if empty(km.row(code)) {
			km.spares = append(km.spares, spare{code: code})
		}
	}
}

func empty(row []xproto.Keysym) bool {
	for _, s := range row {
		if s != 0 {
			return false
		}
	}
	return true
}

// adoptSpares carries old's spares over to km, a fresh copy of the map:
// a spare that still carries our character, or nothing, stays ours; one
// that another client has changed is given up.
func (km *keymap) adoptSpares(old *keymap) {
	km.clock = old.clock
	km.spares = km.spares[:0]
	for _, sp := range old.spares {
		row := km.row(sp.code)
		switch {
		case row == nil:
		case empty(row):
			sp.sym = 0
			km.spares = append(km.spares, sp)
		case sp.sym != 0 && row[0] == sp.sym:
			km.spares = append(km.spares, sp)
		}
	}
}

// key returns the keycode that carries k's keysym.
func (km *keymap) key(k input.Key) (xproto.Keycode, bool) {
	ks, ok := keyTable[k]
	if !ok {
		return 0, false
	}
	for _, s := range ks.syms {
		if sl, ok := km.bySym[s]; ok && (!ks.baseOnly || sl.col == 0) {
			return sl.code, true
		}
	}
	return 0, false
}

// stroke is one step of typing text: map sym onto the spare keycode code
// (remap), or press and release code, with Shift down when shift is set.
type stroke struct {
	remap bool
	code  xproto.Keycode
	sym   xproto.Keysym
	shift bool
}

// onMap returns how r is typed without remapping: the keycode and whether
// Shift must be down, given the Caps Lock state.
func (km *keymap) onMap(r rune, lock bool) (code xproto.Keycode, shift, ok bool) {
	sl, ok := km.byRune[r]
	if !ok {
		return 0, false, false
	}
	shift = (sl.col == 1) != (lock && km.alphabetic(sl.code))
	if shift && km.shift == 0 {
		return 0, false, false
	}
	return sl.code, shift, true
}

// plan appends to dst the strokes that type s, given the Caps Lock state,
// and takes over spares for the characters not on the map (km records
// them, so the strokes must then be sent). Newlines ("\n", "\r\n", "\r")
// become Return and tabs Tab. It returns an error wrapping
// input.ErrUnsupportedText, and changes nothing, when s holds other control
// characters or characters that need a spare keycode and the map has none.
func (km *keymap) plan(dst []stroke, s string, lock bool) ([]stroke, error) {
	ret, hasRet := km.bySym[xkReturn]
	tab, hasTab := km.bySym[xkTab]
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r':
			if !hasRet {
				return dst, fmt.Errorf("%w: Return is not on the keyboard map", input.ErrUnsupportedText)
			}
		case r == '\t':
			if !hasTab {
				return dst, fmt.Errorf("%w: Tab is not on the keyboard map", input.ErrUnsupportedText)
			}
		case unicode.IsControl(r) || r < 0 || r > maxUnicodeRune:
			return dst, fmt.Errorf("%w: control character %U", input.ErrUnsupportedText, r)
		default:
			if _, _, ok := km.onMap(r, lock); !ok && len(km.spares) == 0 {
				return dst, fmt.Errorf("%w: %U is not on the keyboard map and no keycode is free to map it", input.ErrUnsupportedText, r)
			}
		}
	}
	km.clock++
	afterCR := false
	for _, r := range s {
		wasCR := afterCR
		afterCR = r == '\r'
		switch r {
		case '\n':
			if !wasCR {
				dst = append(dst, stroke{code: ret.code})
			}
			continue
		case '\r':
			dst = append(dst, stroke{code: ret.code})
			continue
		case '\t':
			dst = append(dst, stroke{code: tab.code})
			continue
		}
		if code, shift, ok := km.onMap(r, lock); ok {
			km.touch(code)
			dst = append(dst, stroke{code: code, shift: shift})
			continue
		}
		sp := km.takeSpare(r)
		dst = append(dst, stroke{remap: true, code: sp.code, sym: sp.sym}, stroke{code: sp.code})
	}
	return dst, nil
}

// touch marks the spare code, if it is one, as just used.
func (km *keymap) touch(code xproto.Keycode) {
	for i := range km.spares {
		if km.spares[i].code == code {
			km.spares[i].used = km.clock
			return
		}
	}
}

// takeSpare maps r onto a free spare, else onto the least recently used
// one, in km (the caller sends the change). There must be a spare.
func (km *keymap) takeSpare(r rune) spare {
	pick := 0
	for i, sp := range km.spares {
		if sp.sym == 0 {
			pick = i
			break
		}
		if sp.used < km.spares[pick].used {
			pick = i
		}
	}
	sp := &km.spares[pick]
	if old := sp.sym; old != 0 {
		if sl, ok := km.byRune[keysymRune(old)]; ok && sl.code == sp.code {
			delete(km.byRune, keysymRune(old))
		}
		if sl, ok := km.bySym[old]; ok && sl.code == sp.code {
			delete(km.bySym, old)
		}
	}
	sym := runeKeysym(r)
	row := km.row(sp.code)
	for i := range row {
		row[i] = 0
	}
	row[0] = sym
	if len(row) > 1 {
		row[1] = sym
	}
	km.byRune[r] = slot{sp.code, 0}
	if old, ok := km.bySym[sym]; !ok || old.col > 0 {
		km.bySym[sym] = slot{sp.code, 0}
	}
	sp.sym, sp.used = sym, km.clock
	return *sp
}
