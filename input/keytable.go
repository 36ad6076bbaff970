// The key table: USB HID usages (keyboard page 0x07; consumer page 0x0C as
// 0x0C00|usage) with their names from the UI Events KeyboardEvent.code spec.
// keys_test.go checks that every constant is in keyNames.

package input

// Keys of a 104/105-key PC keyboard, F13-F24, and the basic media keys.
// Each constant is named after its KeyboardEvent.code.
const (
	KeyA               Key = 0x0004
	KeyB               Key = 0x0005
	KeyC               Key = 0x0006
	KeyD               Key = 0x0007
	KeyE               Key = 0x0008
	KeyF               Key = 0x0009
	KeyG               Key = 0x000a
	KeyH               Key = 0x000b
	KeyI               Key = 0x000c
	KeyJ               Key = 0x000d
	KeyK               Key = 0x000e
	KeyL               Key = 0x000f
	KeyM               Key = 0x0010
	KeyN               Key = 0x0011
	KeyO               Key = 0x0012
	KeyP               Key = 0x0013
	KeyQ               Key = 0x0014
	KeyR               Key = 0x0015
	KeyS               Key = 0x0016
	KeyT               Key = 0x0017
	KeyU               Key = 0x0018
	KeyV               Key = 0x0019
	KeyW               Key = 0x001a
	KeyX               Key = 0x001b
	KeyY               Key = 0x001c
	KeyZ               Key = 0x001d
	Digit1             Key = 0x001e
	Digit2             Key = 0x001f
	Digit3             Key = 0x0020
	Digit4             Key = 0x0021
	Digit5             Key = 0x0022
	Digit6             Key = 0x0023
	Digit7             Key = 0x0024
	Digit8             Key = 0x0025
	Digit9             Key = 0x0026
	Digit0             Key = 0x0027
	Enter              Key = 0x0028
	Escape             Key = 0x0029
	Backspace          Key = 0x002a
	Tab                Key = 0x002b
	Space              Key = 0x002c
	Minus              Key = 0x002d
	Equal              Key = 0x002e
	BracketLeft        Key = 0x002f
	BracketRight       Key = 0x0030
	Backslash          Key = 0x0031
	IntlHash           Key = 0x0032
	Semicolon          Key = 0x0033
	Quote              Key = 0x0034
	Backquote          Key = 0x0035
	Comma              Key = 0x0036
	Period             Key = 0x0037
	Slash              Key = 0x0038
	CapsLock           Key = 0x0039
	F1                 Key = 0x003a
	F2                 Key = 0x003b
	F3                 Key = 0x003c
	F4                 Key = 0x003d
	F5                 Key = 0x003e
	F6                 Key = 0x003f
	F7                 Key = 0x0040
	F8                 Key = 0x0041
	F9                 Key = 0x0042
	F10                Key = 0x0043
	F11                Key = 0x0044
	F12                Key = 0x0045
	PrintScreen        Key = 0x0046
	ScrollLock         Key = 0x0047
	Pause              Key = 0x0048
	Insert             Key = 0x0049
	Home               Key = 0x004a
	PageUp             Key = 0x004b
	Delete             Key = 0x004c
	End                Key = 0x004d
	PageDown           Key = 0x004e
	ArrowRight         Key = 0x004f
	ArrowLeft          Key = 0x0050
	ArrowDown          Key = 0x0051
	ArrowUp            Key = 0x0052
	NumLock            Key = 0x0053
	NumpadDivide       Key = 0x0054
	NumpadMultiply     Key = 0x0055
	NumpadSubtract     Key = 0x0056
	NumpadAdd          Key = 0x0057
	NumpadEnter        Key = 0x0058
	Numpad1            Key = 0x0059
	Numpad2            Key = 0x005a
	Numpad3            Key = 0x005b
	Numpad4            Key = 0x005c
	Numpad5            Key = 0x005d
	Numpad6            Key = 0x005e
	Numpad7            Key = 0x005f
	Numpad8            Key = 0x0060
	Numpad9            Key = 0x0061
	Numpad0            Key = 0x0062
	NumpadDecimal      Key = 0x0063
	IntlBackslash      Key = 0x0064
	ContextMenu        Key = 0x0065
	NumpadEqual        Key = 0x0067
	F13                Key = 0x0068
	F14                Key = 0x0069
	F15                Key = 0x006a
	F16                Key = 0x006b
	F17                Key = 0x006c
	F18                Key = 0x006d
	F19                Key = 0x006e
	F20                Key = 0x006f
	F21                Key = 0x0070
	F22                Key = 0x0071
	F23                Key = 0x0072
	F24                Key = 0x0073
	AudioVolumeMute    Key = 0x007f
	AudioVolumeUp      Key = 0x0080
	AudioVolumeDown    Key = 0x0081
	ControlLeft        Key = 0x00e0
	ShiftLeft          Key = 0x00e1
	AltLeft            Key = 0x00e2
	MetaLeft           Key = 0x00e3
	ControlRight       Key = 0x00e4
	ShiftRight         Key = 0x00e5
	AltRight           Key = 0x00e6
	MetaRight          Key = 0x00e7
	MediaTrackNext     Key = 0x0cb5
	MediaTrackPrevious Key = 0x0cb6
	MediaStop          Key = 0x0cb7
	MediaPlayPause     Key = 0x0ccd
)

