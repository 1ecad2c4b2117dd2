package demo

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/descent-ml/descent/optim"
	"github.com/descent-ml/descent/plot"
)

// trainPicture draws chart into the picture called name in cfg.Out and
// returns its path; without cfg.Out it draws nothing and returns "".
func trainPicture(cfg Config, name string, chart plot.LineChart) (string, error) {
	path, format := cfg.Picture(name)
	if path == "" {
		return "", nil
	}
	if err := writeFile(path, func(w io.Writer) error { return plot.Lines(w, format, chart) }); err != nil {
		return "", fmt.Errorf("picture %s: %w", name, err)
	}
	return path, nil
}

// trChart is a line chart to draw into the picture called name.
type trChart struct {
	name  string
	chart plot.LineChart
}

// trainPictures draws every chart with trainPicture and adds the files
// written to rep.Files.
func trainPictures(cfg Config, rep *Report, charts []trChart) error {
	for _, c := range charts {
		path, err := trainPicture(cfg, c.name, c.chart)
		if err != nil {
			return err
		}
		if path != "" {
			rep.Files = append(rep.Files, path)
		}
	}
	return nil
}

// trDiverged reports whether err is a run stopped by a non-finite loss or
// gradient (an *optim.NonFiniteError in its chain).
func trDiverged(err error) bool {
	var nf *optim.NonFiniteError
	return errors.As(err, &nf)
}

// trG3 formats v with three significant digits, as "0.0123" or "1.5e-05".
func trG3(v float64) string {
	if math.IsNaN(v) {
		return "—"
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// trF3 formats v with three decimals.
func trF3(v float64) string {
	if math.IsNaN(v) {
		return "—"
	}
	return strconv.FormatFloat(v, 'f', 3, 64)
}

// trFiniteNumbers returns m without its non-finite values (JSON has no NaN).
func trFiniteNumbers(m map[string]float64) map[string]float64 {
	for k, v := range m {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			delete(m, k)
		}
	}
	return m
}
