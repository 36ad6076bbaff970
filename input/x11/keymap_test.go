package x11

import (
	"strings"
	"testing"
	"unicode"

	"github.com/deskhand/deskhand/input"
	"github.com/jezek/xgb/xproto"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// usMap builds a small US-like map from keycode 8, two columns a keycode,
// with three empty keycodes at the end (the spares).
func usMap(t testing.TB, spares int) *keymap {
	t.Helper()
	rows := [][2]xproto.Keysym{
		{xkShiftL, 0}, {xkReturn, 0}, {xkTab, 0xfe20}, {xkCapsLock, 0}, {' ', 0},
		{'1', '!'}, {'2', '@'}, {'3', '#'}, {'-', '_'}, {'\'', '"'}, {',', '<'}, {'.', '>'},
		{'<', '>'},           // the 105th key, IntlBackslash
		{'a', 'A'}, {'b', 0}, // b with the implied upper case
		{'h', 'H'}, {'i', 'I'}, {'z', 'Z'},
		{0xe9, 0xc9},                                         // eacute Eacute
		{0xff96, 0xffb4}, {0xff9f, 0xffae}, {0xffae, 0xffae}, // KP_Left KP_4, KP_Delete KP_Decimal, KP_Decimal
	}
	var syms []xproto.Keysym
	for _, r := range rows {
		syms = append(syms, r[0], r[1])
	}
	for range spares {
		syms = append(syms, 0, 0)
	}
	km, err := newKeymap(8, 2, syms)
	require.NoError(t, err)
	km.pickSpares()
	return km
}

// typed replays strokes on a copy of the map as the X server and a client
// would, and returns the text they produce.
func typed(t testing.TB, km0 *keymap, strokes []stroke, lock bool) string {
	t.Helper()
	km, err := newKeymap(km0.min, km0.per, append([]xproto.Keysym(nil), km0.syms...))
	require.NoError(t, err)
	var b strings.Builder
	for _, st := range strokes {
		row := km.row(st.code)
		require.NotNil(t, row, "keycode %d is off the map", st.code)
		if st.remap {
			for i := range row {
				row[i] = 0
			}
			row[0], row[1] = st.sym, st.sym
			continue
		}
		col := 0
		if st.shift != (lock && km.alphabetic(st.code)) {
			col = 1
		}
		switch s := km.level(st.code, col); s {
		case xkReturn:
			b.WriteByte('\n')
		case xkTab:
			b.WriteByte('\t')
		default:
			r := keysymRune(s)
			require.GreaterOrEqual(t, r, rune(0), "keycode %d column %d types keysym %#x", st.code, col, s)
			b.WriteRune(r)
		}
	}
	return b.String()
}

// newlines is how text comes out: every newline form is one Return.
func newlines(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

func TestNewKeymapRejectsMalformed(t *testing.T) {
	for _, c := range []struct {
		min  xproto.Keycode
		per  int
		syms []xproto.Keysym
	}{{8, 0, nil}, {8, 2, make([]xproto.Keysym, 3)}, {250, 1, make([]xproto.Keysym, 7)}, {8, -1, nil}} {
		_, err := newKeymap(c.min, c.per, c.syms)
		assert.ErrorIs(t, err, input.ErrNoDisplay, "%+v", c)
	}
	km, err := newKeymap(8, 1, make([]xproto.Keysym, 248))
	require.NoError(t, err)
	assert.Nil(t, km.row(7))
	assert.Nil(t, km.row(0))
	assert.NotNil(t, km.row(255))
}

func TestKeyLookup(t *testing.T) {
	km := usMap(t, 3)
	code := func(k input.Key) int {
		c, ok := km.key(k)
		if !ok {
			return -1
		}
		return int(c)
	}
	assert.Equal(t, 8+13, code(input.KeyA))
	assert.Equal(t, 8+14, code(input.KeyB))
	assert.Equal(t, 8+12, code(input.IntlBackslash), "IntlBackslash is the key with '<' alone")
	assert.Equal(t, 8+19, code(input.Numpad4), "Numpad4 is the KP_Left key")
	assert.Equal(t, 8+20, code(input.NumpadDecimal), "NumpadDecimal is the KP_Delete key, not the KP_Decimal one")
	assert.Equal(t, -1, code(input.IntlHash), "'#' is only Shift+3: IntlHash must not press 3")
	assert.Equal(t, -1, code(input.F13))
	assert.Equal(t, -1, code(input.Key(0xa5)))

	km2 := usMap(t, 0)
	km2.syms[0] = 0 // no Shift_L left
	km2.index()
	_, ok := km2.key(input.ShiftLeft)
	assert.False(t, ok)
}

func TestPlanTypesText(t *testing.T) {
	for _, c := range []struct {
		text string
		lock bool
	}{
		{"Hi, a b! 'z' \"Z\" #1 @2", false},
		{"Hi, aB z", true}, // Caps Lock inverts Shift on letters only
		{"x\r\ny\rz\n\n\t.", false},
		{"é É", false},
		{"über straße ©", false},  // ü ß © are not on the map: spares
		{"日本語のテキスト 😀 ∑ ü", false}, // more new characters than spares
		{strings.Repeat("ab€", 100), true},
	} {
		km := usMap(t, 3)
		before := append([]xproto.Keysym(nil), km.syms...)
		strokes, err := km.plan(nil, c.text, c.lock)
		require.NoError(t, err, "%q", c.text)
		assert.Equal(t, newlines(c.text), typed(t, &keymap{min: km.min, per: km.per, syms: before}, strokes, c.lock), "%q lock=%v", c.text, c.lock)
		for _, st := range strokes {
			if st.remap {
				assert.Contains(t, []xproto.Keycode{8 + 22, 8 + 23, 8 + 24}, st.code, "only spares are remapped")
			}
		}
	}
}

func TestPlanReusesSpares(t *testing.T) {
	km := usMap(t, 2)
	strokes, err := km.plan(nil, "üü", false)
	require.NoError(t, err)
	assert.Len(t, strokes, 3, "one remap, two taps")
	strokes, err = km.plan(nil, "ßü", false)
	require.NoError(t, err)
	require.Len(t, strokes, 3, "ü is still mapped; ß takes the free spare")
	require.True(t, strokes[0].remap)
	ssharp := strokes[0].code
	strokes, err = km.plan(nil, "ü", false)
	require.NoError(t, err)
	require.Len(t, strokes, 1)
	// Both spares are busy: the least recently used one (ß's) goes.
	strokes, err = km.plan(nil, "ñ", false)
	require.NoError(t, err)
	require.Len(t, strokes, 2)
	assert.Equal(t, ssharp, strokes[0].code)
	_, _, ok := km.onMap('ß', false)
	assert.False(t, ok, "ß's spare now carries ñ")
	_, _, ok = km.onMap('ü', false)
	assert.True(t, ok)
}

func TestPlanRejects(t *testing.T) {
	km := usMap(t, 0)
	before := append([]xproto.Keysym(nil), km.syms...)
	for _, s := range []string{"a\x01b", "ab\x7f", "bell\a", "ü"} {
		strokes, err := km.plan(nil, s, false)
		assert.ErrorIs(t, err, input.ErrUnsupportedText, "%q", s)
		assert.Empty(t, strokes, "%q: nothing may be typed", s)
	}
	assert.Equal(t, before, km.syms, "a rejected text must not change the map")
	// Without Return on the map, newlines cannot be typed.
	km.syms[1*2] = 0
	km.index()
	_, err := km.plan(nil, "a\nb", false)
	assert.ErrorIs(t, err, input.ErrUnsupportedText)
}

func TestAdoptSpares(t *testing.T) {
	km := usMap(t, 3)
	_, err := km.plan(nil, "üß", false)
	require.NoError(t, err)
	// The server's copy: ü as we left it, ß taken by another client, the
	// third spare still empty.
	syms := append([]xproto.Keysym(nil), km.syms...)
	var ssharp xproto.Keycode
	for _, sp := range km.spares {
		if sp.sym == 0xdf {
			ssharp = sp.code
		}
	}
	require.NotZero(t, ssharp)
	i := int(ssharp-km.min) * km.per
	syms[i], syms[i+1] = 0xffc8, 0 // F11
	fresh, err := newKeymap(km.min, km.per, syms)
	require.NoError(t, err)
	fresh.adoptSpares(km)
	require.Len(t, fresh.spares, 2)
	for _, sp := range fresh.spares {
		assert.NotEqual(t, ssharp, sp.code)
	}
	_, _, ok := fresh.onMap('ü', false)
	assert.True(t, ok)
}

func TestRuneKeysymRoundTrip(t *testing.T) {
	for _, r := range []rune{' ', 'a', '~', 0xa0, 0xe9, 0xff, 0x100, 0x20ac, 0x1f600, maxUnicodeRune} {
		assert.Equal(t, r, keysymRune(runeKeysym(r)), "%U", r)
	}
	assert.Equal(t, rune(-1), keysymRune(xkReturn))
	assert.Equal(t, rune(-1), keysymRune(0x7e1)) // legacy Greek alpha: not known
	assert.Equal(t, rune(-1), keysymRune(unicodeKeysym+maxUnicodeRune+1))
}

// FuzzPlan: whatever the text, planning never panics, touches only spares,
// and the strokes type exactly the text (or it is rejected untouched).
func FuzzPlan(f *testing.F) {
	for _, s := range []string{"Hello, World!\n", "a\r\nb\rc\td", "ü€😀日本", "\x00", "é\u200b\ufffd", "\xff\xfe"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, lock bool) {
		if len(s) > input.MaxText {
			return
		}
		km := usMap(t, 3)
		before := append([]xproto.Keysym(nil), km.syms...)
		strokes, err := km.plan(nil, s, lock)
		if err != nil {
			require.ErrorIs(t, err, input.ErrUnsupportedText)
			require.Empty(t, strokes)
			require.Equal(t, before, km.syms)
			hasControl := strings.ContainsFunc(s, func(r rune) bool {
				return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t'
			})
			require.True(t, hasControl, "%q rejected: %v", s, err)
			return
		}
		// Go reads each invalid byte as U+FFFD, and so does plan.
		var want strings.Builder
		for _, r := range s {
			want.WriteRune(r)
		}
		got := typed(t, &keymap{min: km.min, per: km.per, syms: before}, strokes, lock)
		require.Equal(t, newlines(want.String()), got)
	})
}
