package input

import (
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
)

// Kind says what an Event does. Its value is the event's first wire byte.
type Kind uint8

const (
	// MouseMove moves the pointer to (X, Y).
	MouseMove Kind = 1
	// MouseButton presses (Down) or releases a Button.
	MouseButton Kind = 2
	// MouseWheel scrolls by (DX, DY) notches.
	MouseWheel Kind = 3
	// KeyEvent presses (Down) or releases a physical Key.
	KeyEvent Kind = 4
	// TextEvent types Text as characters, whatever the keyboard layout.
	TextEvent Kind = 5
)

// String returns the kind's name, or "Kind(n)".
func (k Kind) String() string {
	switch k {
	case MouseMove:
		return "MouseMove"
	case MouseButton:
		return "MouseButton"
	case MouseWheel:
		return "MouseWheel"
	case KeyEvent:
		return "KeyEvent"
	case TextEvent:
		return "TextEvent"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Button is a mouse button.
type Button uint8

const (
	ButtonLeft    Button = 1
	ButtonMiddle  Button = 2
	ButtonRight   Button = 3
	ButtonBack    Button = 4 // the "back" side button (browser MouseEvent.button 3)
	ButtonForward Button = 5 // the "forward" side button (browser MouseEvent.button 4)
)

// String returns the button's name, or "Button(n)".
func (b Button) String() string {
	switch b {
	case ButtonLeft:
		return "Left"
	case ButtonMiddle:
		return "Middle"
	case ButtonRight:
		return "Right"
	case ButtonBack:
		return "Back"
	case ButtonForward:
		return "Forward"
	}
	return "Button(" + strconv.Itoa(int(b)) + ")"
}

// MaxText is the longest Text of a TextEvent, in bytes.
const MaxText = 4096

// MaxCoord is the largest pointer coordinate.
const MaxCoord = 65535

// Event is one input action. Only the fields of its Kind may be set; the
// others must be zero.
type Event struct {
	Kind Kind
	// X, Y: MouseMove. Absolute position in pixels of the shared frame,
	// 0..65535 each.
	X, Y int
	// Button: MouseButton, ButtonLeft..ButtonForward.
	Button Button
	// Down: MouseButton and KeyEvent; true presses, false releases.
	Down bool
	// DX, DY: MouseWheel. Notches, positive to the right and down,
	// -32768..32767 each.
	DX, DY int
	// Key: KeyEvent. A key from this package's table range (see Key).
	Key Key
	// Text: TextEvent. 1..MaxText bytes of UTF-8, typed as characters (no
	// key mapping). Injectors press Enter for "\n" (and for "\r\n" or a lone
	// "\r") and Tab for "\t".
	Text string
}

// Validate returns nil when e follows the rules of its Kind, else an error
// wrapping ErrInvalid.
func (e Event) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %v: %s", ErrInvalid, e.Kind, fmt.Sprintf(format, args...))
	}
	// Each kind zeroes the fields it owns in a copy; whatever is left set
	// belongs to another kind.
	rest := e
	rest.Kind = 0
	switch e.Kind {
	case MouseMove:
		if e.X < 0 || e.X > MaxCoord || e.Y < 0 || e.Y > MaxCoord {
			return bad("position (%d,%d) outside 0..%d", e.X, e.Y, MaxCoord)
		}
		rest.X, rest.Y = 0, 0
	case MouseButton:
		if e.Button < ButtonLeft || e.Button > ButtonForward {
			return bad("unknown button %d", e.Button)
		}
		rest.Button, rest.Down = 0, false
	case MouseWheel:
		if e.DX < math.MinInt16 || e.DX > math.MaxInt16 || e.DY < math.MinInt16 || e.DY > math.MaxInt16 {
			return bad("wheel (%d,%d) outside -32768..32767", e.DX, e.DY)
		}
		rest.DX, rest.DY = 0, 0
	case KeyEvent:
		if !e.Key.valid() {
			return bad("key %v out of range", e.Key)
		}
		rest.Key, rest.Down = 0, false
	case TextEvent:
		if len(e.Text) == 0 || len(e.Text) > MaxText {
			return bad("text of %d bytes; want 1..%d", len(e.Text), MaxText)
		}
		if !utf8.ValidString(e.Text) {
			return bad("text is not valid UTF-8")
		}
		rest.Text = ""
	default:
		return fmt.Errorf("%w: unknown kind %d", ErrInvalid, uint8(e.Kind))
	}
	if rest != (Event{}) {
		return bad("fields of another kind are set: %+v", rest)
	}
	return nil
}

// String describes the event for logs ("KeyEvent(KeyA down)").
func (e Event) String() string {
	updown := func(d bool) string {
		if d {
			return "down"
		}
		return "up"
	}
	switch e.Kind {
	case MouseMove:
		return fmt.Sprintf("MouseMove(%d,%d)", e.X, e.Y)
	case MouseButton:
		return fmt.Sprintf("MouseButton(%v %s)", e.Button, updown(e.Down))
	case MouseWheel:
		return fmt.Sprintf("MouseWheel(%d,%d)", e.DX, e.DY)
	case KeyEvent:
		return fmt.Sprintf("KeyEvent(%v %s)", e.Key, updown(e.Down))
	case TextEvent:
		return fmt.Sprintf("TextEvent(%d bytes)", len(e.Text))
	}
	return e.Kind.String()
}
