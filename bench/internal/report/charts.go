package report

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// bar is one row of a horizontal bar chart.
type bar struct {
	label string      // category name on the Y axis
	value float64     // > 0 to draw; 0 is drawn as an empty bar at the axis minimum
	text  string      // printed after the bar
	color color.Color // fill
}

// Chart sizes: a fixed bar thickness, so the height grows with the rows.
const (
	chartWidth  = 7 * vg.Inch
	rowHeight   = 0.34 * vg.Inch
	barHeight   = 0.22 * vg.Inch
	chartChrome = 1.3 * vg.Inch // title, axis and margins
)

// codecColor gives deskhand's own codecs one colour, lossless baselines
// another and lossy baselines a third, so the reader finds deskhand at once.
func codecColor(name string, lossy bool) color.Color {
	switch {
	case strings.HasPrefix(name, "deskhand"):
		return color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}
	case lossy:
		return color.RGBA{R: 0xf0, G: 0x8a, B: 0x24, A: 0xff}
	default:
		return color.RGBA{R: 0x9a, G: 0x9a, B: 0x9a, A: 0xff}
	}
}

// logFloor returns the power of ten below the smallest positive value, the
// left end of log-scale bars (1 when no value is positive).
func logFloor(values []float64) float64 {
	lo := math.Inf(1)
	for _, v := range values {
		if v > 0 && v < lo {
			lo = v
		}
	}
	if math.IsInf(lo, 1) {
		return 1
	}
	f := math.Pow(10, math.Floor(math.Log10(lo)))
	if f >= lo {
		f /= 10
	}
	return f
}

// newPlot returns a plot with sans-serif text.
func newPlot(title, xLabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xLabel
	for _, s := range []*text.Style{&p.Title.TextStyle, &p.X.Label.TextStyle, &p.Y.Label.TextStyle,
		&p.X.Tick.Label, &p.Y.Tick.Label, &p.Legend.TextStyle} {
		s.Font.Variant = "Sans"
	}
	p.Title.TextStyle.Font.Size = vg.Points(13)
	p.Title.Padding = vg.Points(8)
	return p
}

// barChart is a horizontal bar chart with a log X axis; rows go top-down in
// the order given.
func barChart(title, xLabel string, bars []bar, tickLabel func(float64) string) *plot.Plot {
	p := newPlot(title, xLabel)
	names := make([]string, len(bars))
	values := make([]float64, len(bars))
	for i, b := range bars {
		names[len(bars)-1-i] = b.label
		values[i] = b.value
	}
	p.NominalY(names...)
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = logTicks{label: tickLabel}
	grid := plotter.NewGrid()
	grid.Horizontal.Width = 0
	p.Add(grid)
	lbl := p.X.Tick.Label
	lbl.XAlign, lbl.YAlign = draw.XLeft, draw.YCenter
	p.Add(&hbars{bars: bars, floor: logFloor(values), label: lbl})
	return p
}

// hbars draws horizontal bars from the X axis minimum (a power of ten) to
// each value, with the value's text after the bar. plotter.BarChart cannot:
// its bars start at 0, which a log scale cannot place.
type hbars struct {
	bars  []bar
	floor float64
	label text.Style
}

func (h *hbars) row(i int) float64 { return float64(len(h.bars) - 1 - i) }

func (h *hbars) end(v float64) float64 { return math.Max(v, h.floor) }

// Plot implements plot.Plotter.
func (h *hbars) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, trY := plt.Transforms(&c)
	for i, b := range h.bars {
		y := trY(h.row(i))
		x0, x1 := trX(h.floor), trX(h.end(b.value))
		pts := []vg.Point{{X: x0, Y: y - barHeight/2}, {X: x0, Y: y + barHeight/2}, {X: x1, Y: y + barHeight/2}, {X: x1, Y: y - barHeight/2}}
		c.FillPolygon(b.color, c.ClipPolygonXY(pts))
		c.FillText(h.label, vg.Point{X: x1 + vg.Points(4), Y: y}, b.text)
	}
}

// DataRange implements plot.DataRanger: the X range spans at least a decade.
func (h *hbars) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmax = h.floor * 10
	for _, b := range h.bars {
		xmax = math.Max(xmax, b.value)
	}
	// Headroom: plot drops glyph boxes whose position rounds to just above
	// 1, and the longest bar's text must be kept.
	// Half a row above and below, so the outer bars are not clipped.
	return h.floor, xmax * 1.01, -0.5, float64(len(h.bars)) - 0.5
}

