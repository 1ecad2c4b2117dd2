package data

import (
	"errors"
	"fmt"
	"math"
)

// Stats are the mean and standard deviation that normalize a Dataset's
// features: x ← (x − Mean) / Std. Scalar stats (one value each, like
// MNIST's 0.1307 and 0.3081) apply to every feature; per-feature stats hold
// one value per feature. Stats marshal to JSON, so the training set's stats
// can be saved and applied to the test set or to new inputs later.
type Stats struct {
	Mean []float32 `json:"mean"`
	Std  []float32 `json:"std"`
}

// ComputeStats returns the mean and population standard deviation of ds's
// features, over every value (perFeature false: one scalar each) or per
// feature across examples (perFeature true). Sums are kept in float64. A
// standard deviation of zero (a constant feature) is stored as 1, so that
// applying the stats only centres that feature.
func ComputeStats(ds *Dataset, perFeature bool) (Stats, error) {
	if err := ds.Validate(); err != nil {
		return Stats{}, fmt.Errorf("compute stats: %w", err)
	}
	n, d := ds.Len(), ds.Dim()
	if n == 0 {
		return Stats{}, errors.New("compute stats: empty dataset")
	}
	var s Stats
	if perFeature {
		s = Stats{Mean: make([]float32, d), Std: make([]float32, d)}
		for j := range d {
			s.Mean[j], s.Std[j] = meanStd(ds.X, j, d, n)
		}
	} else {
		mean, std := meanStd(ds.X, 0, 1, len(ds.X))
		s = Stats{Mean: []float32{mean}, Std: []float32{std}}
	}
	if err := s.check(d); err != nil {
		return Stats{}, fmt.Errorf("compute stats: features hold non-finite values or overflow float32: %w", err)
	}
	return s, nil
}

// meanStd returns the mean and population standard deviation of the count
// values x[start], x[start+stride], ..., with two passes in float64.
func meanStd(x []float32, start, stride, count int) (float32, float32) {
	var sum float64
	for i := range count {
		sum += float64(x[start+i*stride])
	}
	mean := sum / float64(count)
	var ss float64
	for i := range count {
		dv := float64(x[start+i*stride]) - mean
		ss += dv * dv
	}
	std := float32(math.Sqrt(ss / float64(count)))
	if std == 0 || math.IsNaN(float64(std)) {
		std = 1
	}
	return float32(mean), std
}

// check reports whether the stats fit a Dataset of d features.
func (s Stats) check(d int) error {
	if len(s.Mean) != len(s.Std) {
		return fmt.Errorf("%d means but %d standard deviations", len(s.Mean), len(s.Std))
	}
	if len(s.Mean) != 1 && len(s.Mean) != d {
		return fmt.Errorf("stats for %d features, dataset has %d (need 1 or %d)", len(s.Mean), d, d)
	}
	for j, v := range s.Std {
		if !(v > 0) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("standard deviation %d is %g, need a positive finite value", j, v)
		}
	}
	for j, v := range s.Mean {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("mean %d is %g, need a finite value", j, v)
		}
	}
	return nil
}

// Apply normalizes ds's features in place: x ← (x − Mean) / Std, in
// float32 as torchvision's Normalize computes it.
func (s Stats) Apply(ds *Dataset) error {
	if err := ds.Validate(); err != nil {
		return fmt.Errorf("normalize: %w", err)
	}
	d := ds.Dim()
	if err := s.check(d); err != nil {
		return fmt.Errorf("normalize: %w", err)
	}
	if len(s.Mean) == 1 {
		m, sd := s.Mean[0], s.Std[0]
		for i, v := range ds.X {
			ds.X[i] = (v - m) / sd
		}
		return nil
	}
	for i := 0; i < len(ds.X); i += d {
		row := ds.X[i : i+d]
		for j, v := range row {
			row[j] = (v - s.Mean[j]) / s.Std[j]
		}
	}
	return nil
}

// Invert undoes Apply in place: x ← x·Std + Mean (up to rounding).
func (s Stats) Invert(ds *Dataset) error {
	if err := ds.Validate(); err != nil {
		return fmt.Errorf("denormalize: %w", err)
	}
	d := ds.Dim()
	if err := s.check(d); err != nil {
		return fmt.Errorf("denormalize: %w", err)
	}
	for i := range ds.X {
		j := 0
		if len(s.Mean) > 1 {
			j = i % d
		}
		ds.X[i] = ds.X[i]*s.Std[j] + s.Mean[j]
	}
	return nil
}

// Normalize computes ds's stats (see ComputeStats) and applies them to ds
// in place, returning them so that they can be saved and applied to other
// sets (the test set is normalized with the training set's stats).
func Normalize(ds *Dataset, perFeature bool) (Stats, error) {
	s, err := ComputeStats(ds, perFeature)
	if err != nil {
		return Stats{}, err
	}
	if err := s.Apply(ds); err != nil {
		return Stats{}, err
	}
	return s, nil
}
