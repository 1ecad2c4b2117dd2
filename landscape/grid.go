package landscape

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Axis is one axis of a grid: N evenly spaced values from Lo to Hi,
// both included.
type Axis struct {
	Lo, Hi float64
	N      int
}

// MaxAxisPoints is the most points one axis may have.
const MaxAxisPoints = 10_001

// ParseAxis reads a grid spec "LO:HI:N", such as "-1:1:51".
func ParseAxis(spec string) (Axis, error) {
	parts := strings.Split(spec, ":")
	if len(parts) != 3 {
		return Axis{}, fmt.Errorf("grid %q: want LO:HI:N, as -1:1:51", spec)
	}
	lo, err := strconv.ParseFloat(strings.TrimSpace(parts[0]), 64)
	if err != nil {
		return Axis{}, fmt.Errorf("grid %q: LO %q is not a number", spec, parts[0])
	}
	hi, err := strconv.ParseFloat(strings.TrimSpace(parts[1]), 64)
	if err != nil {
		return Axis{}, fmt.Errorf("grid %q: HI %q is not a number", spec, parts[1])
	}
	n, err := strconv.Atoi(strings.TrimSpace(parts[2]))
	if err != nil {
		return Axis{}, fmt.Errorf("grid %q: N %q is not a whole number", spec, parts[2])
	}
	a := Axis{Lo: lo, Hi: hi, N: n}
	if err := a.check(); err != nil {
		return Axis{}, fmt.Errorf("grid %q: %w", spec, err)
	}
	return a, nil
}

// check reports what is wrong with the axis.
func (a Axis) check() error {
	if math.IsNaN(a.Lo) || math.IsInf(a.Lo, 0) || math.IsNaN(a.Hi) || math.IsInf(a.Hi, 0) {
		return fmt.Errorf("range %g:%g must be finite", a.Lo, a.Hi)
	}
	if !(a.Hi > a.Lo) {
		return fmt.Errorf("HI %g must be greater than LO %g", a.Hi, a.Lo)
	}
	if a.N < 2 || a.N > MaxAxisPoints {
		return fmt.Errorf("N %d: want 2 to %d points", a.N, MaxAxisPoints)
	}
	return nil
}

// String returns the axis as a grid spec.
func (a Axis) String() string {
	return fmt.Sprintf("%g:%g:%d", a.Lo, a.Hi, a.N)
}

// Values returns the axis's points.
func (a Axis) Values() []float64 {
	v := make([]float64, a.N)
	for i := range v {
		v[i] = a.Lo + (a.Hi-a.Lo)*float64(i)/float64(a.N-1)
	}
	v[a.N-1] = a.Hi
	return v
}
