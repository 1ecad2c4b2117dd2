package sweep

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
)

// WriteTable writes the ranking as a text table: a line naming the
// metric, then a row per finished trial, best first: its rank, each swept
// key's value, the metric, the other metrics the trials report, the
// optimizer steps, the seconds and the status; the errors of failed
// trials follow the table.
func (r *Result) WriteTable(w io.Writer) error {
	better := "lower"
	if r.Maximize {
		better = "higher"
	}
	ew := &errWriter{w: w}
	fmt.Fprintf(ew, "%d of %d trials, ranked by %s (%s is better)\n", len(r.Trials), r.Total, r.Metric, better)
	others := r.otherMetrics()
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	head := append([]string{"rank"}, r.Keys...)
	head = append(head, r.Metric)
	head = append(head, others...)
	head = append(head, "steps", "seconds", "status")
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for i := range r.Trials {
		t := &r.Trials[i]
		row := []string{strconv.Itoa(t.Rank)}
		for _, k := range r.Keys {
			v, _ := t.Params.Get(k)
			row = append(row, v)
		}
		row = append(row, formatMetric(t, r.Metric))
		for _, m := range others {
			row = append(row, formatMetric(t, m))
		}
		row = append(row, strconv.Itoa(t.Steps), fmt.Sprintf("%.2f", t.Seconds), string(t.Status))
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	tw.Flush()
	for i := range r.Trials {
		if t := &r.Trials[i]; t.Status == StatusFailed {
			fmt.Fprintf(ew, "rank %d (%s) failed: %s\n", t.Rank, t.Params, t.Error)
		}
	}
	return ew.err
}

// otherMetrics are the metrics but the ranking one that some trial
// reports, in the order of Metrics (steps_to_target only when it ranks,
// as time_to_target says as much).
func (r *Result) otherMetrics() []string {
	var out []string
	for _, m := range Metrics {
		if m == r.Metric || m == "steps_to_target" {
			continue
		}
		if slices.ContainsFunc(r.Trials, func(t Trial) bool { _, ok := t.Value(m); return ok }) {
			out = append(out, m)
		}
	}
	return out
}

// formatMetric writes a trial's value of metric, or "-".
func formatMetric(t *Trial, metric string) string {
	v, ok := t.Value(metric)
	switch {
	case !ok:
		return "-"
	case Maximize(metric):
		return fmt.Sprintf("%.4f", v)
	case metric == "time_to_target":
		return fmt.Sprintf("%.2f", v)
	case metric == "steps_to_target":
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.4g", v)
}

// errWriter keeps the first write error.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}
