//go:build linux || freebsd || openbsd || netbsd

package x11

import (
	"context"
	"image"
	"time"

	"github.com/deskhand/deskhand/capture"
	"github.com/jezek/xgb/damage"
	"github.com/jezek/xgb/xfixes"
	"github.com/jezek/xgb/xproto"
)

// maxDamageRects bounds the damage list; beyond it the bounding box is sent.
const maxDamageRects = 256

// damageTracker asks the DAMAGE extension what was drawn on the root window.
//
// Each frame sends GetImage, then moves the accumulated damage into a region
// and fetches it: region R(k) holds what was drawn up to just after image k
// was read. What changed between images k-1 and k was drawn between them,
// which lies inside R(k-1) ∪ R(k) whatever other clients did in between, so
// that union is the frame's damage: exact or a superset, without grabbing the
// server.
//
// A second damage object, watch, tells Changed whether anything was drawn
// since the last image; see arm.
type damageTracker struct {
	damage damage.Damage
	watch  damage.Damage
	region xfixes.Region
	prev   []image.Rectangle // R(k-1), root coordinates
	cur    []image.Rectangle
	out    []image.Rectangle
}

type damageFetch struct {
	cookie xfixes.FetchRegionCookie
}

// newDamageTracker returns nil when the server lacks DAMAGE or XFIXES 2.
func newDamageTracker(ctx context.Context, s *Source) *damageTracker {
	off := func(why string, err error) *damageTracker {
		s.log.Info("x11: no damage hints, frames will be compared whole", "why", why, "err", err)
		return nil
	}
	if err := initExt(s.conn, xfixes.Init); err != nil {
		return off("no XFIXES extension", err)
	}
	if err := initExt(s.conn, damage.Init); err != nil {
		return off("no DAMAGE extension", err)
	}
	// Both extensions refuse requests until the client states its version.
	xv, err := await(ctx, s, xfixes.QueryVersion(s.conn, 2, 0).Reply)
	if err != nil || xv == nil || xv.MajorVersion < 2 {
		return off("XFIXES 2 needed", err)
	}
	if _, err := await(ctx, s, damage.QueryVersion(s.conn, 1, 1).Reply); err != nil {
		return off("damage version", err)
	}
	t := &damageTracker{}
	if t.region, err = xfixes.NewRegionId(s.conn); err != nil {
		return off("region id", err)
	}
	if _, err := await(ctx, s, check(xfixes.CreateRegionChecked(s.conn, t.region, nil))); err != nil {
		return off("create region", err)
	}
	if t.damage, err = damage.NewDamageId(s.conn); err != nil {
		return off("damage id", err)
	}
	_, err = await(ctx, s, check(damage.CreateChecked(s.conn, t.damage, xproto.Drawable(s.root), damage.ReportLevelNonEmpty)))
	if err != nil {
		return off("create damage", err)
	}
	// The server reports the whole window as damaged on creation; drop that,
	// the first frame's damage is unknown anyway.
	damage.Subtract(s.conn, t.damage, 0, 0)
	if t.watch, err = damage.NewDamageId(s.conn); err != nil {
		return off("watch damage id", err)
	}
	_, err = await(ctx, s, check(damage.CreateChecked(s.conn, t.watch, xproto.Drawable(s.root), damage.ReportLevelNonEmpty)))
	if err != nil {
		return off("create watch damage", err)
	}
	return t
}

// arm empties the watch damage right before the image request and returns
// the request's sequence number.
//
// At ReportLevelNonEmpty the server sends one DamageNotify when a damage
// region goes from empty to non-empty, and none after until it is emptied
// again. The tracker's own damage cannot say whether something was drawn
// after the image: it is emptied after the image request, and drawing by
// another client between the two requests sends no event when the region was
// already non-empty. The watch damage is emptied before the image request
// instead, so any drawing after the image (or in the instant between the two
// requests: a harmless spurious change) makes it go from empty to non-empty,
// or finds it already so with a notification already sent. A notification
// is for this frame's watch when its sequence number (the last request the
// server had processed when it sent it) is at least arm's.
//
// Comparing 16-bit sequence numbers is right only near arm's request, so it
// is done only until every notification sent before arm's request has been
// read; after that every notification is new. Events are read by the pump
// goroutine (see eventPump), so a reply does not prove that: a marker sent
// right after arm's request does (Source.grab awaits it, then sets
// watchFenced).
func (t *damageTracker) arm(s *Source) uint16 {
	return damage.Subtract(s.conn, t.watch, 0, 0).Sequence
}

