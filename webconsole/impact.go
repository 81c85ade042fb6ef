package webconsole

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tamkeen/tamkeen/store"
)

// Chart geometry (SVG user units).
const (
	chartW, chartH   = 720, 260
	chartL, chartB   = 40, 30 // room for the y labels (left) and the week labels (bottom)
	chartT, chartR   = 10, 10
	defaultWeeks     = 12
	maxWeeks         = 52
	orderBarH        = 22
	orderLabelW      = 140
	orderChartW      = 560
	seriesCount      = 4
	chartYLabelsStep = 4 // the y axis shows 0, max/4, … max
)

// series names the funnel's steps, in order; each is a catalog key suffix
// and a CSS class.
var series = [seriesCount]string{"reached", "consented", "assessed", "signed_up"}

// week is one week of the funnel.
type week struct {
	Start  time.Time
	Counts [seriesCount]int
}

// chartLine is one series drawn as a polyline with a dot per week.
type chartLine struct {
	Name   string
	Points string
	Dots   []chartDot
	Total  int
}

type chartDot struct {
	X, Y float64
	N    int
	Week string
}

type axisLabel struct {
	X, Y float64
	Text string
}

type orderBar struct {
	Status string
	N      int
	Y, W   float64
}

// impact is the impact-over-time page: the funnel by week, per governorate
// and track, and orders by status, drawn as SVG on the server.
func (c *Console) impact(w http.ResponseWriter, rq *request) error {
	q := rq.URL.Query()
	f := store.TrendFilter{Governorate: q.Get("governorate"), Track: q.Get("track")}
	ch := c.choices()
	if f.Governorate != "" && !slices.Contains(ch.Governorates, f.Governorate) {
		f.Governorate = ""
	}
	if f.Track != "" && !slices.Contains(ch.Tracks, f.Track) {
		f.Track = ""
	}
	n := defaultWeeks
	if v, err := strconv.Atoi(q.Get("weeks")); err == nil && v >= 1 && v <= maxWeeks {
		n = v
	}
	first := weekStart(c.clock.Now().In(c.cfg.Location)).AddDate(0, 0, -7*(n-1))
	t, err := c.store.ImpactTrend(rq.Context(), f, first)
	if err != nil {
		return err
	}
	weeks := make([]week, n)
	for i := range weeks {
		weeks[i].Start = first.AddDate(0, 0, 7*i)
	}
	for si, list := range [seriesCount][]store.HourCount{t.Reached, t.Consented, t.Assessed, t.SignedUp} {
		for _, h := range list {
			i := int(weekStart(h.Hour.In(c.cfg.Location)).Sub(first).Hours()+12) / (24 * 7) // +12 h: a DST change moves no week
			if i >= 0 && i < n {
				weeks[i].Counts[si] += h.N
			}
		}
	}
	byGov, err := c.store.FunnelBy(rq.Context(), "governorate", first)
	if err != nil {
		return err
	}
	byTrack, err := c.store.FunnelBy(rq.Context(), "track", first)
	if err != nil {
		return err
	}
	lines, yLabels, xLabels := drawFunnel(weeks)
	c.render(w, rq, http.StatusOK, "impact", "impact", map[string]any{
		"Filter": f, "Weeks": n, "Choices": ch, "Lines": lines, "YLabels": yLabels, "XLabels": xLabels,
		"Table": weeks, "ByGovernorate": byGov, "ByTrack": byTrack, "Orders": drawOrders(t.Orders), "OrdersH": len(t.Orders)*orderBarH + 4,
		"W": chartW, "H": chartH, "Left": chartL, "Bottom": chartH - chartB, "Right": chartW - chartR,
		"OrderW": orderChartW + orderLabelW, "OrderLabelW": orderLabelW,
	})
	return nil
}

// weekStart is the Monday 00:00 that begins t's week, in t's location.
func weekStart(t time.Time) time.Time {
	d := (int(t.Weekday()) + 6) % 7 // days since Monday
	y, m, day := t.Date()
	return time.Date(y, m, day-d, 0, 0, 0, 0, t.Location())
}

// drawFunnel lays the weeks out as one line per funnel step.
func drawFunnel(weeks []week) ([]chartLine, []axisLabel, []axisLabel) {
	top := 0
	for _, w := range weeks {
		for _, n := range w.Counts {
			top = max(top, n)
		}
	}
	top = niceCeil(top)
	plotW, plotH := float64(chartW-chartL-chartR), float64(chartH-chartT-chartB)
	x := func(i int) float64 {
		if len(weeks) == 1 {
			return chartL + plotW/2
		}
		return chartL + plotW*float64(i)/float64(len(weeks)-1)
	}
	y := func(n int) float64 { return chartT + plotH - plotH*float64(n)/float64(top) }
	lines := make([]chartLine, seriesCount)
	for si := range lines {
		var pts []string
		l := chartLine{Name: series[si]}
		for i, w := range weeks {
			n := w.Counts[si]
			l.Total += n
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(i), y(n)))
			l.Dots = append(l.Dots, chartDot{X: x(i), Y: y(n), N: n, Week: w.Start.Format("2006-01-02")})
		}
		l.Points = strings.Join(pts, " ")
		lines[si] = l
	}
	var yl []axisLabel
	for k := 0; k <= chartYLabelsStep; k++ {
		n := top * k / chartYLabelsStep
		yl = append(yl, axisLabel{X: chartL - 6, Y: y(n) + 4, Text: strconv.Itoa(n)})
	}
	var xl []axisLabel
	step := max(1, len(weeks)/6)
	for i := 0; i < len(weeks); i += step {
		xl = append(xl, axisLabel{X: x(i), Y: chartH - chartB + 18, Text: weeks[i].Start.Format("01-02")})
	}
	return lines, yl, xl
}

// niceCeil is the axis top for a largest value n: four gridlines whose
// step is 1, 2 or 5 times a power of ten.
func niceCeil(n int) int {
	for m := 1; ; m *= 10 {
		for _, b := range []int{1, 2, 5} {
			if c := b * m * chartYLabelsStep; c >= n {
				return c
			}
		}
	}
}

// drawOrders lays orders by status out as horizontal bars.
func drawOrders(counts []store.Count) []orderBar {
	top := 1
	for _, c := range counts {
		top = max(top, c.N)
	}
	bars := make([]orderBar, len(counts))
	for i, c := range counts {
		bars[i] = orderBar{Status: c.Key, N: c.N, Y: float64(i*orderBarH + 2),
			W: max(1, float64(orderChartW-60)*float64(c.N)/float64(top))}
	}
	return bars
}