// GlyphBoxes implements plot.GlyphBoxer, so the plot leaves room for the
// bars' thickness and their text.
func (h *hbars) GlyphBoxes(plt *plot.Plot) []plot.GlyphBox {
	var out []plot.GlyphBox
	for i, b := range h.bars {
		x, y := plt.X.Norm(h.end(b.value)), plt.Y.Norm(h.row(i))
		out = append(out, plot.GlyphBox{X: x, Y: y, Rectangle: vg.Rectangle{
			Min: vg.Point{X: vg.Points(4), Y: -barHeight / 2},
			// A margin: SVG viewers render with their own, wider fonts.
			Max: vg.Point{X: vg.Points(12) + h.label.Width(b.text), Y: barHeight / 2},
		}})
	}
	return out
}

// logTicks marks every power of ten (labelled) and its multiples 2..9.
type logTicks struct{ label func(float64) string }

// Ticks implements plot.Ticker.
func (t logTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		base := math.Pow(10, e)
		for m := 1.0; m < 10; m++ {
			v := base * m
			if v < lo*(1-1e-9) || v > hi*(1+1e-9) {
				continue
			}
			tk := plot.Tick{Value: v}
			if m == 1 {
				tk.Label = t.label(v)
			}
			ticks = append(ticks, tk)
		}
	}
	return ticks
}

// siLabel labels a power of ten compactly: 1, 10, 100, 1k, 10k, 1M; 0.1, 0.01.
func siLabel(v float64) string {
	switch {
	case v >= 1e9:
		return fmt.Sprintf("%gG", v/1e9)
	case v >= 1e6:
		return fmt.Sprintf("%gM", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%gk", v/1e3)
	default:
		return fmt.Sprintf("%g", v)
	}
}

// series is one scenario's values in a dot chart, per codec name.
type series struct {
	name   string
	values map[string]float64
}

// dotChart places one dot per (codec, scenario), codecs as rows, scenarios
// as colours and shapes, on a log X axis. Zero values sit on the axis
// minimum. It returns the plot and its legend, drawn beside it by save.
func dotChart(title, xLabel string, codecs []string, ss []series, tickLabel func(float64) string) (*plot.Plot, plot.Legend, error) {
	p := newPlot(title, xLabel)
	names := make([]string, len(codecs))
	for i, c := range codecs {
		names[len(codecs)-1-i] = c
	}
	p.NominalY(names...)
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = logTicks{label: tickLabel}
	grid := plotter.NewGrid()
	p.Add(grid)

	var all []float64
	for _, s := range ss {
		for _, v := range s.values {
			all = append(all, v)
		}
	}
	floor := logFloor(all)
	legend := plot.NewLegend()
	legend.TextStyle = p.Legend.TextStyle
	legend.Top, legend.Left = true, true
	legend.Padding = vg.Points(3) // entries of 12-point text otherwise touch
	spread := 0.5 / float64(max(len(ss), 1))
	for j, s := range ss {
		var xys plotter.XYs
		for i, c := range codecs {
			v, ok := s.values[c]
			if !ok {
				continue
			}
			// Offset each scenario a little within its codec's row, so dots
			// with close values stay apart.
			y := float64(len(codecs)-1-i) + (float64(j)-float64(len(ss)-1)/2)*spread
			xys = append(xys, plotter.XY{X: math.Max(v, floor), Y: y})
		}
		if len(xys) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(xys)
		if err != nil {
			return nil, legend, err
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: plotutil.Color(j), Shape: plotutil.Shape(j), Radius: vg.Points(3.5)}
		p.Add(sc)
		legend.Add(s.name, sc)
	}
	// The X axis starts at the floor even when no value sits on it, and
	// spans at least a decade (a log axis cannot be widened around a point).
	p.X.Min = floor
	p.X.Max = math.Max(p.X.Max*1.2, floor*10)
	// Every row from its own extent, not the dots': the plot drops a row
	// label outside the Y range, so a bottom or top row whose dots all sit
	// above or below its centre (a codec run in few scenarios) lost its
	// label.
	p.Y.Min, p.Y.Max = -0.5, float64(len(codecs))-0.5
	return p, legend, nil
}

// save draws p (and, when legendWidth > 0, legend to its right) into an
// image file of the given format ("svg" or "png").
func save(path, format string, width, height vg.Length, p *plot.Plot, legend *plot.Legend, legendWidth vg.Length) error {
	c, err := draw.NewFormattedCanvas(width, height, format)
	if err != nil {
		return err
	}
	dc := draw.New(c)
	if legend != nil && legendWidth > 0 {
		p.Draw(draw.Crop(dc, 0, -legendWidth, 0, 0))
		legend.Draw(draw.Crop(dc, width-legendWidth+vg.Points(6), 0, 0, -0.6*vg.Inch))
	} else {
		p.Draw(dc)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := c.WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