// start moves the damage drawn so far into the region and asks for it. It is
// sent right after the image request.
func (t *damageTracker) start(s *Source) *damageFetch {
	if t == nil {
		return nil
	}
	damage.Subtract(s.conn, t.damage, 0, t.region)
	return &damageFetch{cookie: xfixes.FetchRegion(s.conn, t.region)}
}

// finish reads the fetched region (its reply follows the image reply, which
// has arrived) and returns the frame's damage in frame coordinates: nil when
// unknown or not tracked, an empty slice when nothing changed.
func (t *damageTracker) finish(f *damageFetch, area image.Rectangle, unknown bool) ([]image.Rectangle, error) {
	if t == nil || f == nil {
		return nil, nil
	}
	rep, err := f.cookie.Reply()
	if err != nil {
		return nil, err
	}
	t.cur = t.cur[:0]
	if rep != nil {
		if len(rep.Rectangles) > maxDamageRects {
			t.cur = append(t.cur, xrect(rep.Extents))
		} else {
			for _, r := range rep.Rectangles {
				t.cur = append(t.cur, xrect(r))
			}
		}
	}
	out := t.out[:0]
	var bbox image.Rectangle
	for _, list := range [2][]image.Rectangle{t.prev, t.cur} {
		for _, r := range list {
			if r = r.Intersect(area); !r.Empty() {
				r = r.Sub(area.Min)
				out = append(out, r)
				bbox = bbox.Union(r)
			}
		}
	}
	if len(out) > maxDamageRects {
		out = append(out[:0], bbox)
	}
	t.out = out
	t.prev, t.cur = t.cur, t.prev
	if unknown {
		return nil, nil
	}
	if out == nil {
		out = []image.Rectangle{}
	}
	return out, nil
}

func xrect(r xproto.Rectangle) image.Rectangle {
	return image.Rect(int(r.X), int(r.Y), int(r.X)+int(r.Width), int(r.Y)+int(r.Height))
}

// noteDamage records a DamageNotify read from the event queue.
func (s *Source) noteDamage(e damage.NotifyEvent) {
	if s.dmg == nil || e.Damage != s.dmg.watch {
		return
	}
	// Until the frame's marker has been seen, the queue may still hold
	// notifications sent before arm's request; the sequence number tells
	// them apart. After that every notification is new (and a comparison of
	// 16-bit sequence numbers would wrap after 32768 requests).
	if s.watchFenced || int16(e.Sequence-s.watchSeq) >= 0 {
		s.changed = true
	}
}

// Changed reports whether anything may have been drawn on the screen since
// the image of the previous Next was read. It never sends a request: it
// reads the DamageNotify events the server has already sent, so it costs
// well under a microsecond and lets a caller leave a still screen alone.
// After it reports false, ChangeReady tells when to call it again.
//
// It reports true:
//   - without damage tracking (WithoutDamage, or a server without DAMAGE and
//     XFIXES 2), before the first Next, and after a Next that failed;
//   - when the screen was reconfigured;
//   - when something was drawn anywhere on the root window, even outside the
//     monitor captured with WithMonitor (the notification does not say where
//     without emptying the damage Next relies on);
//   - as a safety net, once the recheck interval (WithRecheck, 1 second by
//     default) has passed since the last Next, even with no event: drawing
//     DAMAGE does not see (some direct-rendered or overlay video) is then
//     picked up within that interval, at the cost of one capture and diff
//     per interval on a still screen;
//   - on every call, if another client destroyed the source's marker window
//     (see eventPump).
//
// Like Next, it waits for a Next running in another goroutine to finish.
func (s *Source) Changed(ctx context.Context) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false, capture.ErrClosed
	}
	if s.broken != nil {
		return false, s.broken
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if s.dmg == nil || s.seq == 0 || !s.watchFenced {
		return true, nil
	}
	s.drainEvents()
	switch {
	case s.changed, s.dirty:
		return true, nil
	case s.opts.recheck > 0 && time.Since(s.frame.Time) >= s.opts.recheck:
		return true, nil
	}
	return false, nil
}
