//go:build linux || freebsd || openbsd || netbsd

package x11

import (
	"context"
	"math"
	"time"

	"github.com/deskhand/deskhand/clipboard"
	"github.com/jezek/xgb/xproto"
)

// maxTransfers bounds the INCR transfers served at once; a requestor beyond
// it is refused until one ends. They share the text, so each costs little.
const maxTransfers = 32

// ownedText is a text we own the selection with.
type ownedText struct {
	text       string
	time       xproto.Timestamp // of our SetSelectionOwner
	utf8       []byte
	str        []byte // the STRING form, built on first request by the event goroutine
	latin1Only bool   // STRING carries the text without loss
}

func (o *ownedText) string8() []byte {
	if o.str == nil {
		o.str = latin1(o.text)
	}
	return o.str
}

// transferKey names an outgoing INCR transfer: the requestor's window and
// property.
type transferKey struct {
	win  xproto.Window
	prop xproto.Atom
}

type transfer struct {
	typ  xproto.Atom
	data []byte
	off  int
	last time.Time // of the requestor's last acknowledgement
}

// WriteText takes the selection and serves text to other programs until one
// of them takes it or Close. A text that is not clipboard.Valid gives
// clipboard.ErrInvalidText; there is no size limit here (the caller's
// policy has one). Text larger than one X request goes by INCR.
func (c *Clipboard) WriteText(ctx context.Context, text string) error {
	if err := clipboard.Valid(text, len(text)); err != nil {
		return err
	}
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if err := c.usable(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// ICCCM: take the selection with a real server time, never
	// CurrentTime, so requests and clears can be told apart in time.
	ts, err := c.timestamp(ctx)
	if err != nil {
		return err
	}
	o := &ownedText{text: text, time: ts, utf8: []byte(text), latin1Only: isLatin1(text)}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return clipboard.ErrClosed
	}
	// Set before taking the selection: requests may follow at once.
	c.owned = o
	c.mu.Unlock()
	xproto.SetSelectionOwner(c.conn, c.owner, c.sel, ts)
	rep, err := await(ctx, c, xproto.GetSelectionOwner(c.conn, c.sel).Reply)
	if err != nil {
		return err
	}
	if rep.Owner != c.owner {
		c.disown(o)
		return ErrNotOwner
	}
	return nil
}

func (c *Clipboard) disown(o *ownedText) {
	c.mu.Lock()
	if c.owned == o {
		c.owned = nil
	}
	c.mu.Unlock()
}

// timestamp gets the server's current time: appending nothing to a property
// of ours makes the server report the change with its time.
func (c *Clipboard) timestamp(ctx context.Context) (xproto.Timestamp, error) {
	for len(c.stamps) > 0 {
		<-c.stamps
	}
	xproto.ChangeProperty(c.conn, xproto.PropModeAppend, c.owner, c.atoms.stamp, xproto.AtomInteger, 32, 0, nil)
	return wait(ctx, c, c.stamps, "server timestamp")
}

// ownedFor returns the text to serve a request with, or nil to refuse it.
func (c *Clipboard) ownedFor(e xproto.SelectionRequestEvent) *ownedText {
	c.mu.Lock()
	o := c.owned
	c.mu.Unlock()
	if o == nil || e.Owner != c.owner || e.Selection != c.sel {
		return nil
	}
	if e.Time != xproto.TimeCurrentTime && int32(e.Time-o.time) < 0 {
		return nil // asks for the selection as it was before we took it
	}
	return o
}

// serve answers a SelectionRequest: convert, then tell the requestor which
// property holds the answer (None for a refusal).
func (c *Clipboard) serve(e xproto.SelectionRequestEvent, now time.Time) {
	reply := xproto.SelectionNotifyEvent{
		Time: e.Time, Requestor: e.Requestor, Selection: e.Selection, Target: e.Target, Property: xproto.AtomNone,
	}
	prop := e.Property
	if prop == xproto.AtomNone {
		prop = e.Target // obsolete requestors (ICCCM 2.2)
	}
	if o := c.ownedFor(e); o != nil && (e.Property != xproto.AtomNone || e.Target != c.atoms.multiple) {
		if c.put(o, e.Requestor, e.Target, prop, now, true) {
			reply.Property = prop
		}
	}
	if reply.Property == xproto.AtomNone {
		c.log.Debug("x11 clipboard: refused a request", "target", uint32(e.Target), "requestor", uint32(e.Requestor))
	}
	xproto.SendEvent(c.conn, false, e.Requestor, xproto.EventMaskNoEvent, string(reply.Bytes()))
}

// put writes the text as target into the requestor's property. It reports
// false for a target we do not offer.
func (c *Clipboard) put(o *ownedText, win xproto.Window, target, prop xproto.Atom, now time.Time, top bool) bool {
	a := &c.atoms
	switch target {
	case a.targets:
		c.change(win, prop, xproto.AtomAtom, 32, encode32(uint32(a.targets), uint32(a.multiple),
			uint32(a.timestamp), uint32(a.utf8), uint32(xproto.AtomString), uint32(a.text)))
		return true
	case a.timestamp:
		c.change(win, prop, xproto.AtomInteger, 32, encode32(uint32(o.time)))
		return true
	case a.utf8:
		return c.putText(win, prop, a.utf8, o.utf8, now)
	case xproto.AtomString:
		return c.putText(win, prop, xproto.AtomString, o.string8(), now)
	case a.text:
		// TEXT lets the owner pick the encoding: STRING when it is exact.
		if o.latin1Only {
			return c.putText(win, prop, xproto.AtomString, o.string8(), now)
		}
		return c.putText(win, prop, a.utf8, o.utf8, now)
	case a.multiple:
		return top && c.putMultiple(o, win, prop, now)
	}
	return false
}

