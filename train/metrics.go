package train

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strconv"

	"github.com/descent-ml/descent/plot"
)

// writeMetrics writes rows to out as JSON lines and as CSV, each file
// whole or not at all.
func writeMetrics(out string, rows []Row) error {
	if err := writeAtomic(filepath.Join(out, MetricsJSONL), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		for _, r := range rows {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	if err := writeAtomic(filepath.Join(out, MetricsCSV), func(w io.Writer) error {
		return WriteMetricsCSV(w, rows)
	}); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	return nil
}

// MetricsCSVHeader is the header of the metrics CSV file.
var MetricsCSVHeader = []string{"step", "epoch", "train_s", "lr", "train_loss", "val_loss", "val_acc", "test_loss", "test_acc", "train_acc", "eval"}

// WriteMetricsCSV writes rows as CSV with MetricsCSVHeader; absent values
// are empty fields.
func WriteMetricsCSV(w io.Writer, rows []Row) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(MetricsCSVHeader); err != nil {
		return err
	}
	num := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	opt := func(v *float64) string {
		if v == nil {
			return ""
		}
		return num(*v)
	}
	for _, r := range rows {
		rec := []string{strconv.Itoa(r.Step), num(r.Epoch), num(r.TrainS), num(r.LR), opt(r.TrainLoss),
			opt(r.ValLoss), opt(r.ValAcc), opt(r.TestLoss), opt(r.TestAcc), opt(r.TrainAcc), strconv.FormatBool(r.Eval)}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// curves returns the series of rows against the epoch: the training loss
// and each evaluated split's loss (loss true) or accuracy.
func curves(rows []Row, loss bool) []plot.Series {
	type pick struct {
		name string
		get  func(Row) *float64
	}
	var picks []pick
	if loss {
		picks = []pick{
			{"train loss", func(r Row) *float64 { return r.TrainLoss }},
			{"validation loss", func(r Row) *float64 { return r.ValLoss }},
			{"test loss", func(r Row) *float64 { return r.TestLoss }},
		}
	} else {
		picks = []pick{
			{"train accuracy", func(r Row) *float64 { return r.TrainAcc }},
			{"validation accuracy", func(r Row) *float64 { return r.ValAcc }},
			{"test accuracy", func(r Row) *float64 { return r.TestAcc }},
		}
	}
	logged := false // rows of training loss between evaluations
	for _, r := range rows {
		logged = logged || !r.Eval && r.TrainLoss != nil
	}
	var out []plot.Series
	for i, p := range picks {
		var s plot.Series
		s.Name = p.name
		for _, r := range rows {
			if loss && i == 0 && logged && r.Eval {
				continue // an evaluation's training loss spans another window
			}
			if v := p.get(r); v != nil {
				s.X = append(s.X, r.Epoch)
				s.Y = append(s.Y, *v)
			}
		}
		if len(s.Y) > 0 {
			out = append(out, s)
		}
	}
	return out
}

// distinctX reports whether the series span more than one x value, which
// a chart needs.
func distinctX(series []plot.Series) bool {
	var first float64
	seen := false
	for _, s := range series {
		for _, x := range s.X {
			if !seen {
				first, seen = x, true
			} else if x != first {
				return true
			}
		}
	}
	return false
}

// plotsEnabled lets tests that run many short jobs skip drawing.
var plotsEnabled = true

// writePlots draws the loss and accuracy curves into out (each when
// there are points at two epochs or more to draw).
func writePlots(out string, rows []Row) error {
	if !plotsEnabled {
		return nil
	}
	for _, c := range []struct {
		file   string
		loss   bool
		ylabel string
	}{
		{LossPlot, true, "loss"},
		{AccuracyPlot, false, "accuracy"},
	} {
		series := curves(rows, c.loss)
		if !distinctX(series) {
			continue
		}
		chart := plot.LineChart{Title: c.ylabel, XLabel: "epoch", YLabel: c.ylabel, Series: series, Points: len(rows) <= 30}
		if c.loss && positive(series) {
			chart.LogY = true
		}
		if err := writeAtomic(filepath.Join(out, c.file), func(w io.Writer) error {
			return plot.Lines(w, "png", chart)
		}); err != nil {
			return fmt.Errorf("plot: %w", err)
		}
	}
	return nil
}

// positive reports whether every value is above zero (a log axis can
// show them).
func positive(series []plot.Series) bool {
	for _, s := range series {
		for _, y := range s.Y {
			if !(y > 0) {
				return false
			}
		}
	}
	return true
}
