package input

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHeldKeys(t *testing.T) {
	var h HeldKeys
	assert.Empty(t, h.Release())
	h.Observe(Event{Kind: KeyEvent, Key: ShiftLeft, Down: true})
	h.Observe(Event{Kind: KeyEvent, Key: ControlLeft, Down: true})
	h.Observe(Event{Kind: KeyEvent, Key: ShiftLeft, Down: true}) // auto-repeat
	h.Observe(Event{Kind: MouseButton, Button: ButtonLeft, Down: true})
	h.Observe(Event{Kind: KeyEvent, Key: KeyA, Down: true})
	h.Observe(Event{Kind: KeyEvent, Key: KeyA})              // released
	h.Observe(Event{Kind: KeyEvent, Key: KeyB})              // never pressed
	h.Observe(Event{Kind: MouseMove, X: 1, Y: 1})            // ignored
	h.Observe(Event{Kind: TextEvent, Text: "x"})             // ignored
	h.Observe(Event{Kind: MouseButton, Button: ButtonRight}) // never pressed
	h.Observe(Event{Kind: MouseButton, Button: ButtonMiddle, Down: true})
	assert.Equal(t, []Event{
		{Kind: KeyEvent, Key: ShiftLeft, Down: true},
		{Kind: KeyEvent, Key: ControlLeft, Down: true},
		{Kind: MouseButton, Button: ButtonLeft, Down: true},
		{Kind: MouseButton, Button: ButtonMiddle, Down: true},
	}, h.Held())
	assert.Equal(t, []Event{
		{Kind: MouseButton, Button: ButtonMiddle},
		{Kind: MouseButton, Button: ButtonLeft},
		{Kind: KeyEvent, Key: ControlLeft},
		{Kind: KeyEvent, Key: ShiftLeft},
	}, h.Release())
	assert.Empty(t, h.Held())
	assert.Empty(t, h.Release())
}

func TestHeldKeysConcurrent(t *testing.T) {
	var h HeldKeys
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(k Key) {
			defer wg.Done()
			for j := 0; j < 100; j++ {
				h.Observe(Event{Kind: KeyEvent, Key: k, Down: true})
				h.Observe(Event{Kind: KeyEvent, Key: k, Down: j%2 == 0})
			}
		}(KeyA + Key(i))
	}
	wg.Wait()
	assert.Len(t, h.Release(), 0)
}

func TestRecorder(t *testing.T) {
	ctx := context.Background()
	r := NewRecorder()
	var _ Injector = r
	require.NoError(t, r.Inject(ctx, Event{Kind: MouseMove, X: 10, Y: 20}))
	require.NoError(t, r.Inject(ctx, Event{Kind: KeyEvent, Key: ShiftLeft, Down: true}))
	assert.ErrorIs(t, r.Inject(ctx, Event{Kind: KeyEvent}), ErrInvalid)
	require.NoError(t, r.Inject(ctx, Event{Kind: MouseButton, Button: ButtonLeft, Down: true}))
	assert.Len(t, r.Events(), 3)

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	assert.ErrorIs(t, r.Inject(cctx, Event{Kind: MouseMove}), context.Canceled)

	require.NoError(t, r.Close())
	require.NoError(t, r.Close())
	assert.ErrorIs(t, r.Inject(ctx, Event{Kind: MouseMove}), ErrClosed)
	// Close released what was held, newest first.
	assert.Equal(t, []Event{
		{Kind: MouseMove, X: 10, Y: 20},
		{Kind: KeyEvent, Key: ShiftLeft, Down: true},
		{Kind: MouseButton, Button: ButtonLeft, Down: true},
		{Kind: MouseButton, Button: ButtonLeft},
		{Kind: KeyEvent, Key: ShiftLeft},
	}, r.Events())
}

func TestRecorderWait(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r := NewRecorder()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 5; i++ {
			_ = r.Inject(ctx, Event{Kind: MouseMove, X: i})
		}
	}()
	got, err := r.Wait(ctx, 5)
	require.NoError(t, err)
	require.Len(t, got, 5)
	for i, e := range got {
		assert.Equal(t, i, e.X)
	}
	wg.Wait()

	short, cancelShort := context.WithCancel(ctx)
	cancelShort()
	got, err = r.Wait(short, 6)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Len(t, got, 5)

	wg.Add(1)
	go func() { defer wg.Done(); _ = r.Close() }()
	got, err = r.Wait(ctx, 100)
	assert.ErrorIs(t, err, ErrClosed)
	assert.Len(t, got, 5)
	wg.Wait()
}