// keyNames lists every named key with its KeyboardEvent.code.
var keyNames = [...]struct {
	key  Key
	code string
}{
	{KeyA, "KeyA"},
	{KeyB, "KeyB"},
	{KeyC, "KeyC"},
	{KeyD, "KeyD"},
	{KeyE, "KeyE"},
	{KeyF, "KeyF"},
	{KeyG, "KeyG"},
	{KeyH, "KeyH"},
	{KeyI, "KeyI"},
	{KeyJ, "KeyJ"},
	{KeyK, "KeyK"},
	{KeyL, "KeyL"},
	{KeyM, "KeyM"},
	{KeyN, "KeyN"},
	{KeyO, "KeyO"},
	{KeyP, "KeyP"},
	{KeyQ, "KeyQ"},
	{KeyR, "KeyR"},
	{KeyS, "KeyS"},
	{KeyT, "KeyT"},
	{KeyU, "KeyU"},
	{KeyV, "KeyV"},
	{KeyW, "KeyW"},
	{KeyX, "KeyX"},
	{KeyY, "KeyY"},
	{KeyZ, "KeyZ"},
	{Digit1, "Digit1"},
	{Digit2, "Digit2"},
	{Digit3, "Digit3"},
	{Digit4, "Digit4"},
	{Digit5, "Digit5"},
	{Digit6, "Digit6"},
	{Digit7, "Digit7"},
	{Digit8, "Digit8"},
	{Digit9, "Digit9"},
	{Digit0, "Digit0"},
	{Enter, "Enter"},
	{Escape, "Escape"},
	{Backspace, "Backspace"},
	{Tab, "Tab"},
	{Space, "Space"},
	{Minus, "Minus"},
	{Equal, "Equal"},
	{BracketLeft, "BracketLeft"},
	{BracketRight, "BracketRight"},
	{Backslash, "Backslash"},
	{IntlHash, "IntlHash"},
	{Semicolon, "Semicolon"},
	{Quote, "Quote"},
	{Backquote, "Backquote"},
	{Comma, "Comma"},
	{Period, "Period"},
	{Slash, "Slash"},
	{CapsLock, "CapsLock"},
	{F1, "F1"},
	{F2, "F2"},
	{F3, "F3"},
	{F4, "F4"},
	{F5, "F5"},
	{F6, "F6"},
	{F7, "F7"},
	{F8, "F8"},
	{F9, "F9"},
	{F10, "F10"},
	{F11, "F11"},
	{F12, "F12"},
	{PrintScreen, "PrintScreen"},
	{ScrollLock, "ScrollLock"},
	{Pause, "Pause"},
	{Insert, "Insert"},
	{Home, "Home"},
	{PageUp, "PageUp"},
	{Delete, "Delete"},
	{End, "End"},
	{PageDown, "PageDown"},
	{ArrowRight, "ArrowRight"},
	{ArrowLeft, "ArrowLeft"},
	{ArrowDown, "ArrowDown"},
	{ArrowUp, "ArrowUp"},
	{NumLock, "NumLock"},
	{NumpadDivide, "NumpadDivide"},
	{NumpadMultiply, "NumpadMultiply"},
	{NumpadSubtract, "NumpadSubtract"},
	{NumpadAdd, "NumpadAdd"},
	{NumpadEnter, "NumpadEnter"},
	{Numpad1, "Numpad1"},
	{Numpad2, "Numpad2"},
	{Numpad3, "Numpad3"},
	{Numpad4, "Numpad4"},
	{Numpad5, "Numpad5"},
	{Numpad6, "Numpad6"},
	{Numpad7, "Numpad7"},
	{Numpad8, "Numpad8"},
	{Numpad9, "Numpad9"},
	{Numpad0, "Numpad0"},
	{NumpadDecimal, "NumpadDecimal"},
	{IntlBackslash, "IntlBackslash"},
	{ContextMenu, "ContextMenu"},
	{NumpadEqual, "NumpadEqual"},
	{F13, "F13"},
	{F14, "F14"},
	{F15, "F15"},
	{F16, "F16"},
	{F17, "F17"},
	{F18, "F18"},
	{F19, "F19"},
	{F20, "F20"},
	{F21, "F21"},
	{F22, "F22"},
	{F23, "F23"},
	{F24, "F24"},
	{AudioVolumeMute, "AudioVolumeMute"},
	{AudioVolumeUp, "AudioVolumeUp"},
	{AudioVolumeDown, "AudioVolumeDown"},
	{ControlLeft, "ControlLeft"},
	{ShiftLeft, "ShiftLeft"},
	{AltLeft, "AltLeft"},
	{MetaLeft, "MetaLeft"},
	{ControlRight, "ControlRight"},
	{ShiftRight, "ShiftRight"},
	{AltRight, "AltRight"},
	{MetaRight, "MetaRight"},
	{MediaTrackNext, "MediaTrackNext"},
	{MediaTrackPrevious, "MediaTrackPrevious"},
	{MediaStop, "MediaStop"},
	{MediaPlayPause, "MediaPlayPause"},
}