func (c *Clipboard) change(win xproto.Window, prop, typ xproto.Atom, format byte, data []byte) {
	xproto.ChangeProperty(c.conn, xproto.PropModeReplace, win, prop, typ, format, uint32(len(data)*8/int(format)), data)
}

// putText writes data in one property when it fits one request, else
// starts an INCR transfer: the property first holds the size, and each time
// the requestor deletes it, the next chunk follows; an empty chunk ends it.
func (c *Clipboard) putText(win xproto.Window, prop, typ xproto.Atom, data []byte, now time.Time) bool {
	key := transferKey{win, prop}
	if _, ok := c.out[key]; ok {
		c.end(key) // a new request on the same property supersedes the old one
	}
	if len(data) <= c.chunk {
		c.change(win, prop, typ, 8, data)
		return true
	}
	if len(c.out) >= maxTransfers {
		c.log.Info("x11 clipboard: too many large transfers at once, refusing one", "max", maxTransfers)
		return false
	}
	c.log.Debug("x11 clipboard: sending by INCR", "bytes", len(data), "requestor", uint32(win))
	c.watch(win)
	c.change(win, prop, c.atoms.incr, 32, encode32(uint32(min(len(data), math.MaxUint32))))
	c.out[key] = &transfer{typ: typ, data: data, last: now}
	return true
}

// next sends the next chunk of a transfer whose property the requestor
// just deleted.
func (c *Clipboard) next(e xproto.PropertyNotifyEvent, now time.Time) {
	key := transferKey{e.Window, e.Atom}
	t := c.out[key]
	if t == nil {
		return
	}
	n := min(c.chunk, len(t.data)-t.off)
	c.change(e.Window, e.Atom, t.typ, 8, t.data[t.off:t.off+n])
	t.off += n
	t.last = now
	if n == 0 {
		c.end(key)
	}
}

func (c *Clipboard) end(key transferKey) {
	delete(c.out, key)
	c.unwatch(key.win)
}

// ours reports whether a window belongs to this connection: its event mask
// is ours to keep.
func (c *Clipboard) ours(win xproto.Window) bool {
	info := xproto.Setup(c.conn)
	return uint32(win)&^info.ResourceIdMask == info.ResourceIdBase
}

// watch asks for the requestor window's property deletions (our chunk
// cue) and destruction (the transfer's end). Event masks are per client:
// this does not disturb the requestor's own.
func (c *Clipboard) watch(win xproto.Window) {
	if c.ours(win) {
		return
	}
	c.watched[win]++
	if c.watched[win] == 1 {
		xproto.ChangeWindowAttributes(c.conn, win, xproto.CwEventMask,
			[]uint32{xproto.EventMaskPropertyChange | xproto.EventMaskStructureNotify})
	}
}

func (c *Clipboard) unwatch(win xproto.Window) {
	n, ok := c.watched[win]
	if !ok {
		return
	}
	if n > 1 {
		c.watched[win] = n - 1
		return
	}
	delete(c.watched, win)
	xproto.ChangeWindowAttributes(c.conn, win, xproto.CwEventMask, []uint32{xproto.EventMaskNoEvent})
}

// drop forgets the transfers to a window that was destroyed.
func (c *Clipboard) drop(win xproto.Window) {
	for key := range c.out {
		if key.win == win {
			delete(c.out, key)
		}
	}
	delete(c.watched, win)
}

// sweep ends transfers whose requestor stopped acknowledging chunks.
func (c *Clipboard) sweep(now time.Time) {
	for key, t := range c.out {
		if now.Sub(t.last) > c.timeout {
			c.log.Debug("x11 clipboard: a requestor stopped reading, transfer dropped", "requestor", uint32(key.win))
			c.end(key)
		}
	}
}

// putMultiple serves a MULTIPLE request: the property lists (target,
// property) pairs; each is converted, and a failed one's property is
// replaced by None in the list.
func (c *Clipboard) putMultiple(o *ownedText, win xproto.Window, prop xproto.Atom, now time.Time) bool {
	// The one request the event goroutine waits for: rare, bounded, and the
	// reply does not travel through the event queue.
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	rep, err := await(ctx, c, xproto.GetProperty(c.conn, false, win, prop, xproto.GetPropertyTypeAny, 0, 2*maxPairs+1).Reply)
	if err != nil || rep.Type == xproto.AtomNone || rep.BytesAfter > 0 {
		c.log.Debug("x11 clipboard: unreadable MULTIPLE request", "err", err)
		return false
	}
	pairs, err := parseAtomPairs(rep.Value, rep.Format)
	if err != nil {
		c.log.Debug("x11 clipboard: malformed MULTIPLE request", "err", err)
		return false
	}
	for i := range pairs {
		p := &pairs[i]
		if p.property == uint32(xproto.AtomNone) || !c.put(o, win, xproto.Atom(p.target), xproto.Atom(p.property), now, false) {
			p.property = uint32(xproto.AtomNone)
		}
	}
	c.change(win, prop, rep.Type, 32, encodeAtomPairs(pairs))
	return true
}

// lost handles SelectionClear: another program took the selection.
func (c *Clipboard) lost(e xproto.SelectionClearEvent) {
	if e.Selection != c.sel || e.Owner != c.owner {
		return
	}
	c.mu.Lock()
	o := c.owned
	c.mu.Unlock()
	if o == nil {
		return
	}
	switch d := int32(e.Time - o.time); {
	case d < 0:
		return // the end of an ownership before this one
	case d == 0:
		// Taken in the same millisecond as ours: before or after? Ask.
		ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
		rep, err := await(ctx, c, xproto.GetSelectionOwner(c.conn, c.sel).Reply)
		cancel()
		if err == nil && rep.Owner == c.owner {
			return
		}
	}
	c.disown(o)
}
