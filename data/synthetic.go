package data

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// The second PCG word of each generator, so that equal seeds give
// unrelated streams in different generators.
const (
	streamSpirals = 0x5350_4952_414c_5321
	streamBlobs   = 0x424c_4f42_5321_0000
	streamLinear  = 0x4c49_4e45_4152_0000
)

// SpiralsConfig sets up Spirals. The zero value of a field is its default.
type SpiralsConfig struct {
	N     int     // examples in all, dealt to the arms in turn (example i is on arm i mod Arms)
	Arms  int     // number of arms, one class each; 0 means 3
	Noise float64 // standard deviation of the Gaussian noise on each point's angle, in radians (0.2 in CS231n's version)
	Sweep float64 // angle each arm turns through from the centre to its tip, in radians; 0 means 4
	Seed  uint64
}

// Spirals returns the classic spirals classification problem (as in
// Stanford's CS231n): Arms arms of points in the plane winding out from the
// origin, arm j starting at angle 2πj/Arms, its points at radii evenly
// spaced from 0 to 1 with angles perturbed by Gaussian noise. Examples have
// shape [2] (x, y) and label j.
func Spirals(cfg SpiralsConfig) (*Dataset, error) {
	if cfg.Arms == 0 {
		cfg.Arms = 3
	}
	if cfg.Sweep == 0 {
		cfg.Sweep = 4
	}
	switch {
	case cfg.N < 1:
		return nil, fmt.Errorf("spirals: N %d, need at least 1", cfg.N)
	case cfg.Arms < 1:
		return nil, fmt.Errorf("spirals: Arms %d, need at least 1", cfg.Arms)
	case !finiteNonNeg(cfg.Noise):
		return nil, fmt.Errorf("spirals: Noise %g, need a finite value >= 0", cfg.Noise)
	case math.IsNaN(cfg.Sweep) || math.IsInf(cfg.Sweep, 0):
		return nil, fmt.Errorf("spirals: Sweep %g, need a finite value", cfg.Sweep)
	}
	if _, ok := shapeSize([]int{cfg.N, 2}); !ok {
		return nil, fmt.Errorf("spirals: N %d too large", cfg.N)
	}
	src := rand.NewPCG(cfg.Seed, streamSpirals)
	x := make([]float32, 2*cfg.N)
	labels := make([]int, cfg.N)
	for i := range cfg.N {
		j := i % cfg.Arms
		m := i / cfg.Arms                              // position along the arm
		count := (cfg.N - j + cfg.Arms - 1) / cfg.Arms // points on arm j
		r := 0.0
		if count > 1 {
			r = float64(m) / float64(count-1)
		}
		theta := 2*math.Pi*float64(j)/float64(cfg.Arms) + cfg.Sweep*r + cfg.Noise*normal(src)
		x[2*i] = float32(r * math.Sin(theta))
		x[2*i+1] = float32(r * math.Cos(theta))
		labels[i] = j
	}
	return &Dataset{X: x, Shape: []int{2}, Labels: labels, NumClasses: cfg.Arms}, nil
}

// BlobsConfig sets up Blobs. The zero value of a field is its default.
type BlobsConfig struct {
	N       int     // examples in all, dealt to the centres in turn (example i belongs to centre i mod Centers)
	Centers int     // number of blobs, one class each; 0 means 3
	Dim     int     // features per example; 0 means 2
	Std     float64 // standard deviation of each blob; 0 means 1
	Box     float64 // centres are uniform in [-Box, Box] per feature; 0 means 10
	Seed    uint64
}

// Blobs returns isotropic Gaussian blobs for classification, as
// scikit-learn's make_blobs draws them: Centers centres uniform in the box
// [-Box, Box]^Dim, and around each, points with independent Gaussian
// features of standard deviation Std. Examples have shape [Dim] and the
// label of their centre. It also returns the centres (Centers×Dim,
// row-major).
func Blobs(cfg BlobsConfig) (*Dataset, []float32, error) {
	if cfg.Centers == 0 {
		cfg.Centers = 3
	}
	if cfg.Dim == 0 {
		cfg.Dim = 2
	}
	if cfg.Std == 0 {
		cfg.Std = 1
	}
	if cfg.Box == 0 {
		cfg.Box = 10
	}
	switch {
	case cfg.N < 1:
		return nil, nil, fmt.Errorf("blobs: N %d, need at least 1", cfg.N)
	case cfg.Centers < 1:
		return nil, nil, fmt.Errorf("blobs: Centers %d, need at least 1", cfg.Centers)
	case cfg.Dim < 1:
		return nil, nil, fmt.Errorf("blobs: Dim %d, need at least 1", cfg.Dim)
	case !finiteNonNeg(cfg.Std):
		return nil, nil, fmt.Errorf("blobs: Std %g, need a finite value > 0", cfg.Std)
	case !finiteNonNeg(cfg.Box):
		return nil, nil, fmt.Errorf("blobs: Box %g, need a finite value > 0", cfg.Box)
	}
	if _, ok := shapeSize([]int{max(cfg.N, cfg.Centers), cfg.Dim}); !ok {
		return nil, nil, fmt.Errorf("blobs: %d examples of %d features: too large", cfg.N, cfg.Dim)
	}
	src := rand.NewPCG(cfg.Seed, streamBlobs)
	d := cfg.Dim
	centers := make([]float32, cfg.Centers*d)
	for i := range centers {
		centers[i] = float32(cfg.Box * (2*uniform(src) - 1))
	}
	x := make([]float32, cfg.N*d)
	labels := make([]int, cfg.N)
	for i := range cfg.N {
		c := i % cfg.Centers
		for k := range d {
			x[i*d+k] = float32(float64(centers[c*d+k]) + cfg.Std*normal(src))
		}
		labels[i] = c
	}
	return &Dataset{X: x, Shape: []int{d}, Labels: labels, NumClasses: cfg.Centers}, centers, nil
}

