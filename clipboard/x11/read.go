//go:build linux || freebsd || openbsd || netbsd

package x11

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/deskhand/deskhand/clipboard"
	"github.com/jezek/xgb/xproto"
)

// maxPrealloc bounds what an INCR size announcement makes us allocate up
// front; a larger text grows the buffer as it arrives.
const maxPrealloc = 16 << 20

// maxDraining bounds the abandoned reader windows kept to let owners finish.
const maxDraining = 8

// leave says what a read that did not finish leaves behind on the reader
// window, and so how the window is retired.
type leave int

const (
	leaveClean   leave = iota // nothing pending: keep the window
	leaveDestroy              // an owner may wait on it, and has its own timeout: destroy it
	leaveDrain                // an owner may be sending: let it finish, then destroy
)

// ReadText returns the selection's text as UTF-8: "" when no program owns
// it or the owner has no text. It asks for UTF8_STRING, then STRING. A text
// longer than max bytes gives clipboard.ErrTooLarge, found out as early as
// the owner's answer allows and never after receiving more than max bytes.
// Each wait for the owner is bounded by WithTimeout (ErrOwnerTimeout), the
// whole call by ctx.
func (c *Clipboard) ReadText(ctx context.Context, max int) (string, error) {
	if max < 0 {
		return "", fmt.Errorf("%w: ReadText max %d; use 0 or more bytes", clipboard.ErrInvalidArgument, max)
	}
	c.readMu.Lock()
	defer c.readMu.Unlock()
	if err := c.usable(); err != nil {
		return "", err
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	c.mu.Lock()
	o := c.owned
	c.mu.Unlock()
	if o != nil {
		// Our own text: no need to ask the server to have us send it to us.
		return o.text, checkSize(len(o.text), max)
	}
	owner, err := await(ctx, c, xproto.GetSelectionOwner(c.conn, c.sel).Reply)
	if err != nil {
		return "", err
	}
	if owner.Owner == xproto.WindowNone {
		return "", nil
	}
	for _, target := range []xproto.Atom{c.atoms.utf8, xproto.AtomString} {
		text, ok, left, err := c.convert(ctx, target, max)
		if left != leaveClean {
			c.retire(left)
		}
		if err != nil {
			return "", err
		}
		if ok {
			return text, nil
		}
	}
	return "", nil
}

func checkSize(n, max int) error {
	if n > max {
		return fmt.Errorf("%w: %d bytes, limit %d", clipboard.ErrTooLarge, n, max)
	}
	return nil
}

// convert asks the owner for the text as target. It returns ok false when
// the owner refuses that target.
func (c *Clipboard) convert(ctx context.Context, target xproto.Atom, max int) (string, bool, leave, error) {
	win := xproto.Window(c.reader.Load())
	prop := c.atoms.prop
	c.drainRead()
	xproto.ConvertSelection(c.conn, win, c.sel, target, prop, xproto.TimeCurrentTime)
	for {
		ev, err := wait(ctx, c, c.readEv, "conversion")
		if err != nil {
			return "", false, leaveDrain, err
		}
		// The owner's write of the property is reported first; only its
		// SelectionNotify says the value is complete.
		if sn, ok := ev.(xproto.SelectionNotifyEvent); ok && sn.Selection == c.sel {
			if sn.Property == xproto.AtomNone {
				return "", false, leaveClean, nil
			}
			break
		}
	}
	rep, err := await(ctx, c, xproto.GetProperty(c.conn, false, win, prop, xproto.GetPropertyTypeAny, 0, probeUnits(max)).Reply)
	if err != nil {
		return "", false, leaveDrain, err
	}
	if rep.Type == c.atoms.incr {
		return c.readIncr(ctx, win, rep, max)
	}
	xproto.DeleteProperty(c.conn, win, prop)
	switch {
	case rep.Type == xproto.AtomNone:
		// The owner said yes but wrote nothing.
		return "", false, leaveClean, nil
	case rep.Format != 8:
		return "", false, leaveClean, fmt.Errorf("%w: %d-bit text", ErrBadReply, rep.Format)
	case rep.BytesAfter > 0:
		return "", false, leaveClean, checkSize(int(min(uint64(len(rep.Value))+uint64(rep.BytesAfter), math.MaxInt)), max)
	}
	text := decodeText(rep.Value, rep.Type == xproto.AtomString)
	if err := checkSize(len(text), max); err != nil {
		return "", false, leaveClean, err
	}
	return text, true, leaveClean, nil
}

// readIncr receives an INCR transfer: each deletion of the property asks the
// owner for the next chunk, and an empty chunk ends the text.
func (c *Clipboard) readIncr(ctx context.Context, win xproto.Window, first *xproto.GetPropertyReply, max int) (string, bool, leave, error) {
	prop := c.atoms.prop
	size := parseIncrSize(first.Value, first.Format)
	if uint64(size) > uint64(max) {
		// Not started: the owner waits for the deletion that never comes,
		// until its own timeout.
		return "", false, leaveDestroy, fmt.Errorf("%w: the owner announces at least %d bytes, limit %d", clipboard.ErrTooLarge, size, max)
	}
	c.log.Debug("x11 clipboard: receiving by INCR", "announced", size)
	buf := make([]byte, 0, min(int(size), maxPrealloc))
	typ := xproto.Atom(xproto.AtomNone)
	xproto.DeleteProperty(c.conn, win, prop)
	for {
		if _, err := wait(ctx, c, c.readEv, "INCR chunk"); err != nil {
			return "", false, leaveDrain, err
		}
		// Deleting while reading asks for the next chunk.
		rep, err := await(ctx, c, xproto.GetProperty(c.conn, true, win, prop, xproto.GetPropertyTypeAny, 0, probeUnits(max-len(buf))).Reply)
		if err != nil {
			return "", false, leaveDrain, err
		}
		if rep.BytesAfter > 0 || len(rep.Value) > max-len(buf) {
			err := fmt.Errorf("%w: the owner sent more than %d bytes", clipboard.ErrTooLarge, max)
			if rep.BytesAfter > 0 {
				xproto.DeleteProperty(c.conn, win, prop) // GetProperty kept it
			}
			if c.skipRest(ctx, win) {
				return "", false, leaveClean, err
			}
			return "", false, leaveDrain, err
		}
		if len(rep.Value) == 0 {
			break
		}
		if rep.Format != 8 {
			return "", false, leaveDrain, fmt.Errorf("%w: %d-bit INCR chunk", ErrBadReply, rep.Format)
		}
		typ = rep.Type
		buf = append(buf, rep.Value...)
	}
	text := decodeText(buf, typ == xproto.AtomString)
	if err := checkSize(len(text), max); err != nil {
		return "", false, leaveClean, err
	}
	return text, true, leaveClean, nil
}

// maxSkip bounds how much of a text over the limit skipRest lets through
// before it leaves the rest to the event goroutine.
const maxSkip = 256 << 20

// skipRest lets an INCR transfer run to its end without receiving it: each
// chunk is measured (GetProperty of length 0 returns its size, no data) and
// deleted. Owners that serve one request at a time (xclip) then answer the
// next read cleanly; one cut off mid-transfer mixes the two. It reports
// whether the end was seen.
func (c *Clipboard) skipRest(ctx context.Context, win xproto.Window) bool {
	prop := c.atoms.prop
	skipped := 0
	for skipped <= maxSkip {
		if _, err := wait(ctx, c, c.readEv, "INCR chunk"); err != nil {
			return false
		}
		rep, err := await(ctx, c, xproto.GetProperty(c.conn, false, win, prop, xproto.GetPropertyTypeAny, 0, 0).Reply)
		if err != nil {
			return false
		}
		xproto.DeleteProperty(c.conn, win, prop)
		if rep.BytesAfter == 0 {
			return true
		}
		skipped += int(rep.BytesAfter)
	}
	return false
}

// drainRead drops events left from an earlier read.
func (c *Clipboard) drainRead() {
	for {
		select {
		case <-c.readEv:
		default:
			return
		}
	}
}

// retire replaces the reader window after a read that did not finish: the
// owner may still write to it, and would then write into the next read's
// property. The next read gets a fresh window.
//
// A window that may still receive a transfer (the read was cancelled or
// timed out) is drained rather than destroyed: the event goroutine deletes
// each chunk unread until the owner falls silent. Owners that serve one
// request at a time (xclip) wait forever for a deletion on a destroyed
// window, and would leave the local clipboard dead for every other program.
func (c *Clipboard) retire(how leave) {
	if c.usable() != nil {
		return
	}
	w, err := c.newWindow(nil)
	if err != nil {
		c.log.Debug("x11 clipboard: cannot replace the reader window", "err", err)
		return
	}
	old := xproto.Window(c.reader.Swap(uint32(w)))
	c.drainRead()
	if how == leaveDestroy {
		xproto.DestroyWindow(c.conn, old)
		return
	}
	c.mu.Lock()
	if len(c.draining) >= maxDraining {
		oldest := old
		for win, t := range c.draining {
			if oldest == old || t.Before(c.draining[oldest]) {
				oldest = win
			}
		}
		delete(c.draining, oldest)
		xproto.DestroyWindow(c.conn, oldest)
	}
	c.draining[old] = time.Now()
	c.mu.Unlock()
	// Whatever the owner wrote last goes too, so it moves on.
	xproto.DeleteProperty(c.conn, old, c.atoms.prop)
}

// drained deletes a chunk written to a retired window; it reports whether
// win is one.
func (c *Clipboard) drained(win xproto.Window, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.draining[win]; !ok {
		return false
	}
	c.draining[win] = now
	xproto.DeleteProperty(c.conn, win, c.atoms.prop)
	return true
}

// sweepDrained destroys retired windows whose owner fell silent.
func (c *Clipboard) sweepDrained(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for win, t := range c.draining {
		if now.Sub(t) > c.timeout {
			delete(c.draining, win)
			xproto.DestroyWindow(c.conn, win)
		}
	}
}
