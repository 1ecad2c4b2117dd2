package sweep

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/descent-ml/descent/train"
)

// Metrics lists the metrics a sweep can rank by, as train.Result reports
// them: the final evaluation's accuracies (maximised) and losses, the
// training loss since the last evaluation, and the training seconds and
// optimizer steps to reach Config.Base.TargetAcc (minimised).
var Metrics = []string{"val_acc", "val_loss", "test_acc", "test_loss", "train_acc", "train_loss",
	"final_loss", "time_to_target", "steps_to_target"}

// defaultMetrics are the metrics an unset Config.Metric falls back to,
// the first that the finished trials report.
var defaultMetrics = []string{"val_acc", "test_acc", "val_loss", "test_loss", "final_loss"}

// Maximize reports whether a larger value of metric is better: true for
// accuracies.
func Maximize(metric string) bool { return strings.HasSuffix(metric, "_acc") }

// checkMetric checks a metric's name against the base job.
func checkMetric(metric string, base train.Config) error {
	if metric == "" {
		return nil
	}
	if !slices.Contains(Metrics, metric) {
		return fmt.Errorf("sweep: metric %q: want one of %s", metric, strings.Join(Metrics, ", "))
	}
	if (metric == "time_to_target" || metric == "steps_to_target") && base.TargetAcc == 0 {
		return fmt.Errorf("sweep: metric %s needs a target accuracy (the base job's TargetAcc, --target-acc)", metric)
	}
	return nil
}

// metricValue returns res's value of metric, and whether it has one.
func metricValue(res *train.Result, metric string) (float64, bool) {
	if res == nil {
		return 0, false
	}
	var v *float64
	switch metric {
	case "val_acc":
		v = res.ValAcc
	case "val_loss":
		v = res.ValLoss
	case "test_acc":
		v = res.TestAcc
	case "test_loss":
		v = res.TestLoss
	case "train_acc":
		v = res.TrainAcc
	case "train_loss":
		v = res.TrainLoss
	case "final_loss":
		v = res.FinalLoss
	case "time_to_target":
		v = res.TimeToTargetS
	case "steps_to_target":
		if res.StepsToTarget != nil {
			x := float64(*res.StepsToTarget)
			v = &x
		}
	}
	if v == nil || math.IsNaN(*v) || math.IsInf(*v, 0) {
		return 0, false
	}
	return *v, true
}

// Value returns the trial's value of metric (one of Metrics), and whether
// it has one: a trial that diverged or failed has none.
func (t *Trial) Value(metric string) (float64, bool) {
	if t.Status != StatusDone {
		return 0, false
	}
	return metricValue(t.Result, metric)
}

// resolveMetric returns metric, or when it is empty the first default
// metric that a finished trial reports.
func resolveMetric(metric string, base train.Config, trials []Trial) string {
	if metric != "" {
		return metric
	}
	for _, m := range defaultMetrics {
		for i := range trials {
			if _, ok := trials[i].Value(m); ok {
				return m
			}
		}
	}
	if base.Val > 0 {
		return "val_acc"
	}
	return "test_acc"
}

// class orders trials by outcome: with the metric, without it, failed,
// diverged.
func class(t *Trial, metric string) int {
	switch t.Status {
	case StatusDone:
		if _, ok := t.Value(metric); ok {
			return 0
		}
		return 1
	case StatusFailed:
		return 2
	}
	return 3
}

// rank sorts trials best first by metric and numbers them from 1; it
// fills each trial's Rank and Metric.
func rank(trials []Trial, metric string) {
	maximize := Maximize(metric)
	slices.SortStableFunc(trials, func(a, b Trial) int {
		if c := cmp.Compare(class(&a, metric), class(&b, metric)); c != 0 {
			return c
		}
		va, oka := a.Value(metric)
		vb, okb := b.Value(metric)
		if oka && okb && va != vb {
			if maximize {
				return cmp.Compare(vb, va)
			}
			return cmp.Compare(va, vb)
		}
		return cmp.Compare(a.Index, b.Index)
	})
	for i := range trials {
		t := &trials[i]
		t.Rank = i + 1
		t.Metric = nil
		if v, ok := t.Value(metric); ok {
			t.Metric = &v
		}
	}
}