// LinearConfig sets up LinearRegression. The zero value of a field is its
// default.
type LinearConfig struct {
	N       int     // examples
	Dim     int     // features per example; 0 means 1
	Outputs int     // targets per example; 0 means 1
	Noise   float64 // standard deviation of the Gaussian noise added to each target
	Bias    bool    // draw a bias term (otherwise it is zero)
	Seed    uint64
}

// LinearModel is the true model behind a LinearRegression set:
// y = W·x + B, with W Outputs×Dim row-major.
type LinearModel struct {
	W       []float32
	B       []float32
	Dim     int
	Outputs int
}

// Predict writes W·x + B for one example x (length Dim) into y (length
// Outputs), summing in float64.
func (m *LinearModel) Predict(x, y []float32) error {
	if m == nil || len(m.W) != m.Dim*m.Outputs || len(m.B) != m.Outputs {
		return fmt.Errorf("predict: malformed model")
	}
	if len(x) != m.Dim || len(y) != m.Outputs {
		return fmt.Errorf("predict: x has %d values and y %d, want %d and %d", len(x), len(y), m.Dim, m.Outputs)
	}
	for o := range m.Outputs {
		s := float64(m.B[o])
		for k, v := range x {
			s += float64(m.W[o*m.Dim+k]) * float64(v)
		}
		y[o] = float32(s)
	}
	return nil
}

// LinearRegression returns a regression set drawn from a known linear
// model, and the model: W (and B when Bias is set) standard normal,
// features standard normal, targets W·x + B plus Gaussian noise of standard
// deviation Noise. Examples have shape [Dim] and Outputs targets each.
func LinearRegression(cfg LinearConfig) (*Dataset, *LinearModel, error) {
	if cfg.Dim == 0 {
		cfg.Dim = 1
	}
	if cfg.Outputs == 0 {
		cfg.Outputs = 1
	}
	switch {
	case cfg.N < 1:
		return nil, nil, fmt.Errorf("linear regression: N %d, need at least 1", cfg.N)
	case cfg.Dim < 1:
		return nil, nil, fmt.Errorf("linear regression: Dim %d, need at least 1", cfg.Dim)
	case cfg.Outputs < 1:
		return nil, nil, fmt.Errorf("linear regression: Outputs %d, need at least 1", cfg.Outputs)
	case !finiteNonNeg(cfg.Noise):
		return nil, nil, fmt.Errorf("linear regression: Noise %g, need a finite value >= 0", cfg.Noise)
	}
	_, okX := shapeSize([]int{cfg.N, cfg.Dim})
	_, okY := shapeSize([]int{cfg.N, cfg.Outputs})
	_, okW := shapeSize([]int{cfg.Outputs, cfg.Dim})
	if !okX || !okY || !okW {
		return nil, nil, fmt.Errorf("linear regression: %d examples, %d features, %d outputs: too large", cfg.N, cfg.Dim, cfg.Outputs)
	}
	src := rand.NewPCG(cfg.Seed, streamLinear)
	m := &LinearModel{W: make([]float32, cfg.Outputs*cfg.Dim), B: make([]float32, cfg.Outputs), Dim: cfg.Dim, Outputs: cfg.Outputs}
	for i := range m.W {
		m.W[i] = float32(normal(src))
	}
	if cfg.Bias {
		for i := range m.B {
			m.B[i] = float32(normal(src))
		}
	}
	x := make([]float32, cfg.N*cfg.Dim)
	for i := range x {
		x[i] = float32(normal(src))
	}
	y := make([]float32, cfg.N*cfg.Outputs)
	for i := range cfg.N {
		row := y[i*cfg.Outputs : (i+1)*cfg.Outputs]
		_ = m.Predict(x[i*cfg.Dim:(i+1)*cfg.Dim], row) // lengths match by construction
		if cfg.Noise > 0 {
			for o := range row {
				row[o] = float32(float64(row[o]) + cfg.Noise*normal(src))
			}
		}
	}
	return &Dataset{X: x, Shape: []int{cfg.Dim}, Targets: y, TargetDim: cfg.Outputs}, m, nil
}

// finiteNonNeg reports whether v is finite and not negative.
func finiteNonNeg(v float64) bool {
	return v >= 0 && !math.IsInf(v, 1)
}
