package sweep

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/descent-ml/descent/plot"
)

// maxLines is the most lines a plot draws, one per combination of the
// other keys' values; past it the trials are drawn as points.
const maxLines = 8

// Plot draws the ranking metric against each swept key whose values are
// numbers, one figure per key, written to dir (created if missing) as
// METRIC-vs-KEY.FORMAT, format being "png" or "svg". In a grid sweep
// each combination of the other keys' values is a line (up to 8 of
// them); otherwise each trial is a point. The x axis is logarithmic for
// keys drawn log-uniformly and for positive values spanning two decades
// or more, or spaced by factors of about 2 or more. A dashed line marks
// the best trial. Trials without the metric (diverged, failed) are left
// out and counted under the x axis. Plot returns the files written and, for
// each key not drawn, why (values that are not numbers, fewer than two
// values).
func (r *Result) Plot(dir, format string) (files, skipped []string, err error) {
	format = strings.ToLower(strings.TrimPrefix(format, "."))
	if format != "png" && format != "svg" {
		return nil, nil, fmt.Errorf("sweep: plot format %q: want png or svg", format)
	}
	for _, key := range r.Keys {
		chart, why := r.chart(key)
		if why != "" {
			skipped = append(skipped, key+": "+why)
			continue
		}
		var buf bytes.Buffer
		if err := plot.Lines(&buf, format, chart); err != nil {
			return files, skipped, fmt.Errorf("sweep: plot of %s against %s: %w", r.Metric, key, err)
		}
		path := filepath.Join(dir, fmt.Sprintf("%s-vs-%s.%s", r.Metric, fileSafe(key), format))
		if err := writeFileAtomic(path, buf.Bytes()); err != nil {
			return files, skipped, err
		}
		files = append(files, path)
	}
	return files, skipped, nil
}

// chart lays out the plot of the metric against key, or says why there
// is none.
func (r *Result) chart(key string) (plot.LineChart, string) {
	type point struct {
		x, y  float64
		group string
	}
	var pts []point
	missing := map[string]int{}
	// In the sweep's order, so that the lines come in the order of the
	// other keys' values.
	trials := slices.Clone(r.Trials)
	slices.SortFunc(trials, func(a, b Trial) int { return a.Index - b.Index })
	for i := range trials {
		t := &trials[i]
		v, ok := t.Params.Get(key)
		if !ok {
			continue
		}
		x, isNum := t.Params.Number(key)
		if !isNum {
			return plot.LineChart{}, fmt.Sprintf("its values are not numbers (%s=%s); the table ranks them", key, v)
		}
		y, ok := t.Value(r.Metric)
		if !ok {
			why := string(t.Status)
			if t.Status == StatusDone {
				why = "without " + r.Metric
			}
			missing[why]++
			continue
		}
		var others Params
		for _, s := range t.Params {
			if s.Key != key {
				others = append(others, s)
			}
		}
		pts = append(pts, point{x, y, others.String()})
	}
	var xs []float64
	for _, p := range pts {
		if !slices.Contains(xs, p.x) {
			xs = append(xs, p.x)
		}
	}
	if len(xs) < 2 {
		return plot.LineChart{}, fmt.Sprintf("fewer than two of its values have a %s", r.Metric)
	}
	slices.Sort(xs)
	better := "lower"
	if r.Maximize {
		better = "higher"
	}
	c := plot.LineChart{
		Title:  fmt.Sprintf("%s against %s, %d trials", r.Metric, key, len(pts)),
		XLabel: key,
		YLabel: fmt.Sprintf("%s (%s is better)", r.Metric, better),
		Points: true,
		LogX:   r.logKeys[key] || logSpaced(xs),
	}
	if len(missing) > 0 {
		var parts []string
		for _, why := range []string{string(StatusDiverged), string(StatusFailed), "without " + r.Metric} {
			if n := missing[why]; n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", n, why))
			}
		}
		c.XLabel += fmt.Sprintf("   (not shown: %s)", strings.Join(parts, ", "))
	}
	var groups []string
	for _, p := range pts {
		if !slices.Contains(groups, p.group) {
			groups = append(groups, p.group)
		}
	}
	if r.grid && len(groups) <= maxLines {
		for _, g := range groups {
			var gp []point
			for _, p := range pts {
				if p.group == g {
					gp = append(gp, p)
				}
			}
			slices.SortStableFunc(gp, func(a, b point) int { return cmpFloat(a.x, b.x) })
			s := plot.Series{Name: g}
			for _, p := range gp {
				s.X, s.Y = append(s.X, p.x), append(s.Y, p.y)
			}
			c.Series = append(c.Series, s)
		}
	} else {
		// Points only: a gap (NaN) between each two.
		var s plot.Series
		for i, p := range pts {
			if i > 0 {
				s.X, s.Y = append(s.X, math.NaN()), append(s.Y, math.NaN())
			}
			s.X, s.Y = append(s.X, p.x), append(s.Y, p.y)
		}
		c.Series = []plot.Series{s}
	}
	var ys []float64
	for _, p := range pts {
		ys = append(ys, p.y)
	}
	lo, hi := slices.Min(ys), slices.Max(ys)
	c.LogY = !r.Maximize && lo > 0 && hi/lo >= 100
	if b := r.Best; b != nil {
		if x, ok := b.Params.Number(key); ok {
			c.Markers = []plot.Marker{{X: x, Label: fmt.Sprintf("best: %s (%s)", b.Params, formatMetric(b, r.Metric))}}
			c.YRange = headroom(lo, hi, c.LogY)
		}
	}
	return c, ""
}

// headroom is a y range over [lo, hi] with room at the top for the
// best trial's label.
func headroom(lo, hi float64, log bool) [2]float64 {
	if log {
		l, h := math.Log10(lo), math.Log10(hi)
		return [2]float64{math.Pow(10, l-0.05*(h-l)), math.Pow(10, h+0.22*(h-l))}
	}
	span := hi - lo
	if span == 0 {
		span = math.Max(math.Abs(hi), 1) * 0.1
	}
	return [2]float64{lo - 0.05*span, hi + 0.22*span}
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// logSpaced reports whether sorted distinct values read best on a log
// axis: all positive, and spanning two decades or more, or each at least
// about twice the one before (0.01, 0.03, 0.1; 16, 32, 64).
func logSpaced(xs []float64) bool {
	if len(xs) < 2 || xs[0] <= 0 {
		return false
	}
	if xs[len(xs)-1]/xs[0] >= 100 {
		return true
	}
	if len(xs) < 3 {
		return xs[1]/xs[0] >= 10
	}
	for i := 1; i < len(xs); i++ {
		if xs[i]/xs[i-1] < 1.9 {
			return false
		}
	}
	return true
}

// fileSafe makes a key fit a file name.
func fileSafe(key string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.' {
			return r
		}
		return '_'
	}, key)
}

// writeFileAtomic writes data to path through a temporary file in the
// same directory, synced and renamed, so that path is whole or absent.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("sweep: %w", err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("sweep: %w", err)
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("sweep: writing %s: %w", path, err)
	}
	return nil
}
