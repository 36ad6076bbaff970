package input

import (
	"go/ast"
	"go/parser"
	"go/token"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestKeyFromCodeRoundTrip(t *testing.T) {
	seen := map[Key]bool{}
	for _, n := range keyNames {
		require.False(t, seen[n.key], "%s listed twice", n.code)
		seen[n.key] = true
		k, ok := KeyFromCode(n.code)
		require.True(t, ok, n.code)
		assert.Equal(t, n.key, k)
		assert.Equal(t, n.code, k.String())
		assert.True(t, k.valid(), n.code)
		require.NoError(t, Event{Kind: KeyEvent, Key: k}.Validate(), n.code)
	}
	// A 104-key keyboard has 104 keys; the table holds them all and more.
	assert.GreaterOrEqual(t, len(keyNames), 104)
}

// TestEveryConstantIsNamed keeps the constants and keyNames in step.
func TestEveryConstantIsNamed(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "keytable.go", nil, 0)
	require.NoError(t, err)
	consts := 0
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, spec := range g.Specs {
			for _, name := range spec.(*ast.ValueSpec).Names {
				consts++
				k, ok := KeyFromCode(name.Name)
				assert.True(t, ok, "constant %s is not in keyNames", name.Name)
				assert.Equal(t, name.Name, k.String())
			}
		}
	}
	assert.Equal(t, len(keyNames), consts)
}

func TestKeyFromCodeSamples(t *testing.T) {
	for code, want := range map[string]Key{
		"KeyA": 0x04, "KeyZ": 0x1d, "Digit1": 0x1e, "Digit0": 0x27, "Enter": 0x28, "Escape": 0x29,
		"Backspace": 0x2a, "Tab": 0x2b, "Space": 0x2c, "F1": 0x3a, "F5": 0x3e, "F12": 0x45, "F24": 0x73,
		"Delete": 0x4c, "Home": 0x4a, "End": 0x4d, "PageUp": 0x4b, "PageDown": 0x4e, "Insert": 0x49,
		"ArrowRight": 0x4f, "ArrowLeft": 0x50, "ArrowDown": 0x51, "ArrowUp": 0x52,
		"Numpad0": 0x62, "Numpad9": 0x61, "NumpadEnter": 0x58, "IntlBackslash": 0x64, "ContextMenu": 0x65,
		"ControlLeft": 0xe0, "ShiftLeft": 0xe1, "AltLeft": 0xe2, "MetaLeft": 0xe3,
		"ControlRight": 0xe4, "ShiftRight": 0xe5, "AltRight": 0xe6, "MetaRight": 0xe7,
		"AudioVolumeMute": 0x7f, "MediaPlayPause": 0x0ccd, "MediaTrackNext": 0x0cb5,
		"OSLeft": 0xe3, "VolumeUp": 0x80,
	} {
		k, ok := KeyFromCode(code)
		assert.True(t, ok, code)
		assert.Equal(t, want, k, code)
	}
	for _, code := range []string{"", "keya", "KEYA", "Key", "Fn", "F25", "Numpad", "Unidentified"} {
		_, ok := KeyFromCode(code)
		assert.False(t, ok, code)
	}
	assert.Equal(t, "Key(0x00a5)", Key(0xa5).String())
	assert.Equal(t, "Key(0x0000)", Key(0).String())
}

func TestIsModifier(t *testing.T) {
	mods := map[Key]bool{ControlLeft: true, ShiftLeft: true, AltLeft: true, MetaLeft: true,
		ControlRight: true, ShiftRight: true, AltRight: true, MetaRight: true}
	for _, n := range keyNames {
		assert.Equal(t, mods[n.key], n.key.IsModifier(), n.code)
	}
	assert.False(t, CapsLock.IsModifier())
}

func TestStrings(t *testing.T) {
	assert.Equal(t, "MouseMove", MouseMove.String())
	assert.Equal(t, "TextEvent", TextEvent.String())
	assert.Equal(t, "Kind(9)", Kind(9).String())
	assert.Equal(t, "Back", ButtonBack.String())
	assert.Equal(t, "Button(0)", Button(0).String())
	assert.Equal(t, "KeyEvent(ShiftLeft down)", Event{Kind: KeyEvent, Key: ShiftLeft, Down: true}.String())
	assert.Equal(t, "MouseButton(Right up)", Event{Kind: MouseButton, Button: ButtonRight}.String())
	assert.Equal(t, "MouseMove(3,4)", Event{Kind: MouseMove, X: 3, Y: 4}.String())
	assert.Equal(t, "MouseWheel(0,-2)", Event{Kind: MouseWheel, DY: -2}.String())
	// Typed text may be a password: it never appears in logs.
	assert.Equal(t, "TextEvent(6 bytes)", Event{Kind: TextEvent, Text: "secret"}.String())
}
