//go:build linux || freebsd || openbsd || netbsd

package x11

import (
	"context"
	"errors"
	"image"

	"github.com/deskhand/deskhand/capture"
	"github.com/jezek/xgb"
	"github.com/jezek/xgb/randr"
	"github.com/jezek/xgb/xinerama"
	"github.com/jezek/xgb/xproto"
)

// initRandr reports whether the server has RandR 1.5 (monitors) and, if so,
// asks for its reconfiguration events.
func (s *Source) initRandr(ctx context.Context) bool {
	if err := initExt(s.conn, randr.Init); err != nil {
		return false
	}
	v, err := await(ctx, s, randr.QueryVersion(s.conn, 1, 5).Reply)
	if err != nil || v == nil || v.MajorVersion != 1 || v.MinorVersion < 5 {
		return false
	}
	randr.SelectInput(s.conn, s.root, randr.NotifyMaskScreenChange|randr.NotifyMaskCrtcChange|randr.NotifyMaskOutputChange)
	return true
}

func (s *Source) isRandrEvent(ev xgb.Event) bool {
	switch ev.(type) {
	case randr.ScreenChangeNotifyEvent, randr.NotifyEvent:
		return s.randr
	}
	return false
}

// queryMonitors lists monitors from RandR 1.5, else Xinerama, else the root
// window as one monitor.
func (s *Source) queryMonitors(ctx context.Context) ([]capture.Monitor, error) {
	whole := image.Rectangle{Max: s.screen}
	lost := func(err error) bool {
		var xerr xgb.Error
		return err != nil && !errors.As(err, &xerr)
	}
	if s.randr {
		rep, err := await(ctx, s, randr.GetMonitors(s.conn, s.root, true).Reply)
		if lost(err) {
			return nil, s.connErr("get monitors", err)
		}
		if err == nil && rep != nil && len(rep.Monitors) > 0 {
			names := make([]xproto.GetAtomNameCookie, len(rep.Monitors))
			for i, m := range rep.Monitors {
				names[i] = xproto.GetAtomName(s.conn, m.Name)
			}
			mons := make([]capture.Monitor, len(rep.Monitors))
			for i, m := range rep.Monitors {
				mons[i] = capture.Monitor{
					Index:   i,
					Bounds:  image.Rect(int(m.X), int(m.Y), int(m.X)+int(m.Width), int(m.Y)+int(m.Height)),
					Primary: m.Primary,
				}
				if n, err := await(ctx, s, names[i].Reply); err == nil && n != nil {
					mons[i].Name = n.Name
				} else if lost(err) {
					return nil, s.connErr("get monitor name", err)
				}
			}
			if !hasPrimary(mons) {
				mons[0].Primary = true
			}
			return mons, nil
		}
	}
	if initExt(s.conn, xinerama.Init) == nil {
		active, err := await(ctx, s, xinerama.IsActive(s.conn).Reply)
		if lost(err) {
			return nil, s.connErr("xinerama", err)
		}
		if err == nil && active != nil && active.State != 0 {
			rep, err := await(ctx, s, xinerama.QueryScreens(s.conn).Reply)
			if lost(err) {
				return nil, s.connErr("xinerama screens", err)
			}
			if err == nil && rep != nil && len(rep.ScreenInfo) > 0 {
				mons := make([]capture.Monitor, len(rep.ScreenInfo))
				for i, m := range rep.ScreenInfo {
					mons[i] = capture.Monitor{
						Index:   i,
						Bounds:  image.Rect(int(m.XOrg), int(m.YOrg), int(m.XOrg)+int(m.Width), int(m.YOrg)+int(m.Height)),
						Primary: i == 0,
					}
				}
				return mons, nil
			}
		}
	}
	return []capture.Monitor{{Index: 0, Bounds: whole, Primary: true}}, nil
}

func hasPrimary(mons []capture.Monitor) bool {
	for _, m := range mons {
		if m.Primary {
			return true
		}
	}
	return false
}
