package data

import (
	"errors"
	"fmt"
	"math"
)

// Kind says what a Dataset's examples are labelled with.
type Kind int

// The kinds of Dataset.
const (
	// Unlabeled examples carry features only.
	Unlabeled Kind = iota
	// Classification examples carry a class id in [0, NumClasses).
	Classification
	// Regression examples carry TargetDim float32 targets.
	Regression
)

// String returns "unlabeled", "classification" or "regression".
func (k Kind) String() string {
	switch k {
	case Unlabeled:
		return "unlabeled"
	case Classification:
		return "classification"
	case Regression:
		return "regression"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Dataset is N examples of D float32 features each.
//
// X holds the features row-major: example i is X[i*D : (i+1)*D], where D is
// the product of Shape, the shape of one example ([1 28 28] for an MNIST
// image, [D] for a row of a table).
//
// A classification set has Labels (one class id in [0, NumClasses) per
// example) and optionally ClassNames (the name of each class id, as read
// from a CSV file). A regression set has Targets, TargetDim values per
// example, row-major like X. A set with neither is unlabeled.
//
// The fields are exported so that a Dataset can be built from any source;
// Validate checks that they agree with each other, and every function of
// this package that takes a Dataset calls it.
type Dataset struct {
	X     []float32
	Shape []int

	Labels     []int
	NumClasses int
	ClassNames []string

	Targets   []float32
	TargetDim int
}

// NewClassification returns a classification Dataset over x (N examples of
// the given shape, row-major) with one label in [0, numClasses) per
// example. The slices become the Dataset's; they are not copied.
func NewClassification(x []float32, shape []int, labels []int, numClasses int) (*Dataset, error) {
	ds := &Dataset{X: x, Shape: shape, Labels: labels, NumClasses: numClasses}
	if err := ds.Validate(); err != nil {
		return nil, fmt.Errorf("new classification dataset: %w", err)
	}
	return ds, nil
}

// NewRegression returns a regression Dataset over x (N examples of the
// given shape, row-major) with targetDim targets per example in targets
// (row-major, N×targetDim). The slices become the Dataset's; they are not
// copied.
func NewRegression(x []float32, shape []int, targets []float32, targetDim int) (*Dataset, error) {
	ds := &Dataset{X: x, Shape: shape, Targets: targets, TargetDim: targetDim}
	if err := ds.Validate(); err != nil {
		return nil, fmt.Errorf("new regression dataset: %w", err)
	}
	return ds, nil
}

// Dim returns D, the number of features of one example (the product of
// Shape), or 0 when Shape is empty or holds a dimension below 1.
func (ds *Dataset) Dim() int {
	if ds == nil {
		return 0
	}
	d, ok := shapeSize(ds.Shape)
	if !ok {
		return 0
	}
	return d
}

// Len returns N, the number of examples.
func (ds *Dataset) Len() int {
	d := ds.Dim()
	if d == 0 {
		return 0
	}
	return len(ds.X) / d
}

// Kind reports whether the set holds class labels, regression targets or
// neither.
func (ds *Dataset) Kind() Kind {
	switch {
	case ds == nil:
		return Unlabeled
	case ds.Labels != nil:
		return Classification
	case ds.Targets != nil:
		return Regression
	}
	return Unlabeled
}

// Example returns the features of example i, sharing the Dataset's memory.
// It returns nil when i is out of range.
func (ds *Dataset) Example(i int) []float32 {
	d := ds.Dim()
	if d == 0 || i < 0 || i >= ds.Len() {
		return nil
	}
	return ds.X[i*d : (i+1)*d : (i+1)*d]
}

// shapeSize returns the product of shape, false when shape is empty, holds
// a dimension below 1 or its product overflows an int.
func shapeSize(shape []int) (int, bool) {
	if len(shape) == 0 {
		return 0, false
	}
	n := 1
	for _, d := range shape {
		if d < 1 || n > math.MaxInt/d {
			return 0, false
		}
		n *= d
	}
	return n, true
}

// Validate reports the first way in which the Dataset's fields disagree:
// a shape that is empty or has a dimension below 1, features that are not
// a whole number of examples, labels or targets of the wrong count, a label
// outside [0, NumClasses), both labels and targets, or ClassNames of the
// wrong length.
func (ds *Dataset) Validate() error {
	if ds == nil {
		return errors.New("nil dataset")
	}
	d, ok := shapeSize(ds.Shape)
	if !ok {
		return fmt.Errorf("example shape %v: need at least one dimension, each at least 1", ds.Shape)
	}
	if len(ds.X)%d != 0 {
		return fmt.Errorf("%d feature values are not a whole number of examples of shape %v (%d values each)", len(ds.X), ds.Shape, d)
	}
	n := len(ds.X) / d
	if ds.Labels != nil && ds.Targets != nil {
		return errors.New("dataset has both class labels and regression targets")
	}
	if ds.Labels != nil {
		if len(ds.Labels) != n {
			return fmt.Errorf("%d labels for %d examples", len(ds.Labels), n)
		}
		if ds.NumClasses < 1 {
			return fmt.Errorf("classification dataset with NumClasses %d", ds.NumClasses)
		}
		for i, c := range ds.Labels {
			if c < 0 || c >= ds.NumClasses {
				return fmt.Errorf("example %d: label %d outside [0, %d)", i, c, ds.NumClasses)
			}
		}
		if ds.ClassNames != nil && len(ds.ClassNames) != ds.NumClasses {
			return fmt.Errorf("%d class names for %d classes", len(ds.ClassNames), ds.NumClasses)
		}
	}
	if ds.Targets != nil {
		if ds.TargetDim < 1 {
			return fmt.Errorf("regression dataset with TargetDim %d", ds.TargetDim)
		}
		if n > math.MaxInt/ds.TargetDim || len(ds.Targets) != n*ds.TargetDim {
			return fmt.Errorf("%d target values for %d examples of %d targets each", len(ds.Targets), n, ds.TargetDim)
		}
	}
	return nil
}

// header returns a Dataset with ds's metadata (shape, class count and
// names, target dimension) and no examples.
func (ds *Dataset) header() *Dataset {
	return &Dataset{
		Shape:      append([]int(nil), ds.Shape...),
		NumClasses: ds.NumClasses,
		ClassNames: ds.ClassNames,
		TargetDim:  ds.TargetDim,
	}
}

// Slice returns examples [lo, hi) as a Dataset that shares ds's memory:
// writing to one (normalizing in place, say) changes the other. Appending
// to the slice's fields never writes into ds.
func (ds *Dataset) Slice(lo, hi int) (*Dataset, error) {
	if err := ds.Validate(); err != nil {
		return nil, fmt.Errorf("slice: %w", err)
	}
	n, d := ds.Len(), ds.Dim()
	if lo < 0 || hi < lo || hi > n {
		return nil, fmt.Errorf("slice [%d, %d) of %d examples: out of range", lo, hi, n)
	}
	out := ds.header()
	out.X = ds.X[lo*d : hi*d : hi*d]
	switch ds.Kind() {
	case Classification:
		out.Labels = ds.Labels[lo:hi:hi]
	case Regression:
		k := ds.TargetDim
		out.Targets = ds.Targets[lo*k : hi*k : hi*k]
	}
	return out, nil
}

// Split returns examples [0, at) and [at, N) as two Datasets sharing ds's
// memory (see Slice).
func (ds *Dataset) Split(at int) (first, rest *Dataset, err error) {
	if first, err = ds.Slice(0, at); err != nil {
		return nil, nil, fmt.Errorf("split at %d: %w", at, err)
	}
	if rest, err = ds.Slice(at, ds.Len()); err != nil {
		return nil, nil, fmt.Errorf("split at %d: %w", at, err)
	}
	return first, rest, nil
}

// HoldOut holds the last n examples out for validation, as a --val n flag
// would: it returns the first N−n examples as train and the last n as val,
// both sharing ds's memory (see Slice). n must be in [0, N).
func (ds *Dataset) HoldOut(n int) (train, val *Dataset, err error) {
	total := ds.Len()
	if n < 0 || n >= total {
		return nil, nil, fmt.Errorf("hold out %d of %d examples: need 0 <= n < %d", n, total, total)
	}
	return ds.Split(total - n)
}

// Subset returns a new Dataset holding copies of the examples at the given
// indices, in that order (an index may repeat).
func (ds *Dataset) Subset(indices []int) (*Dataset, error) {
	if err := ds.Validate(); err != nil {
		return nil, fmt.Errorf("subset: %w", err)
	}
	n, d := ds.Len(), ds.Dim()
	for j, i := range indices {
		if i < 0 || i >= n {
			return nil, fmt.Errorf("subset: index %d (position %d) outside [0, %d)", i, j, n)
		}
	}
	out := ds.header()
	out.X = make([]float32, len(indices)*d)
	for j, i := range indices {
		copy(out.X[j*d:(j+1)*d], ds.X[i*d:(i+1)*d])
	}
	switch ds.Kind() {
	case Classification:
		out.Labels = make([]int, len(indices))
		for j, i := range indices {
			out.Labels[j] = ds.Labels[i]
		}
	case Regression:
		k := ds.TargetDim
		out.Targets = make([]float32, len(indices)*k)
		for j, i := range indices {
			copy(out.Targets[j*k:(j+1)*k], ds.Targets[i*k:(i+1)*k])
		}
	}
	return out, nil
}
