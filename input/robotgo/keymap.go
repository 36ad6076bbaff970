//go:build cgo && (linux || windows || darwin)

package robotgo

import "github.com/deskhand/deskhand/input"

// keyInfo is how robotgo presses a key: its robotgo key name and, on X11, the
// keysym robotgo turns that name into (checked against the server's keyboard
// map first: pressing a keysym the map lacks makes Xlib end the process).
type keyInfo struct {
	name     string
	keysym   uint32
	notOnX11 bool // robotgo v1.1.0 maps the name to a wrong or missing keysym on X11
}

// keys maps input keys to robotgo key names (robotgo's docs/keys.md).
var keys = func() map[input.Key]keyInfo {
	m := map[input.Key]keyInfo{
		input.Enter: {name: "enter", keysym: 0xff0d}, input.Escape: {name: "esc", keysym: 0xff1b},
		input.Backspace: {name: "backspace", keysym: 0xff08}, input.Tab: {name: "tab", keysym: 0xff09},
		input.Space: {name: "space", keysym: 0x20},
		input.Minus: {name: "-", keysym: 0x2d}, input.Equal: {name: "=", keysym: 0x3d},
		input.BracketLeft: {name: "[", keysym: 0x5b}, input.BracketRight: {name: "]", keysym: 0x5d},
		input.Backslash: {name: `\`, keysym: 0x5c}, input.Semicolon: {name: ";", keysym: 0x3b},
		// robotgo's X11 table turns "'" into the quotedbl keysym: the same
		// key, shifted, on layouts that have both.
		input.Quote: {name: "'", keysym: 0x22}, input.Backquote: {name: "`", keysym: 0x60},
		input.Comma: {name: ",", keysym: 0x2c}, input.Period: {name: ".", keysym: 0x2e},
		input.Slash:    {name: "/", keysym: 0x2f},
		input.CapsLock: {name: "capslock", keysym: 0xffe5}, input.PrintScreen: {name: "printscreen", keysym: 0xff61},
		input.ScrollLock: {name: "scroll_lock", keysym: 0xff14}, input.Pause: {name: "pause_break", keysym: 0xff13},
		input.Insert: {name: "insert", keysym: 0xff63}, input.Home: {name: "home", keysym: 0xff50},
		input.PageUp: {name: "pageup", keysym: 0xff55}, input.Delete: {name: "delete", keysym: 0xffff},
		input.End: {name: "end", keysym: 0xff57}, input.PageDown: {name: "pagedown", keysym: 0xff56},
		input.ArrowRight: {name: "right", keysym: 0xff53}, input.ArrowLeft: {name: "left", keysym: 0xff51},
		input.ArrowDown: {name: "down", keysym: 0xff54}, input.ArrowUp: {name: "up", keysym: 0xff52},
		input.NumLock: {name: "num_lock", keysym: 0xff7f}, input.NumpadDecimal: {name: "num.", keysym: 0xffae},
		input.NumpadDivide: {name: "num/", notOnX11: true}, input.NumpadMultiply: {name: "num*", notOnX11: true},
		input.NumpadSubtract: {name: "num-", notOnX11: true}, input.NumpadAdd: {name: "num+", notOnX11: true},
		input.NumpadEnter: {name: "num_enter", notOnX11: true}, input.NumpadEqual: {name: "num_equal", notOnX11: true},
		input.ContextMenu:     {name: "menu", notOnX11: true},
		input.AudioVolumeMute: {name: "audio_mute", keysym: 0x1008ff12},
		input.AudioVolumeUp:   {name: "audio_vol_up", keysym: 0x1008ff13},
		input.AudioVolumeDown: {name: "audio_vol_down", keysym: 0x1008ff11},
		input.MediaPlayPause:  {name: "audio_play", keysym: 0x1008ff14}, input.MediaStop: {name: "audio_stop", keysym: 0x1008ff15},
		input.MediaTrackPrevious: {name: "audio_prev", keysym: 0x1008ff16}, input.MediaTrackNext: {name: "audio_next", keysym: 0x1008ff17},
		input.ControlLeft: {name: "ctrll", keysym: 0xffe3}, input.ControlRight: {name: "ctrlr", keysym: 0xffe4},
		input.ShiftLeft: {name: "shiftl", keysym: 0xffe1}, input.ShiftRight: {name: "shiftr", keysym: 0xffe2},
		input.AltLeft: {name: "altl", keysym: 0xffe9}, input.AltRight: {name: "altr", keysym: 0xffea},
		input.MetaLeft: {name: "cmdl", keysym: 0xffeb}, input.MetaRight: {name: "cmdr", keysym: 0xffec},
	}
	for i := 0; i < 26; i++ {
		m[input.KeyA+input.Key(i)] = keyInfo{name: string(rune('a' + i)), keysym: uint32('a' + i)}
	}
	for i := 1; i <= 9; i++ {
		m[input.Digit1+input.Key(i-1)] = keyInfo{name: string(rune('0' + i)), keysym: uint32('0' + i)}
		m[input.Numpad1+input.Key(i-1)] = keyInfo{name: "num" + string(rune('0'+i)), keysym: 0xffb0 + uint32(i)}
	}
	m[input.Digit0] = keyInfo{name: "0", keysym: '0'}
	m[input.Numpad0] = keyInfo{name: "num0", keysym: 0xffb0}
	for i := 0; i < 12; i++ {
		m[input.F1+input.Key(i)] = keyInfo{name: "f" + itoa(i+1), keysym: 0xffbe + uint32(i)}
		m[input.F13+input.Key(i)] = keyInfo{name: "f" + itoa(i+13), keysym: 0xffca + uint32(i)}
	}
	return m
}()

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return string(rune('0'+i/10)) + string(rune('0'+i%10))
}

// charKeysym returns the keysym robotgo presses to type the ASCII character
// c on X11, and whether it adds Shift (robotgo's keyCodeForChar and toUpper).
func charKeysym(c byte) (keysym uint32, shift bool) {
	switch c {
	case '\'':
		keysym = 0x22 // XK_quotedbl, from robotgo's special table
	case '"':
		keysym = 0x27 // XK_quoteright
	case '<':
		keysym = 0x2c // robotgo's "x11 key bug" fix: the comma key, shifted
	default:
		keysym = uint32(c)
	}
	switch {
	case c >= 'A' && c <= 'Z':
		shift = true
	default:
		for i := 0; i < len(shiftedASCII); i++ {
			if shiftedASCII[i] == c {
				shift = true
			}
		}
	}
	return keysym, shift
}

// shiftedASCII is robotgo's X11 list of characters typed with Shift.
const shiftedASCII = "~!@#$%^&*()_+{}|:\"<>?"
