package record

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTypingScheduleIsHumanSpeed(t *testing.T) {
	tl := &timeline{}
	var typed []rune
	scheduleTyping(tl, 60*time.Second, func(r rune) error { typed = append(typed, r); return nil })
	require.NotEmpty(t, tl.events)
	require.NoError(t, tl.drive(61*time.Second))
	script := strings.Join(typingScript(), "")
	require.True(t, strings.HasPrefix(string(typed), script+script), "typed %q", string(typed))

	// Speed within words: gaps between characters of one command.
	var inWord, words time.Duration
	n := 0
	for i := 1; i < len(tl.events); i++ {
		gap := tl.events[i].at - tl.events[i-1].at
		if typed[i-1] == '\n' {
			continue
		}
		inWord += gap
		n++
		words = tl.events[i].at
	}
	perSecond := float64(n) / inWord.Seconds()
	t.Logf("typing at %.1f characters a second", perSecond)
	assert.True(t, perSecond >= 10 && perSecond <= 15, "typing at %.1f characters a second", perSecond)
	assert.Greater(t, words, 50*time.Second)
	for i := 1; i < len(tl.events); i++ {
		assert.GreaterOrEqual(t, tl.events[i].at, tl.events[i-1].at, "events out of order")
	}
}

func TestTimelineRunsEventsOnceInOrder(t *testing.T) {
	tl := &timeline{}
	var got []int
	for i := range 5 {
		tl.add(time.Duration(i)*100*time.Millisecond, func() error { got = append(got, i); return nil })
	}
	boom := errors.New("boom")
	require.NoError(t, tl.drive(150*time.Millisecond))
	assert.Equal(t, []int{0, 1}, got)
	require.NoError(t, tl.drive(150*time.Millisecond))
	assert.Equal(t, []int{0, 1}, got)
	tl.add(1000*time.Millisecond, func() error { return boom })
	assert.ErrorIs(t, tl.drive(2*time.Second), boom)
	assert.Equal(t, []int{0, 1, 2, 3, 4}, got)
}

func TestDragPathIsSmoothAndOnScreen(t *testing.T) {
	const freeX, freeY = 916, 376 // a 100x35 xterm on 1920x1080
	p := newDragPath(freeX, freeY)
	px, py := p.at(0)
	moved := 0
	for f := 1; f < 30*20; f++ {
		x, y := p.at(time.Duration(f) * time.Second / 30)
		assert.True(t, x >= 0 && x <= freeX && y >= 0 && y <= freeY, "frame %d at %d,%d", f, x, y)
		step := max(abs(x-px), abs(y-py))
		assert.LessOrEqual(t, step, 40, "frame %d jumps %d px", f, step)
		if step > 0 {
			moved++
		}
		px, py = x, y
	}
	assert.Greater(t, moved, 300, "the window hardly moves")
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
